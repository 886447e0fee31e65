import { render, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, modelInfo } from '../test/fixtures'
import { ModelsPage } from './ModelsPage'

afterEach(() => vi.unstubAllGlobals())

function serve(body: unknown, status = 200) {
  const fetchMock = vi.fn(async (request: Request) => {
    expect(new URL(request.url).pathname).toBe('/models')
    return jsonResponse(body, status)
  })
  vi.stubGlobal('fetch', fetchMock)
  return fetchMock
}

describe('ModelsPage', () => {
  it('shows a card per model and both race models’ accuracy per race', async () => {
    serve({
      models: [
        modelInfo('age', { accuracy: 0.55 }),
        modelInfo('gender', { accuracy: 0.91, val_loss: 0.68852, val_n: 400 }),
        modelInfo('race', { accuracy: 0.7, accuracy_by_race: { White: 0.75, Black: 0.72, Indian: 0.69 } }),
        modelInfo('race_biased', { accuracy: 0.6, accuracy_by_race: { White: 0.83, Black: 0.41, Indian: 0.52 } }),
      ],
    })
    render(<ModelsPage />)
    const cards = await screen.findAllByTestId('model-card')
    expect(cards).toHaveLength(4)
    expect(within(cards[1]).getByText('91.0%')).toBeInTheDocument()
    expect(within(cards[1]).getByText('0.6885')).toBeInTheDocument() // a loss is not a percentage
    expect(within(cards[1]).getByText('400')).toBeInTheDocument()
    expect(within(cards[3]).getByText('trained on race-imbalanced data')).toBeInTheDocument()
    expect(within(cards[0]).queryByText('trained on race-imbalanced data')).toBeNull()
    const bars = screen.getAllByTestId('chart-bar')
    expect(bars).toHaveLength(6)
    const biasedBlack = bars.find((b) => b.dataset.category === 'Black' && b.dataset.series === 'Race (biased training)')
    expect(Number(biasedBlack?.dataset.value)).toBe(0.41)
  })

  it('says so when the bundle has no per-race figures (untrained models), and still lists the models', async () => {
    serve({ models: ['age', 'gender', 'race', 'race_biased'].map((name) => modelInfo(name)) })
    render(<ModelsPage />)
    expect(await screen.findByTestId('no-chart')).toHaveTextContent('not available')
    expect(screen.getAllByTestId('model-card')).toHaveLength(4)
    expect(screen.getAllByText('No metrics recorded for this model.')).toHaveLength(4)
  })

  it('reports a service that cannot be reached', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))))
    render(<ModelsPage />)
    expect(await screen.findByRole('alert')).toHaveTextContent('could not be reached')
  })
})
