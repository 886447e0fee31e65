import { render, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { jsonResponse, LABELS, modelInfo } from '../test/fixtures'
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

  it('writes the faces per race beside the bars, says the races are not balanced, and gives accuracies as percentages', async () => {
    const detail = (accuracy: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(accuracy).map(([race, a]) => [race, { accuracy: a, n: race === 'White' ? 775 : 412, ci_low: a - 0.02, ci_high: a + 0.02 }]),
      )
    const race = { White: 0.7419354838709677, 'Middle Eastern': 0.5461165048543689 }
    const biased = { White: 0.9367741935483871, 'Middle Eastern': 0 }
    serve({
      models: [
        modelInfo('race', { val_n: 4000, accuracy_by_race: race, accuracy_by_race_detail: detail(race) }),
        modelInfo('race_biased', { val_n: 4000, accuracy_by_race: biased, accuracy_by_race_detail: detail(biased) }),
      ],
    })
    render(<ModelsPage />)
    const cards = await screen.findAllByTestId('model-card')
    expect(screen.getByTestId('fairness-text')).toHaveTextContent(
      'measured on the same 4,000 validation faces, which are not balanced across races: from 412 (Middle Eastern) to 775 (White) per race',
    )
    expect(screen.getByTestId('fairness-text')).not.toHaveTextContent(/same faces, balanced/)
    expect(screen.getAllByTestId('chart-n').map((n) => n.textContent)).toEqual(['775 faces', '412 faces'])
    const byRace = cards[1].querySelector('dl[aria-label$="accuracy by race"]')
    expect(byRace).toHaveTextContent('White93.7%')
    expect(byRace).not.toHaveTextContent('0.9368')
  })

  it('says so when the bundle has no per-race figures (untrained models), and still lists the models', async () => {
    serve({ models: ['age', 'gender', 'race', 'race_biased'].map((name) => modelInfo(name)) })
    render(<ModelsPage />)
    expect(await screen.findByTestId('no-chart')).toHaveTextContent('not available')
    expect(screen.getAllByTestId('model-card')).toHaveLength(4)
    expect(screen.getAllByText('No metrics recorded for this model.')).toHaveLength(4)
  })

  it('shows the race models’ mean maps by race side by side with the service’s difference, on a row per race', async () => {
    const maps = (model: string) => Object.fromEntries(LABELS.race.map((race) => [race, `MEAN-${model}-${race}`]))
    const faces = Object.fromEntries([...LABELS.race.map((race) => [race, 20]), ['all', 140]])
    serve({
      models: [
        { ...modelInfo('race'), mean_attribution_by_race: maps('race'), mean_attribution_all: 'MEAN-race-all', mean_attribution_faces: faces },
        {
          ...modelInfo('race_biased'),
          mean_attribution_by_race: maps('race_biased'),
          mean_attribution_all: 'MEAN-race_biased-all',
          mean_attribution_faces: faces,
          mean_attribution_difference_by_race: Object.fromEntries(LABELS.race.map((race) => [race, `DIFF-${race}`])),
        },
      ],
    })
    render(<ModelsPage />)
    const rows = await screen.findAllByTestId('population-row')
    expect(rows.map((row) => row.dataset.race)).toEqual([...LABELS.race, 'all'])
    const latino = rows[2]
    expect(within(latino).getByRole('rowheader')).toHaveTextContent('Latino/Hispanic (20 faces)')
    expect(within(latino).getByTestId('population-first')).toHaveAttribute('src', 'data:image/png;base64,MEAN-race-Latino_Hispanic')
    expect(within(latino).getByTestId('population-second')).toHaveAttribute('src', 'data:image/png;base64,MEAN-race_biased-Latino_Hispanic')
    expect(within(latino).getByTestId('population-difference')).toHaveAttribute('src', 'data:image/png;base64,DIFF-Latino_Hispanic')
    expect(within(rows[7]).getByRole('rowheader')).toHaveTextContent('All faces (140 faces)')
    expect(screen.getByRole('columnheader', { name: 'Race (biased training)' })).toBeInTheDocument()
  })

  it('says so when the bundle has no population maps', async () => {
    serve({ models: ['race', 'race_biased'].map((name) => modelInfo(name)) })
    render(<ModelsPage />)
    expect(await screen.findByTestId('no-population')).toHaveTextContent('not available')
  })

  it('reports a service that cannot be reached', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))))
    render(<ModelsPage />)
    expect(await screen.findByRole('alert')).toHaveTextContent('could not be reached')
  })
})
