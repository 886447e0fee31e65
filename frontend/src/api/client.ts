// The typed API client: openapi-fetch over the generated `paths`, so every path, query parameter
// and response below is checked against the backend's OpenAPI schema at compile time.
import createClient from 'openapi-fetch'
import type { paths } from './schema'
import { isDemo } from '../demo'
import { ApiError, toApiError } from './errors'
import { demoRoot, recordedTransport } from './recorded'
import type {
  AnalyzeResponse,
  ClassGrid,
  Comparison,
  Explanation,
  ExplainMode,
  HealthResponse,
  IgOptions,
  Method,
  ModelsResponse,
} from './types'

export type Client = ReturnType<typeof createClient<paths>>

/**
 * Same origin by default: the service serves the built app at `/` and the API beside it.
 * `fetch` is looked up at call time, so tests (and polyfills) can replace it.
 */
export function makeClient(baseUrl = globalThis.location?.origin ?? '', fetchImpl?: typeof fetch): Client {
  return createClient<paths>({ baseUrl, fetch: fetchImpl ?? ((request: Request) => globalThis.fetch(request)) })
}

let defaultClient: Client | undefined
function client(): Client {
  // the static demo (make demo) answers from the recordings beside the page, with no service behind it
  defaultClient ??= isDemo() ? makeClient(undefined, recordedTransport(demoRoot()) as typeof fetch) : makeClient()
  return defaultClient
}

interface Result<T> {
  data?: T
  error?: unknown
  response: Response
}

/** The answer, whatever its status; a request that got none is an ApiError network_error. */
async function send<T>(call: Promise<Result<T>>): Promise<Result<T>> {
  try {
    return await call
  } catch (cause) {
    if (cause instanceof DOMException && cause.name === 'AbortError') throw cause
    throw new ApiError(0, 'network_error', cause instanceof Error ? cause.message : String(cause))
  }
}

async function unwrap<T>(call: Promise<Result<T>>): Promise<T> {
  const result = await send(call)
  if (result.data !== undefined && result.response.ok) return result.data
  throw toApiError(result.response.status, result.error)
}

export interface AnalyzeOptions extends IgOptions {
  align?: boolean
  explain?: ExplainMode
  /** also measure each map's faithfulness (deletion and insertion curves): slower */
  faithfulness?: boolean
  signal?: AbortSignal
}

export function analyze(file: Blob, options: AnalyzeOptions = {}, api: Client = client()): Promise<AnalyzeResponse> {
  const { signal, ...query } = options
  return unwrap(
    api.POST('/analyze', {
      params: { query },
      // The schema types the upload as a string (format: binary); the browser sends the Blob itself.
      body: { file: file as unknown as string },
      bodySerializer: (body) => {
        const form = new FormData()
        const name = file instanceof File ? file.name : 'photo'
        form.append('file', body.file as unknown as Blob, name)
        return form
      },
      signal,
    }),
  )
}

export interface ExplanationRequest extends IgOptions {
  analysisId: string
  face: number
  model: string
  explain?: ExplainMode
  target?: string
  /** also measure each map's faithfulness (deletion and insertion curves): slower */
  faithfulness?: boolean
  signal?: AbortSignal
}

export function fetchExplanation(request: ExplanationRequest, api: Client = client()): Promise<Explanation> {
  const { analysisId, face, model, signal, ...query } = request
  return unwrap(
    api.GET('/analyses/{analysis_id}/faces/{face_index}/explanations/{model}', {
      params: { path: { analysis_id: analysisId, face_index: face, model }, query },
      signal,
    }),
  )
}

export interface CompareRequest extends IgOptions {
  analysisId: string
  face: number
  models: [string, string]
  method: Method
  target?: string
  signal?: AbortSignal
}

export function fetchComparison(request: CompareRequest, api: Client = client()): Promise<Comparison> {
  const { analysisId, face, signal, ...query } = request
  return unwrap(
    api.GET('/analyses/{analysis_id}/faces/{face_index}/compare', {
      params: { path: { analysis_id: analysisId, face_index: face }, query },
      signal,
    }),
  )
}

export interface ClassGridRequest extends IgOptions {
  analysisId: string
  face: number
  model: string
  method: Method
  signal?: AbortSignal
}

/** Every class of one model explained for a face, all on one colour scale. */
export function fetchClassGrid(request: ClassGridRequest, api: Client = client()): Promise<ClassGrid> {
  const { analysisId, face, model, signal, ...query } = request
  return unwrap(
    api.GET('/analyses/{analysis_id}/faces/{face_index}/grid/{model}', {
      params: { path: { analysis_id: analysisId, face_index: face, model }, query },
      signal,
    }),
  )
}

export function fetchModels(signal?: AbortSignal, api: Client = client()): Promise<ModelsResponse> {
  return unwrap(api.GET('/models', { signal }))
}

export function fetchHealth(signal?: AbortSignal, api: Client = client()): Promise<HealthResponse> {
  return unwrap(api.GET('/health', { signal }))
}

/**
 * Asks the service to forget an analysis now (DELETE /analyses/{id}: 204): its aligned faces leave the
 * server's memory, or Redis for every replica, instead of expiring. ApiError analysis_not_found when it is
 * gone already.
 */
export async function forgetAnalysis(analysisId: string, api: Client = client()): Promise<void> {
  const { response, error } = await send(api.DELETE('/analyses/{analysis_id}', { params: { path: { analysis_id: analysisId } } }))
  if (!response.ok) throw toApiError(response.status, error)
}
