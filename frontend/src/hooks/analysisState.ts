// The analysis as the page knows it: the service's first answer (predictions and Grad-CAM) plus
// every explanation and comparison fetched since, keyed by face, model and class.
import type { ApiError } from '../api/errors'
import type { AnalyzeResponse, Comparison, Explanation, Method } from '../api/types'
import { largestFace } from '../lib/faces'

export type SlotStatus = 'queued' | 'loading' | 'done' | 'error'

export interface ExplanationSlot {
  status: Partial<Record<Method, SlotStatus>>
  explanation?: Explanation
  error?: ApiError
}

export interface ComparisonSlot {
  status: SlotStatus
  comparison?: Comparison
  error?: ApiError
}

export interface AnalysisState {
  phase: 'idle' | 'analyzing' | 'ready' | 'error'
  fileName?: string
  photoUrl?: string
  result?: AnalyzeResponse
  error?: ApiError
  face: number
  /** `${face}/${model}` -> the class being explained */
  targets: Record<string, string>
  /** `${face}/${model}/${target}` -> what is known of that explanation */
  explanations: Record<string, ExplanationSlot>
  /** `${face}/${first}+${second}/${method}/${target}` -> the comparison of two models (compare_default) */
  comparisons: Record<string, ComparisonSlot>
}

export const initialState: AnalysisState = { phase: 'idle', face: 0, targets: {}, explanations: {}, comparisons: {} }

export const targetKey = (face: number, model: string) => `${face}/${model}`
export const explanationKey = (face: number, model: string, target: string) => `${face}/${model}/${target}`
export const comparisonKey = (face: number, method: Method, target: string, models: readonly string[]) =>
  `${face}/${models.join('+')}/${method}/${target}`

export type Action =
  | { type: 'start'; fileName: string; photoUrl?: string }
  | { type: 'analyzed'; result: AnalyzeResponse }
  | { type: 'failed'; error: ApiError }
  | { type: 'reset' }
  | { type: 'selectFace'; face: number }
  | { type: 'setTarget'; face: number; model: string; target: string }
  | { type: 'explanationStatus'; key: string; methods: Method[]; status: SlotStatus; error?: ApiError }
  | { type: 'explanationLoaded'; key: string; methods: Method[]; explanation: Explanation }
  | { type: 'comparisonStatus'; key: string; status: SlotStatus; error?: ApiError }
  | { type: 'comparisonLoaded'; key: string; comparison: Comparison }
  /** Integrated Gradients options changed: forget every IG result and every request in flight */
  | { type: 'resetIntegratedGradients' }

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
        if (explanation.grad_cam) status.grad_cam = 'done'
        if (explanation.integrated_gradients) status.integrated_gradients = 'done'
        explanations[explanationKey(face.index, model, target)] = { status, explanation }
      }
    }
  }
  return { targets, explanations }
}

function mergeExplanation(old: Explanation | undefined, fresh: Explanation): Explanation {
  if (!old) return fresh
  return {
    ...old,
    ...fresh,
    integrated_gradients: fresh.integrated_gradients ?? old.integrated_gradients ?? null,
    grad_cam: fresh.grad_cam ?? old.grad_cam ?? null,
  }
}

export function reducer(state: AnalysisState, action: Action): AnalysisState {
  switch (action.type) {
    case 'start':
      return { ...initialState, phase: 'analyzing', fileName: action.fileName, photoUrl: action.photoUrl }
    case 'analyzed':
      return { ...state, phase: 'ready', result: action.result, error: undefined, face: largestFace(action.result.faces), comparisons: {}, ...seed(action.result) }
    case 'failed':
      return { ...state, phase: 'error', error: action.error }
    case 'reset':
      return initialState
    case 'selectFace':
      if (!state.result || action.face < 0 || action.face >= state.result.faces.length) return state
      return { ...state, face: action.face }
    case 'setTarget':
      return { ...state, targets: { ...state.targets, [targetKey(action.face, action.model)]: action.target } }
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
    case 'resetIntegratedGradients': {
      const explanations: Record<string, ExplanationSlot> = {}
      for (const [key, slot] of Object.entries(state.explanations)) {
        // Requests in flight were dropped with the queue: only finished Grad-CAM survives.
        const status: ExplanationSlot['status'] = slot.status.grad_cam === 'done' ? { grad_cam: 'done' } : {}
        const explanation = slot.explanation && { ...slot.explanation, integrated_gradients: null }
        explanations[key] = { status, explanation }
      }
      const comparisons = Object.fromEntries(
        Object.entries(state.comparisons).filter(([key, slot]) => !key.includes('/integrated_gradients/') && slot.status === 'done'),
      )
      return { ...state, explanations, comparisons }
    }
    case 'comparisonLoaded':
      return {
        ...state,
        comparisons: { ...state.comparisons, [action.key]: { status: 'done', comparison: action.comparison } },
      }
  }
}

/** The methods of an explanation that are neither known nor on their way. */
export function missingMethods(slot: ExplanationSlot | undefined, wanted: readonly Method[]): Method[] {
  return wanted.filter((method) => {
    const status = slot?.status[method]
    return status === undefined || status === 'error'
  })
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
  return (
    Object.values(state.explanations).some((slot) => gone(slot.error)) ||
    Object.values(state.comparisons).some((slot) => gone(slot.error))
  )
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
