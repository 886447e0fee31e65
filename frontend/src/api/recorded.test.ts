import { describe, expect, it, vi } from 'vitest'
import { comparison, jsonResponse, modelInfo, modelsResponse } from '../test/fixtures'
import { analyze, fetchClassGrid, fetchComparison, fetchExplanation, fetchModels, makeClient } from './client'
import { ApiError, errorMessage, extraDetail } from './errors'
import { DEMO_MISSING, NOT_IN_DEMO, fnv1a32, recordedTransport, requestKey } from './recorded'

/** The key of the one request a client call makes (the call's own answer does not matter here). */
async function keyOf(call: (client: ReturnType<typeof makeClient>) => Promise<unknown>): Promise<string> {
  let key = ''
  const client = makeClient('http://127.0.0.1:8000', (async (request: Request) => {
    key = await requestKey(request)
    return jsonResponse({})
  }) as typeof fetch)
  await call(client).catch(() => undefined)
  return key
}

const bytes = (text: string) => new TextEncoder().encode(text)

describe('the recordings’ keys', () => {
  it('hash a body with 32-bit FNV-1a (the published test vectors; scripts/build_demo.py has the same)', () => {
    expect(fnv1a32(new Uint8Array())).toBe('811c9dc5')
    expect(fnv1a32(bytes('a'))).toBe('e40c292c')
    expect(fnv1a32(bytes('foobar'))).toBe('bf9cf968')
  })

  // The same strings are in tests/test_build_demo.py: both sides of the recording key a request alike.
  it('are method, path and sorted query, values unencoded, options left out when unset', async () => {
    const explanation = await keyOf((client) =>
      fetchExplanation(
        { analysisId: 'abc', face: 0, model: 'race', target: 'East Asian', explain: 'both', faithfulness: true, ig_steps: undefined },
        client,
      ),
    )
    expect(explanation).toBe('GET /analyses/abc/faces/0/explanations/race?explain=both&faithfulness=true&target=East Asian')
    const compare = await keyOf((client) =>
      fetchComparison(
        { analysisId: 'abc', face: 1, models: ['race_control', 'race_biased'], method: 'integrated_gradients', target: 'White' },
        client,
      ),
    )
    expect(compare).toBe(
      'GET /analyses/abc/faces/1/compare?method=integrated_gradients&models=race_control&models=race_biased&target=White',
    )
    const grid = await keyOf((client) => fetchClassGrid({ analysisId: 'abc', face: 0, model: 'age', method: 'grad_cam' }, client))
    expect(grid).toBe('GET /analyses/abc/faces/0/grid/age?method=grad_cam')
    expect(await keyOf((client) => fetchModels(undefined, client))).toBe('GET /models')
  })

  it('name an upload by its file’s bytes, whatever the file is called', async () => {
    const file = new File([bytes('foobar')], 'astronaut.jpg', { type: 'image/jpeg' })
    const key = await keyOf((client) => analyze(file, { align: true, explain: 'grad_cam' }, client))
    expect(key).toBe('POST /analyze?align=true&explain=grad_cam body=bf9cf968')
  })
})

/** A static host holding a demo under /facexai/: index.json and the files it lists. */
function staticHost(files: Record<string, unknown>) {
  const fetched: string[] = []
  const fetchImpl = vi.fn(async (input: URL) => {
    fetched.push(input.href)
    const path = input.pathname.replace('/facexai/api/', '')
    return path in files ? jsonResponse(files[path]) : new Response('not found', { status: 404 })
  })
  const transport = recordedTransport(new URL('https://host.test/facexai/api/'), fetchImpl)
  return { fetched, fetchImpl, client: makeClient('https://host.test', transport as typeof fetch) }
}

describe('the recorded transport', () => {
  const models = modelsResponse([modelInfo('race')])
  const index = {
    kind: 'facexai-demo',
    responses: {
      'GET /models': 'models.json',
      'GET /analyses/abc/faces/0/compare?method=grad_cam&models=race&models=race_biased&target=White': 'astronaut/compare.json',
      'GET /health': 'gone.json',
    },
  }

  it('answers a recorded request with its file, read relative to the demo’s folder', async () => {
    const { fetched, client } = staticHost({ 'index.json': index, 'models.json': models, 'astronaut/compare.json': comparison('White') })
    expect(await fetchModels(undefined, client)).toEqual(models)
    const answer = await fetchComparison(
      { analysisId: 'abc', face: 0, models: ['race', 'race_biased'], method: 'grad_cam', target: 'White' },
      client,
    )
    expect(answer.target).toBe('White')
    // the index is read once
    expect(fetched).toEqual([
      'https://host.test/facexai/api/index.json',
      'https://host.test/facexai/api/models.json',
      'https://host.test/facexai/api/astronaut/compare.json',
    ])
  })

  it('says "not in the demo" for anything not recorded', async () => {
    const { client } = staticHost({ 'index.json': index })
    const error = (await fetchComparison(
      { analysisId: 'abc', face: 0, models: ['race', 'race_biased'], method: 'grad_cam', target: 'Indian' },
      client,
    ).catch((e: unknown) => e)) as ApiError
    expect(error).toBeInstanceOf(ApiError)
    expect(error.code).toBe(NOT_IN_DEMO)
    expect(errorMessage(error)).toMatch(/^Not in the demo/)
    expect(extraDetail(error)).toBe('') // the key is for developers, not in the message
    expect(error.detail).toContain('target=Indian')
  })

  it('forgets an analysis at once: a static demo holds nothing to forget', async () => {
    const { client, fetched } = staticHost({ 'index.json': index })
    const answer = await client.DELETE('/analyses/{analysis_id}', { params: { path: { analysis_id: 'abc' } } })
    expect(answer.response.status).toBe(204)
    expect(fetched).toEqual([])
  })

  it('says the demo is incomplete when a listed file or the index cannot be read, and reads the index again later', async () => {
    const { client, fetchImpl } = staticHost({ 'index.json': index })
    expect(((await fetchModels(undefined, client).catch((e: unknown) => e)) as ApiError).code).toBe(DEMO_MISSING)
    const broken = staticHost({})
    expect(((await fetchModels(undefined, broken.client).catch((e: unknown) => e)) as ApiError).code).toBe(DEMO_MISSING)
    await fetchModels(undefined, broken.client).catch(() => undefined)
    expect(broken.fetched.filter((url) => url.endsWith('index.json'))).toHaveLength(2)
    expect(fetchImpl).toHaveBeenCalled()
  })
})
