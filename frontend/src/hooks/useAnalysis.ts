// Drives an analysis: predictions and Grad-CAM first (fast), then Integrated Gradients one model
// at a time for the chosen face, then the comparison of the page's pair (GET /models's
// compare_default: race_control vs race_biased in the bundle); class switches jump the queue. The
// faithfulness of the maps is asked for with the explanation requests, never with the upload, so
// the first results stay fast. Everything lands in one reducer so the page re-renders as each piece arrives.
import { useCallback, useEffect, useLayoutEffect, useReducer, useRef, useState } from 'react'
import { analyze, fetchComparison, fetchExplanation, type ExplanationRequest } from '../api/client'
import { ApiError } from '../api/errors'
import {
  faithfulnessOf,
  type Detector,
  type Explanation,
  type ExplainMode,
  type GradCamResult,
  type IgOptions,
  type Method,
} from '../api/types'
import { SerialQueue } from '../lib/queue'
import {
  comparisonKey,
  explanationKey,
  initialState,
  missingMethods,
  reducer,
  targetKey,
  type AnalysisState,
} from './analysisState'

export interface Settings extends IgOptions {
  align: boolean
}

function explainMode(methods: Method[]): ExplainMode {
  if (methods.length === 2) return 'both'
  return methods[0]
}

/**
 * The methods to ask for: `methods`, plus Grad-CAM again when only its faithfulness is missing (the
 * upload's Grad-CAM comes without it; the map is cheap to compute again beside Integrated Gradients).
 */
export function explainFor(methods: Method[], gradCam: GradCamResult | null | undefined, serviceMeasures: boolean): ExplainMode {
  if (serviceMeasures && methods.length === 1 && methods[0] === 'integrated_gradients' && gradCam && !faithfulnessOf(gradCam))
    return 'both'
  return explainMode(methods)
}

function asApiError(error: unknown): ApiError {
  return error instanceof ApiError ? error : new ApiError(0, 'network_error', String(error))
}

export function useAnalysis() {
  const [state, dispatch] = useReducer(reducer, initialState)
  const [settings, setSettings] = useState<Settings>({ align: true })
  const queue = useRef(new SerialQueue())
  const controller = useRef<AbortController | null>(null)
  // Queued requests run later than the render that queued them: they read the latest state here.
  const stateRef = useRef<AnalysisState>(state)
  useLayoutEffect(() => {
    stateRef.current = state
  }, [state])
  const photoUrl = useRef<string | undefined>(undefined)
  /** bumped when the IG options change: answers to requests made before are dropped */
  const igVersion = useRef(0)
  const [igGeneration, setIgGeneration] = useState(0)

  const lastFile = useRef<File | undefined>(undefined)
  /** false once the service answered a request for faithfulness without it (an older service) */
  const measuresFaithfulness = useRef(true)
  const noteFaithfulness = (explanation: Explanation) => {
    const results = [explanation.integrated_gradients, explanation.grad_cam].filter(Boolean)
    if (results.length && !results.some((result) => faithfulnessOf(result))) measuresFaithfulness.current = false
  }

  const [detector, setDetector] = useState<Detector>('hog')
  const upload = useCallback(
    async (file: File, chosen: Detector = 'hog') => {
      lastFile.current = file
      setDetector(chosen)
      queue.current.clear()
      controller.current?.abort()
      const abort = new AbortController()
      controller.current = abort
      if (photoUrl.current) URL.revokeObjectURL(photoUrl.current)
      photoUrl.current = typeof URL.createObjectURL === 'function' ? URL.createObjectURL(file) : undefined
      dispatch({ type: 'start', fileName: file.name || 'photo', photoUrl: photoUrl.current })
      try {
        const result = await analyze(file, {
          align: settings.align,
          explain: 'grad_cam',
          // the service's own default otherwise (a server-wide setting); cnn only when asked to look harder
          ...(chosen === 'cnn' ? { detector: 'cnn' as const } : {}),
          signal: abort.signal,
        })
        if (!abort.signal.aborted) dispatch({ type: 'analyzed', result })
      } catch (error) {
        if (abort.signal.aborted) return
        dispatch({ type: 'failed', error: asApiError(error) })
      }
    },
    [settings.align],
  )

  /** Uploads the last photo again: analyses expire on the server after about 10 minutes. */
  const reanalyze = useCallback(() => {
    if (lastFile.current) void upload(lastFile.current, detector)
  }, [upload, detector])

  /** The last photo again with dlib's slower CNN detector, which finds more turned, small or hidden faces. */
  const lookHarder = useCallback(() => {
    if (lastFile.current) void upload(lastFile.current, 'cnn')
  }, [upload])

  const reset = useCallback(() => {
    queue.current.clear()
    controller.current?.abort()
    dispatch({ type: 'reset' })
  }, [])

  /**
   * Queues one explanation request under `job` (a queue key: a repeated job is not queued twice)
   * and dispatches its status and result; `query` builds the request's options when its turn
   * comes. Dropped when the analysis or the IG options changed meanwhile.
   */
  const queueExplanation = useCallback(
    (
      face: number,
      model: string,
      target: string,
      methods: Method[],
      job: string,
      query: () => Omit<ExplanationRequest, 'analysisId' | 'face' | 'model' | 'target' | 'signal'>,
      urgent: boolean,
    ) => {
      const result = stateRef.current.result
      if (!result) return
      const key = explanationKey(face, model, target)
      const analysisId = result.analysis_id
      const signal = controller.current?.signal
      const version = igVersion.current
      const stillWanted = () => stateRef.current.result?.analysis_id === analysisId && igVersion.current === version
      const queueKey = `${analysisId}/${version}/${key}/${job}`
      if (queue.current.has(queueKey)) return
      // 'queued' first: an idle queue starts the task inside push(), which then says 'loading'.
      dispatch({ type: 'explanationStatus', key, methods, status: 'queued' })
      queue.current.push(
        queueKey,
        async () => {
          if (!stillWanted()) return
          dispatch({ type: 'explanationStatus', key, methods, status: 'loading' })
          try {
            const explanation = await fetchExplanation({ analysisId, face, model, target, signal, ...query() })
            noteFaithfulness(explanation)
            if (stillWanted()) dispatch({ type: 'explanationLoaded', key, methods, explanation })
          } catch (error) {
            if (signal?.aborted || !stillWanted()) return
            dispatch({ type: 'explanationStatus', key, methods, status: 'error', error: asApiError(error) })
          }
        },
        urgent,
      )
    },
    [],
  )

  /** Queues the methods of one explanation that are not known yet. */
  const requestExplanation = useCallback(
    (face: number, model: string, target: string, wanted: readonly Method[], urgent = false) => {
      const key = explanationKey(face, model, target)
      const methods = missingMethods(stateRef.current.explanations[key], wanted)
      if (methods.length === 0) return
      const ig: IgOptions = { ig_steps: settings.ig_steps, ig_rule: settings.ig_rule, ig_output: settings.ig_output }
      queueExplanation(
        face,
        model,
        target,
        methods,
        methods.join('+'),
        () => ({
          explain: explainFor(
            methods,
            stateRef.current.explanations[key]?.explanation?.grad_cam,
            measuresFaithfulness.current,
          ),
          ...(methods.includes('integrated_gradients') ? ig : {}),
          faithfulness: measuresFaithfulness.current || undefined,
        }),
        urgent,
      )
    },
    [queueExplanation, settings.ig_steps, settings.ig_rule, settings.ig_output],
  )

  /**
   * Integrated Gradients of one explanation again with more steps (its completeness error was high):
   * the new map and error replace the old ones.
   */
  const recomputeIntegratedGradients = useCallback(
    (face: number, model: string, target: string, steps: number) =>
      queueExplanation(
        face,
        model,
        target,
        ['integrated_gradients'],
        `integrated_gradients/${steps}`,
        () => ({
          explain: 'integrated_gradients',
          ig_steps: steps,
          ig_rule: settings.ig_rule,
          ig_output: settings.ig_output,
          faithfulness: measuresFaithfulness.current || undefined,
        }),
        true,
      ),
    [queueExplanation, settings.ig_rule, settings.ig_output],
  )

  /** Queues the comparison of `models` (the page's pair: compare_default) on one face for one class. */
  const requestComparison = useCallback((face: number, method: Method, target: string, models: [string, string], urgent = false) => {
    const current = stateRef.current
    const result = current.result
    if (!result) return
    const key = comparisonKey(face, method, target, models)
    const status = current.comparisons[key]?.status
    if (status && status !== 'error') return
    const analysisId = result.analysis_id
    const signal = controller.current?.signal
    const version = igVersion.current
    const stillWanted = () => stateRef.current.result?.analysis_id === analysisId && igVersion.current === version
    const queueKey = `${analysisId}/${version}/compare/${key}`
    if (queue.current.has(queueKey)) return
    // 'queued' first: an idle queue starts the task inside push(), which then says 'loading'
    // (the other order left an idle comparison saying it waited for explanations before it).
    dispatch({ type: 'comparisonStatus', key, status: 'queued' })
    queue.current.push(
      queueKey,
      async () => {
        if (!stillWanted()) return
        dispatch({ type: 'comparisonStatus', key, status: 'loading' })
        try {
          const ig: IgOptions =
            method === 'integrated_gradients'
              ? { ig_steps: settings.ig_steps, ig_rule: settings.ig_rule, ig_output: settings.ig_output }
              : {}
          const comparison = await fetchComparison({
            analysisId,
            face,
            models,
            method,
            target,
            ...ig,
            signal,
          })
          if (stillWanted()) dispatch({ type: 'comparisonLoaded', key, comparison })
        } catch (error) {
          if (signal?.aborted || !stillWanted()) return
          dispatch({ type: 'comparisonStatus', key, status: 'error', error: asApiError(error) })
        }
      },
      urgent,
    )
  }, [settings.ig_steps, settings.ig_rule, settings.ig_output])

  /**
   * New Integrated Gradients options (steps, rule, explained output): the explanations shown were
   * computed with the old ones, so they are dropped and computed again, current face first.
   */
  const applyIgOptions = useCallback((options: IgOptions) => {
    setSettings((old) => ({ ...old, ...options }))
    igVersion.current += 1
    setIgGeneration(igVersion.current)
    queue.current.clear()
    dispatch({ type: 'resetIntegratedGradients' })
  }, [])

  /** The class the race comparison explains, kept per face beside the models' own targets. */
  const setCompareTarget = useCallback(
    (face: number, target: string) => dispatch({ type: 'setTarget', face, model: 'compare', target }),
    [],
  )

  const selectFace = useCallback((face: number) => dispatch({ type: 'selectFace', face }), [])

  const setTarget = useCallback(
    (face: number, model: string, target: string) => {
      dispatch({ type: 'setTarget', face, model, target })
      // A class the user picked is what they are waiting for: ask for it before the rest.
      requestExplanation(face, model, target, ['grad_cam', 'integrated_gradients'], true)
    },
    [requestExplanation],
  )

  // After the first answer, and whenever another face is chosen: Integrated Gradients for every
  // model of that face, one after another, in the order of `models`, ahead of what another face
  // still waits for (then urgent, pushed last model first so they run in order).
  const analysisId = state.result?.analysis_id
  useEffect(() => {
    const result = stateRef.current.result
    if (!result) return
    const face = result.faces[stateRef.current.face]
    if (!face) return
    const busy = queue.current.size > 0
    for (const model of busy ? [...result.models].reverse() : result.models) {
      if (!face.predictions[model]) continue
      const target = stateRef.current.targets[targetKey(face.index, model)] ?? face.predictions[model].label
      requestExplanation(face.index, model, target, ['grad_cam', 'integrated_gradients'], busy)
    }
  }, [analysisId, state.face, requestExplanation, igGeneration])

  useEffect(
    () => () => {
      controller.current?.abort()
      if (photoUrl.current) URL.revokeObjectURL(photoUrl.current)
    },
    [],
  )

  return {
    state,
    settings,
    setSettings,
    applyIgOptions,
    upload,
    reanalyze,
    lookHarder,
    detector,
    reset,
    selectFace,
    setTarget,
    setCompareTarget,
    requestExplanation,
    requestComparison,
    recomputeIntegratedGradients,
  }
}

export type AnalysisApi = ReturnType<typeof useAnalysis>
