import { describe, expect, it } from 'vitest'
import { analyzeResponse, comparison, jsonResponse } from '../test/fixtures'
import { analyze, fetchComparison, fetchExplanation, fetchModels, makeClient } from './client'
import { ApiError } from './errors'

function recorder(respond: (request: Request) => Response) {
  const requests: Request[] = []
  const fetchImpl = async (input: Request) => {
    requests.push(input)
    return respond(input)
  }
  return { requests, client: makeClient('http://service.test', fetchImpl as typeof fetch) }
}

describe('the generated client', () => {
  it('uploads the photo as multipart field `file` with the query options', async () => {
    const { requests, client } = recorder(() => jsonResponse(analyzeResponse()))
    const file = new File([new Uint8Array([0xff, 0xd8, 0xff])], 'me.jpg', { type: 'image/jpeg' })
    const result = await analyze(file, { align: false, explain: 'grad_cam' }, client)
    expect(result.analysis_id).toBe('abc123')
    const request = requests[0]
    expect(request.method).toBe('POST')
    const url = new URL(request.url)
    expect(url.pathname).toBe('/analyze')
    expect(url.searchParams.get('align')).toBe('false')
    expect(url.searchParams.get('explain')).toBe('grad_cam')
    const form = await request.formData()
    const sent = form.get('file') as File
    expect(sent.name).toBe('me.jpg')
    expect(new Uint8Array(await sent.arrayBuffer())).toEqual(new Uint8Array([0xff, 0xd8, 0xff]))
  })

  it('asks for one model’s explanation of a chosen class', async () => {
    const { requests, client } = recorder(() =>
      jsonResponse({ target: 'East Asian', target_probability: 0.1, integrated_gradients: null, grad_cam: null }),
    )
    await fetchExplanation(
      { analysisId: 'a b', face: 1, model: 'race_biased', target: 'East Asian', explain: 'integrated_gradients', ig_steps: 64 },
      client,
    )
    const url = new URL(requests[0].url)
    expect(url.pathname).toBe('/analyses/a%20b/faces/1/explanations/race_biased')
    expect(url.searchParams.get('target')).toBe('East Asian')
    expect(url.searchParams.get('explain')).toBe('integrated_gradients')
    expect(url.searchParams.get('ig_steps')).toBe('64')
  })

  it('repeats `models` for the comparison', async () => {
    const { requests, client } = recorder(() => jsonResponse(comparison('White')))
    const result = await fetchComparison(
      { analysisId: 'abc', face: 0, models: ['race', 'race_biased'], method: 'grad_cam', target: 'White' },
      client,
    )
    expect(result.summary).toContain('White')
    const url = new URL(requests[0].url)
    expect(url.pathname).toBe('/analyses/abc/faces/0/compare')
    expect(url.searchParams.getAll('models')).toEqual(['race', 'race_biased'])
    expect(url.searchParams.get('method')).toBe('grad_cam')
  })

  it('turns {code, detail} errors into ApiError', async () => {
    const { client } = recorder(() => jsonResponse({ code: 'unsupported_type', detail: 'not an image' }, 415))
    const error = await analyze(new Blob(['hello']), {}, client).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(ApiError)
    expect((error as ApiError).code).toBe('unsupported_type')
    expect((error as ApiError).status).toBe(415)
  })

  it('reports an unreachable service as network_error', async () => {
    const client = makeClient('http://service.test', (async () => {
      throw new TypeError('Failed to fetch')
    }) as typeof fetch)
    const error = await fetchModels(undefined, client).catch((e: unknown) => e)
    expect((error as ApiError).code).toBe('network_error')
  })
})
