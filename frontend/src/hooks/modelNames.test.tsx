import { renderHook, waitFor } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, modelInfo, modelsResponse } from '../test/fixtures'
import { MODELS_RETRY_MS, ModelsProvider, useModelsLoader, useSummaryRules } from './modelNames'

afterEach(() => {
  vi.useRealTimers()
  vi.unstubAllGlobals()
})

describe('useModelsLoader', () => {
  it('takes the display names and the IG step limit from GET /models, not from the build', async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async (request: Request) => {
        expect(new URL(request.url).pathname).toBe('/models')
        return jsonResponse({ models: [modelInfo('race_biased')], ig_steps: 32, ig_max_steps: 40 })
      }),
    )
    const { result } = renderHook(() => useModelsLoader())
    expect(result.current.igMaxSteps).toBeUndefined()
    await waitFor(() => expect(result.current.igMaxSteps).toBe(40))
    expect(result.current.displayName('race_biased')).toBe('Race (biased training)')
  })

  it('leaves the limit unknown when the service does not answer', async () => {
    const fetchMock = vi.fn(async () => jsonResponse({ code: 'models_not_ready', detail: 'loading' }, 503))
    vi.stubGlobal('fetch', fetchMock)
    const { result } = renderHook(() => useModelsLoader())
    await waitFor(() => expect(fetchMock).toHaveBeenCalled())
    expect(result.current.igMaxSteps).toBeUndefined()
    expect(result.current.displayName('race_biased')).toBe('Race (biased training)') // derived from the id
  })

  it('asks again while the service still loads its models, then gives its whole answer (compare_default)', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true })
    let ready = false
    const fetchMock = vi.fn(async () =>
      ready
        ? jsonResponse(modelsResponse([modelInfo('race_control'), modelInfo('race_biased')], { compare_default: ['race_control', 'race_biased'] }))
        : jsonResponse({ code: 'models_not_ready', detail: 'the models are still loading (1 of 4 loaded)' }, 503),
    )
    vi.stubGlobal('fetch', fetchMock)
    const { result } = renderHook(() => useModelsLoader())
    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(1))
    expect(result.current.response).toBeUndefined()
    ready = true
    await vi.advanceTimersByTimeAsync(MODELS_RETRY_MS)
    await waitFor(() => expect(result.current.response?.compare_default).toEqual(['race_control', 'race_biased']))
    expect(fetchMock).toHaveBeenCalledTimes(2)
    expect(result.current.displayName('race_control')).toBe('Race (small balanced data)')
  })

  it("shares the comparison summary's thresholds the service says, unknown until it has", async () => {
    const rules = { strength_ratio: 2, region_gap: 0.1 }
    vi.stubGlobal(
      'fetch',
      vi.fn(async () => jsonResponse(modelsResponse([modelInfo('race')], { rules }))),
    )
    const { result } = renderHook(() => useSummaryRules(), { wrapper: ModelsProvider })
    expect(result.current).toBeUndefined()
    await waitFor(() => expect(result.current).toEqual(rules))
  })
})
