// Drives an analysis: predictions and Grad-CAM first (fast), then Integrated Gradients one model at
// a time for the chosen face, then the comparison of the page's pair (the one chosen on the page,
// else GET /models's compare_default: race_control vs race_biased in the bundle). What to fetch,
// and in which order, is the reducer's (analysisState.ts: pendingJobs); this hook hands each
// request to one queue, so the service works on one at a time, and what is asked for while others
// wait (a class switch, another face, every class of a model) goes ahead of them. Faithfulness is
// asked for with the explanations, never with the upload, so the first results stay fast.
import { useCallback, useEffect, useMemo, useReducer, useRef, type RefObject } from 'react'
import { analyze, fetchClassGrid, fetchComparison, fetchExplanation, forgetAnalysis } from '../api/client'
import { ApiError } from '../api/errors'
import type { Detector, IgOptions } from '../api/types'
import { comparedPair } from '../lib/format'
import { SerialQueue } from '../lib/queue'
import { chosenPair, initialState, jobStatus, pendingJobs, reducer, type Action, type Job } from './analysisState'
import { useModelsResponse } from './modelNames'

/** A ref's value, left empty: an analysis id is forgotten once. */
function take<T>(ref: RefObject<T | undefined>): T | undefined {
  const value = ref.current
  ref.current = undefined
  return value
}

function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, 'network_error', String(error))
}

/** Makes one request and says what its answer changes. */
async function run(job: Job, signal: AbortSignal): Promise<Action> {
  switch (job.kind) {
    case 'explanation': {
      const explanation = await fetchExplanation({ ...job.request, signal })
      return { type: 'explanationLoaded', key: job.slot, methods: job.methods, explanation }
    }
    case 'comparison':
      return { type: 'comparisonLoaded', key: job.slot, comparison: await fetchComparison({ ...job.request, signal }) }
    case 'grid':
      return { type: 'gridLoaded', key: job.slot, grid: await fetchClassGrid({ ...job.request, signal }) }
  }
}

export function useAnalysis() {
  const [state, dispatch] = useReducer(reducer, initialState)
  const queue = useRef(new SerialQueue())
  /**
   * The jobs handed to the queue that every state seen since still lists as due. An effect may run with a
   * state older than what the queue has done (a job answered and left the queue before React rendered its
   * answer), so a job is handed again only once a state has shown it no longer due.
   */
  const handed = useRef(new Set<string>())
  /** aborted when the requests' answers no longer matter: another photo, other IG options */
  const requests = useRef(new AbortController())
  /** the upload's: aborted when another photo is uploaded */
  const uploading = useRef(new AbortController())
  // The pair the comparison sets side by side by default: compare_default (GET /models, fetched once
  // for the whole app); none until it has answered, or where it names none. The pair chosen on the
  // page (the reducer's `pair`) goes before it.
  const compareDefault = useModelsResponse()?.compare_default
  const defaultPair = useMemo(() => comparedPair(compareDefault), [compareDefault])

  /** Drops the requests waiting and aborts the one running. */
  const restart = useCallback(() => {
    queue.current.clear()
    handed.current.clear()
    requests.current.abort()
    requests.current = new AbortController()
  }, [])

  // Hands the requests due to the queue. Those asked for while others wait go ahead of them, in
  // their order (pushed last first). 'queued' first: an idle queue starts a task inside push().
  useEffect(() => {
    const due = pendingJobs(state, defaultPair)
    const dueIds = new Set(due.map((job) => job.id))
    for (const id of handed.current) if (!dueIds.has(id)) handed.current.delete(id)
    const jobs = due.filter((job) => !handed.current.has(job.id) && !queue.current.has(job.id))
    const { signal } = requests.current
    const urgent = queue.current.size > 0
    for (const job of urgent ? jobs.reverse() : jobs) {
      dispatch(jobStatus(job, 'queued'))
      const task = async () => {
        if (signal.aborted) return
        dispatch(jobStatus(job, 'loading'))
        try {
          const loaded = await run(job, signal)
          if (!signal.aborted) dispatch(loaded)
        } catch (error) {
          if (!signal.aborted) dispatch(jobStatus(job, 'error', asApiError(error)))
        }
      }
      handed.current.add(job.id)
      queue.current.push(job.id, task, urgent)
    }
  }, [state, defaultPair])

  // The analysis shown, which the server keeps for follow-ups until it expires: forgotten there as soon as
  // another photo replaces it (fire and forget: it expires anyway) or "Forget this photo" is pressed.
  const shown = useRef<string | undefined>(undefined)
  const analysisId = state.result?.analysis_id
  useEffect(() => {
    shown.current = analysisId
  }, [analysisId])
  /** counts uploads and forgets: a forget's answer that arrives after a new upload changes nothing */
  const turn = useRef(0)

  const { align } = state.settings
  const analyse = useCallback(
    async (file: File, detector: Detector = 'hog') => {
      restart()
      uploading.current.abort()
      turn.current += 1
      const previous = take(shown)
      if (previous) forgetAnalysis(previous).catch(() => undefined)
      const { signal } = (uploading.current = new AbortController())
      const photoUrl = typeof URL.createObjectURL === 'function' ? URL.createObjectURL(file) : undefined
      dispatch({ type: 'start', fileName: file.name || 'photo', photoUrl, file, detector })
      try {
        // the service's own detector otherwise (a server-wide setting); cnn only when asked to look harder
        const result = await analyze(file, { align, explain: 'grad_cam', ...(detector === 'cnn' ? { detector } : {}), signal })
        if (!signal.aborted) dispatch({ type: 'analyzed', result })
      } catch (error) {
        if (!signal.aborted) dispatch({ type: 'failed', error: asApiError(error) })
      }
    },
    [align, restart],
  )

  /**
   * "Forget this photo": the requests waiting are dropped, the server is asked to forget the analysis
   * now (DELETE /analyses/{id}), and the page goes back to the upload with nothing of the photo kept.
   * One already expired is forgotten too; any other failure is said on the upload panel.
   */
  const forget = useCallback(async () => {
    restart()
    uploading.current.abort()
    const mine = (turn.current += 1)
    const id = take(shown)
    let error: ApiError | undefined
    if (id) {
      try {
        await forgetAnalysis(id)
      } catch (cause) {
        error = asApiError(cause)
        if (error.code === 'analysis_not_found') error = undefined
      }
    }
    if (turn.current === mine) dispatch({ type: 'forgotten', error })
  }, [restart])

  /**
   * New Integrated Gradients options (steps, rule, explained output): the explanations shown were
   * computed with the old ones, so they are dropped and computed again, current face first.
   */
  const applyIgOptions = (options: IgOptions) => {
    restart()
    dispatch({ type: 'igOptions', options })
  }

  // The photo's object URL lives as long as the analysis shows it.
  const { photoUrl, file, detector } = state
  useEffect(
    () => () => {
      if (photoUrl) URL.revokeObjectURL(photoUrl)
    },
    [photoUrl],
  )
  useEffect(
    () => () => {
      requests.current.abort()
      uploading.current.abort()
    },
    [],
  )

  return {
    state,
    dispatch,
    /** the models the comparison sets side by side: the pair chosen, else the default (undefined: none) */
    pair: chosenPair(state, defaultPair),
    upload: analyse,
    forget,
    applyIgOptions,
    /** Uploads the last photo again: analyses expire on the server after about 10 minutes. */
    reanalyze: () => void (file && analyse(file, detector)),
    /** The last photo again with dlib's slower CNN detector, which finds more turned, small or hidden faces. */
    lookHarder: () => void (file && analyse(file, 'cnn')),
  }
}
