// The static demo's transport: the API client's `fetch`, answered from recordings instead of a service.
// scripts/build_demo.py asked the real service what the app asks for each sample photo, wrote every
// answer to api/<file> beside the app and listed it in api/index.json under requestKey's key for the
// request; a request that was not recorded gets 404 `not_in_demo`, which the app says in words. A DELETE
// ("Forget this photo") is answered 204: a static demo holds nothing anywhere to forget.

/** The error code of a request the demo has no recording of. */
export const NOT_IN_DEMO = 'not_in_demo'
/** The error code of a recording the demo lists but cannot read (an incomplete copy of the folder). */
export const DEMO_MISSING = 'demo_missing'

/** 32-bit FNV-1a of the bytes as 8 hex digits: an upload's key (scripts/build_demo.py fnv1a32 is the same). */
export function fnv1a32(bytes: Uint8Array): string {
  let hash = 0x811c9dc5
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193) >>> 0
  return hash.toString(16).padStart(8, '0')
}

const byName = ([a]: [string, string], [b]: [string, string]) => (a < b ? -1 : a > b ? 1 : 0)

/** The bytes an upload sends: the multipart form's `file`, else the whole body. */
async function bodyBytes(request: Request): Promise<Uint8Array> {
  if ((request.headers.get('content-type') ?? '').startsWith('multipart/form-data')) {
    const file = (await request.clone().formData()).get('file')
    if (file instanceof Blob) return new Uint8Array(await file.arrayBuffer())
  }
  return new Uint8Array(await request.arrayBuffer())
}

/**
 * A request's key in the recordings: method, path and query with its parameters sorted by name (a
 * repeated one keeps its order) and every value unencoded; a request with a body adds its hash.
 * scripts/build_demo.py request_key computes the same for the requests it records.
 */
export async function requestKey(request: Request): Promise<string> {
  const url = new URL(request.url)
  const path = url.pathname.split('/').map(decodeURIComponent).join('/')
  const query = [...url.searchParams.entries()].sort(byName)
  let key = `${request.method.toUpperCase()} ${path}`
  if (query.length) key += `?${query.map(([name, value]) => `${name}=${value}`).join('&')}`
  if (request.method !== 'GET' && request.method !== 'HEAD' && request.body !== null) {
    key += ` body=${fnv1a32(await bodyBytes(request))}`
  }
  return key
}

function errorResponse(status: number, code: string, detail: string): Response {
  return new Response(JSON.stringify({ code, detail }), { status, headers: { 'content-type': 'application/json' } })
}

/**
 * A `fetch` for the API client that reads the answers from the recordings under `root` (the folder
 * holding index.json, relative to the page: the demo works under any path). The index is read once.
 */
export function recordedTransport(
  root: URL,
  fetchImpl: (input: URL, init?: RequestInit) => Promise<Response> = (input, init) => globalThis.fetch(input, init),
): (request: Request) => Promise<Response> {
  let index: Promise<Record<string, string>> | undefined
  const responses = () =>
    (index ??= fetchImpl(new URL('index.json', root)).then(async (response) => {
      if (!response.ok) throw new Error(`index.json: ${response.status}`)
      const body = (await response.json()) as { responses?: Record<string, string> }
      return body.responses ?? {}
    }))
  return async (request) => {
    if (request.method === 'DELETE') return new Response(null, { status: 204 })
    const key = await requestKey(request)
    let recorded: Record<string, string>
    try {
      recorded = await responses()
    } catch (cause) {
      index = undefined // try again with the next request
      return errorResponse(500, DEMO_MISSING, `api/index.json could not be read (${String(cause)})`)
    }
    const file = recorded[key]
    if (!file) return errorResponse(404, NOT_IN_DEMO, key)
    const response = await fetchImpl(new URL(file, root), { signal: request.signal })
    return response.ok ? response : errorResponse(500, DEMO_MISSING, `api/${file} could not be read (${response.status})`)
  }
}

/** Where the demo's recordings lie: api/ beside the page. */
export function demoRoot(): URL {
  return new URL('api/', globalThis.document?.baseURI ?? globalThis.location.href)
}
