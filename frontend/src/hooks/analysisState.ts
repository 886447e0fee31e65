// The analysis as the page knows it: the service's first answer (predictions and Grad-CAM) plus
// every explanation, comparison and class grid fetched since, keyed by face, model and class; the
// settings every request uses; the pair of models the comparison sets side by side; and what is still
// to fetch. useAnalysis only carries out what this file decides: pendingJobs(state, defaultPair) lists
// the requests due, in the order they should run.
import type { ClassGridRequest, CompareRequest, ExplanationRequest } from '../api/client'
import type { ApiError } from '../api/errors'
import {
  faithfulnessOf,
  type AnalyzeResponse,
  type ClassGrid,
  type Comparison,
  type Detector,
  type Explanation,
  type ExplainMode,
  type GradCamResult,
  type IgOptions,
  type Method,
  METHODS,
} from '../api/types'
import { largestFace } from '../lib/faces'

export type SlotStatus = 'queued' | 'loading' | 'done' | 'error'

export interface ExplanationSlot {
  status: Partial<Record<Method, SlotStatus>>
  explanation?: Explanation
  error?: ApiError
  /** Integrated Gradients asked for again with this many steps (its completeness error was high) */
  steps?: number
}

export interface ComparisonSlot {
  status: SlotStatus
  comparison?: Comparison
  error?: ApiError
}

export interface GridSlot {
  status: SlotStatus
  grid?: ClassGrid
  error?: ApiError
}

/** The upload's alignment and the Integrated Gradients options every request uses. */
export interface Settings extends IgOptions {
  align: boolean
}

export interface AnalysisState {
  phase: 'idle' | 'analyzing' | 'ready' | 'error'
  fileName?: string
  photoUrl?: string
  /** the photo last uploaded: "Analyse the photo again" and "Look harder" send it again */
  file?: File
  /** the face detector it went with: the service's own, or dlib's slower CNN after "Look harder" */
  detector: Detector
  settings: Settings
  /** the method the page shows: the comparison and the class grids follow it */
  method: Method
  result?: AnalyzeResponse
  error?: ApiError
  face: number
  /** `${face}/${model}` -> the class being explained (`${face}/compare`: the comparison's) */
  targets: Record<string, string>
  /** `${face}/${model}/${target}` -> what is known of that explanation */
  explanations: Record<string, ExplanationSlot>
  /** `${face}/${first}+${second}/${method}/${target}` -> the comparison of two models (compare_default) */
  comparisons: Record<string, ComparisonSlot>
  /**
   * The two models the comparison sets side by side, as chosen on the page; undefined: the default
   * pair (compare_default). It holds for every face and method of the analysis; a new photo resets it.
   */
  pair?: [string, string]
  /** `${face}/${model}` of every model whose classes are all shown ("Show every class") */
  gridsShown: string[]
  /** `${face}/${model}/${method}` -> every class of one model explained on one colour scale */
  grids: Record<string, GridSlot>
  /**
   * Set by "Forget this photo" until the next upload: the page keeps nothing of the photo or its analysis,
   * and the server forgot it too, unless `error` says it could not be asked (it then forgets the faces by
   * itself when they expire)
   */
  forgotten?: { error?: ApiError }
}

export const initialState: AnalysisState = {
  phase: 'idle',
  detector: 'hog',
  settings: { align: true },
  method: 'integrated_gradients',
  face: 0,
  targets: {},
  explanations: {},
  comparisons: {},
  gridsShown: [],
  grids: {},
}

export const targetKey = (face: number, model: string) => `${face}/${model}`
export const explanationKey = (face: number, model: string, target: string) => `${face}/${model}/${target}`
export const comparisonKey = (face: number, method: Method, target: string, models: readonly string[]) =>
  `${face}/${models.join('+')}/${method}/${target}`
export const gridKey = (face: number, model: string, method: Method) => `${face}/${model}/${method}`

/** A request to make, with what its answer updates: `id` keeps it from being queued twice. */
export type Job = { id: string; slot: string } & (
  | { kind: 'explanation'; methods: Method[]; request: Omit<ExplanationRequest, 'signal'> }
  | { kind: 'comparison'; request: Omit<CompareRequest, 'signal'> }
  | { kind: 'grid'; request: Omit<ClassGridRequest, 'signal'> }
)

export type Action =
  | { type: 'start'; fileName: string; photoUrl?: string; file?: File; detector?: Detector }
  /** "Forget this photo" done: back to the upload, nothing of the photo or its analysis kept */
  | { type: 'forgotten'; error?: ApiError }
  | { type: 'analyzed'; result: AnalyzeResponse }
  | { type: 'failed'; error: ApiError }
  | { type: 'settings'; settings: Settings }
  /** new Integrated Gradients options: every IG result is forgotten (and asked for again) */
  | { type: 'igOptions'; options: IgOptions }
  | { type: 'setMethod'; method: Method }
  | { type: 'selectFace'; face: number }
  | { type: 'setTarget'; face: number; model: string; target: string }
  | { type: 'setCompareTarget'; face: number; target: string }
  /** the comparison's two models, chosen on the page (two different models of one task) */
  | { type: 'pair'; models: [string, string] }
  /** Integrated Gradients of one explanation again with more steps: the new map replaces the old */
  | { type: 'recompute'; face: number; model: string; target: string; steps: number }
  | { type: 'toggleGrid'; face: number; model: string }
  | { type: 'explanationStatus'; key: string; methods: Method[]; status: SlotStatus; error?: ApiError }
  | { type: 'explanationLoaded'; key: string; methods: Method[]; explanation: Explanation }
  | { type: 'comparisonStatus'; key: string; status: SlotStatus; error?: ApiError }
  | { type: 'comparisonLoaded'; key: string; comparison: Comparison }
  | { type: 'gridStatus'; key: string; status: SlotStatus; error?: ApiError }
  | { type: 'gridLoaded'; key: string; grid: ClassGrid }

/** The explanation the service gave for the predicted (or explained) class of every model of every face. */
function seed(result: AnalyzeResponse): Pick<AnalysisState, 'targets' | 'explanations'> {
  const targets: Record<string, string> = {}
  const explanations: Record<string, ExplanationSlot> = {}
  for (const face of result.faces) {
    for (const [model, prediction] of Object.entries(face.predictions)) {
      const explanation = face.explanations?.[model]
      const target = explanation?.target ?? prediction.label
      targets[targetKey(face.index, model)] = target
      if (explanation) {
        const status: ExplanationSlot['status'] = {}
        for (const method of METHODS) if (explanation[method]) status[method] = 'done'
        explanations[explanationKey(face.index, model, target)] = { status, explanation }
      }
    }
  }
  return { targets, explanations }
}

function mergeExplanation(old: Explanation | undefined, fresh: Explanation): Explanation {
  if (!old) return fresh
  const maps = Object.fromEntries(METHODS.map((method) => [method, fresh[method] ?? old[method] ?? null]))
  return { ...old, ...fresh, ...(maps as Pick<Explanation, Method>) }
}

/** Queues the methods of one explanation that are neither known nor on their way (failed ones again). */
function queueExplanation(state: AnalysisState, key: string): AnalysisState {
  const methods = missingMethods(state.explanations[key], METHODS)
  return methods.length ? reducer(state, { type: 'explanationStatus', key, methods, status: 'queued' }) : state
}

/** Queues what is missing of the chosen face's explanations: each model's chosen class, both methods. */
function queueFace(state: AnalysisState): AnalysisState {
  const face = state.result?.faces[state.face]
  if (!face) return state
  return Object.entries(face.predictions).reduce(
    (next, [model, prediction]) =>
      queueExplanation(next, explanationKey(face.index, model, next.targets[targetKey(face.index, model)] ?? prediction.label)),
    state,
  )
}

export function reducer(state: AnalysisState, action: Action): AnalysisState {
  switch (action.type) {
    case 'start': {
      const { settings, method } = state
      const { fileName, photoUrl, file, detector = 'hog' } = action
      return { ...initialState, settings, method, phase: 'analyzing', fileName, photoUrl, file, detector }
    }
    case 'forgotten':
      return { ...initialState, settings: state.settings, method: state.method, forgotten: { error: action.error } }
    case 'analyzed': {
      const face = largestFace(action.result.faces)
      const ready = { ...state, phase: 'ready' as const, result: action.result, error: undefined, face, comparisons: {}, grids: {} }
      return queueFace({ ...ready, ...seed(action.result) })
    }
    case 'failed':
      return { ...state, phase: 'error', error: action.error }
    case 'settings':
      return { ...state, settings: action.settings }
    case 'igOptions': {
      // Requests in flight were dropped with the queue: only finished Grad-CAM survives.
      const explanations: Record<string, ExplanationSlot> = {}
      for (const [key, slot] of Object.entries(state.explanations)) {
        const status: ExplanationSlot['status'] = slot.status.grad_cam === 'done' ? { grad_cam: 'done' } : {}
        const explanation = slot.explanation && { ...slot.explanation, integrated_gradients: null }
        explanations[key] = { status, explanation }
      }
      const gradCamDone = ([key, slot]: [string, { status: SlotStatus }]) =>
        !key.includes('/integrated_gradients') && slot.status === 'done'
      const comparisons = Object.fromEntries(Object.entries(state.comparisons).filter(gradCamDone))
      const grids = Object.fromEntries(Object.entries(state.grids).filter(gradCamDone))
      return queueFace({ ...state, settings: { ...state.settings, ...action.options }, explanations, comparisons, grids })
    }
    case 'setMethod':
      return { ...state, method: action.method }
    case 'selectFace':
      if (!state.result || action.face < 0 || action.face >= state.result.faces.length) return state
      return queueFace({ ...state, face: action.face })
    case 'setTarget': {
      const targets = { ...state.targets, [targetKey(action.face, action.model)]: action.target }
      return queueExplanation({ ...state, targets }, explanationKey(action.face, action.model, action.target))
    }
    case 'setCompareTarget':
      return { ...state, targets: { ...state.targets, [targetKey(action.face, 'compare')]: action.target } }
    case 'pair': {
      const [first, second] = action.models
      if (!first || !second || first === second) return state
      return { ...state, pair: [first, second] }
    }
    case 'recompute': {
      const key = explanationKey(action.face, action.model, action.target)
      const slot = { ...(state.explanations[key] ?? { status: {} }), steps: action.steps }
      const next = { ...state, explanations: { ...state.explanations, [key]: slot } }
      return reducer(next, { type: 'explanationStatus', key, methods: ['integrated_gradients'], status: 'queued' })
    }
    case 'toggleGrid': {
      const key = targetKey(action.face, action.model)
      const shown = state.gridsShown.includes(key)
      return { ...state, gridsShown: shown ? state.gridsShown.filter((k) => k !== key) : [...state.gridsShown, key] }
    }
    case 'explanationStatus': {
      const slot = state.explanations[action.key] ?? { status: {} }
      const status = { ...slot.status }
      for (const method of action.methods) status[method] = action.status
      const error = action.status === 'error' ? action.error : slot.error
      return { ...state, explanations: { ...state.explanations, [action.key]: { ...slot, status, error } } }
    }
    case 'explanationLoaded': {
      const slot = state.explanations[action.key] ?? { status: {} }
      const status = { ...slot.status }
      for (const method of action.methods) status[method] = 'done'
      const explanation = mergeExplanation(slot.explanation, action.explanation)
      return {
        ...state,
        explanations: { ...state.explanations, [action.key]: { status, explanation, error: undefined } },
      }
    }
    case 'comparisonStatus': {
      const slot = state.comparisons[action.key]
      return {
        ...state,
        comparisons: { ...state.comparisons, [action.key]: { ...slot, status: action.status, error: action.error } },
      }
    }
    case 'comparisonLoaded':
      return {
        ...state,
        comparisons: { ...state.comparisons, [action.key]: { status: 'done', comparison: action.comparison } },
      }
    case 'gridStatus': {
      const slot = state.grids[action.key]
      return { ...state, grids: { ...state.grids, [action.key]: { ...slot, status: action.status, error: action.error } } }
    }
    case 'gridLoaded':
      return { ...state, grids: { ...state.grids, [action.key]: { status: 'done', grid: action.grid } } }
  }
}

/** The methods of an explanation that are neither known nor on their way. */
export function missingMethods(slot: ExplanationSlot | undefined, wanted: readonly Method[]): Method[] {
  return wanted.filter((method) => {
    const status = slot?.status[method]
    return status === undefined || status === 'error'
  })
}

/**
 * What to ask the service for: `methods`, plus Grad-CAM again when only its faithfulness is missing
 * (the upload's Grad-CAM comes without it; the map is cheap to compute again beside Integrated Gradients).
 */
export function explainFor(methods: readonly Method[], gradCam: GradCamResult | null | undefined): ExplainMode {
  if (methods.length === METHODS.length) return 'both'
  if (methods[0] === 'integrated_gradients' && gradCam && !faithfulnessOf(gradCam)) return 'both'
  return methods[0]
}

/** The pair the comparison sets side by side: the one chosen on the page, else `defaultPair` (compare_default). */
export function chosenPair(
  state: AnalysisState,
  defaultPair: readonly [string, string] | undefined,
): readonly [string, string] | undefined {
  return state.pair ?? defaultPair
}

/** The comparison of the page's pair on the chosen face, if it has one: its class, its key, whether it can start. */
export interface ComparisonView {
  face: number
  models: [string, string]
  target: string
  key: string
  /** the explanations it reuses are known (it starts when both models are explained) */
  ready: boolean
}

export function comparisonOf(state: AnalysisState, defaultPair: readonly [string, string] | undefined): ComparisonView | undefined {
  const face = state.result?.faces[state.face]
  const pair = chosenPair(state, defaultPair)
  // its classes and its default class come from the first of the pair the analysis ran
  const labelled = face && pair?.find((model) => face.predictions[model])
  if (!face || !pair || !labelled) return undefined
  // the class chosen for the comparison, while it is one of that model's (another pair may have other labels)
  const chosen = state.targets[targetKey(face.index, 'compare')]
  const prediction = face.predictions[labelled]
  const target = chosen !== undefined && chosen in prediction.probabilities ? chosen : prediction.label
  // It reuses the pair's Integrated Gradients of their chosen classes: it waits for those the
  // analysis asks for (a model the analysis did not run is explained by the comparison itself).
  const ready =
    state.method === 'grad_cam' ||
    pair.every((model) => {
      if (!face.predictions[model]) return true
      const slot = state.explanations[explanationKey(face.index, model, state.targets[targetKey(face.index, model)] ?? '')]
      const status = slot?.status.integrated_gradients
      return status === 'done' || status === 'error'
    })
  return { face: face.index, models: [pair[0], pair[1]], target, key: comparisonKey(face.index, state.method, target, pair), ready }
}

/**
 * The one place that decides when a comparison runs: the chosen face's, of the pair chosen on the page
 * (else `defaultPair`), for the method and class shown, once the explanations it reuses are known, and
 * once only (a failed one stays failed).
 */
export function comparisonDue(state: AnalysisState, defaultPair: readonly [string, string] | undefined): Job | undefined {
  const view = comparisonOf(state, defaultPair)
  if (!state.result || !view?.ready || state.comparisons[view.key]) return undefined
  const { face, models, target, key } = view
  const { method } = state
  const request = { analysisId: state.result.analysis_id, face, models, method, target, ...igOptions(state, method) }
  return { kind: 'comparison', id: `compare/${key}`, slot: key, request }
}

/** The Integrated Gradients options of a request for `method`: none for Grad-CAM. */
function igOptions({ settings }: AnalysisState, method: Method): IgOptions {
  return method === 'integrated_gradients' ? { ig_steps: settings.ig_steps, ig_rule: settings.ig_rule, ig_output: settings.ig_output } : {}
}

/**
 * Every request due, in the order it should run: the queued explanations (the chosen face's first,
 * its models in the analysis's order), the class grids shown for the chosen face and method (asked
 * for by a click), then the comparison. A request handed to the queue is listed again while it waits
 * (under the same id: the queue takes it once).
 */
export function pendingJobs(state: AnalysisState, defaultPair?: readonly [string, string]): Job[] {
  const result = state.result
  const face = result?.faces[state.face]
  if (!result || !face) return []
  const analysisId = result.analysis_id
  const parse = (key: string) => {
    const [index, model, ...target] = key.split('/')
    return { face: Number(index), model, target: target.join('/') }
  }
  const rank = (key: string) => (parse(key).face === face.index ? 0 : 1000) + result.models.indexOf(parse(key).model)
  const jobs: Job[] = []
  for (const key of Object.keys(state.explanations).sort((a, b) => rank(a) - rank(b))) {
    const slot = state.explanations[key]
    const methods = METHODS.filter((method) => slot.status[method] === 'queued')
    if (methods.length === 0) continue
    const ig = methods.includes('integrated_gradients')
      ? { ...igOptions(state, 'integrated_gradients'), ...(slot.steps ? { ig_steps: slot.steps } : {}) }
      : {}
    const explain = explainFor(methods, slot.explanation?.grad_cam)
    const request = { analysisId, ...parse(key), explain, ...ig, faithfulness: true }
    jobs.push({ kind: 'explanation', id: `explanation/${key}/${slot.steps ?? ''}`, slot: key, methods, request })
  }
  for (const shown of state.gridsShown) {
    const { face: index, model } = parse(shown)
    const key = gridKey(index, model, state.method)
    if (index !== face.index || state.grids[key]) continue
    const request = { analysisId, face: index, model, method: state.method, ...igOptions(state, state.method) }
    jobs.push({ kind: 'grid', id: `grid/${key}`, slot: key, request })
  }
  const comparison = comparisonDue(state, defaultPair)
  return comparison ? [...jobs, comparison] : jobs
}

/** The action that says where a job stands. */
export function jobStatus(job: Job, status: SlotStatus, error?: ApiError): Action {
  if (job.kind === 'explanation') return { type: 'explanationStatus', key: job.slot, methods: job.methods, status, error }
  return { type: job.kind === 'comparison' ? 'comparisonStatus' : 'gridStatus', key: job.slot, status, error }
}

/** Progress of the current face's explanations: how many (model, method) pairs are known. */
export function progress(state: AnalysisState, methods: readonly Method[]): { done: number; total: number; pending: string[] } {
  const face = state.result?.faces[state.face]
  if (!face) return { done: 0, total: 0, pending: [] }
  let done = 0
  let total = 0
  const pending: string[] = []
  for (const model of Object.keys(face.predictions)) {
    const target = state.targets[targetKey(face.index, model)] ?? face.predictions[model].label
    const slot = state.explanations[explanationKey(face.index, model, target)]
    for (const method of methods) {
      total += 1
      const status = slot?.status[method]
      if (status === 'done' || status === 'error') done += 1
      else if (!pending.includes(model)) pending.push(model)
    }
  }
  return { done, total, pending }
}

/** True once the server has forgotten this analysis (it keeps them about 10 minutes). */
export function expired(state: AnalysisState): boolean {
  const gone = (error?: ApiError) => error?.code === 'analysis_not_found'
  return [state.explanations, state.comparisons, state.grids].some((slots) => Object.values(slots).some((slot) => gone(slot.error)))
}

/** The analysis as saved by "Save analysis (JSON)": the service's answer plus everything fetched since. */
export function analysisExport(state: AnalysisState): unknown {
  if (!state.result) return null
  const explanations = Object.entries(state.explanations)
    .filter(([, slot]) => slot.explanation)
    .map(([key, slot]) => {
      const [face, model] = key.split('/')
      return { face: Number(face), model, ...slot.explanation }
    })
  const comparisons = Object.values(state.comparisons)
    .map((slot) => slot.comparison)
    .filter((comparison) => comparison !== undefined)
  return {
    file_name: state.fileName,
    saved_at: new Date().toISOString(),
    analysis: state.result,
    explanations,
    comparisons,
  }
}
