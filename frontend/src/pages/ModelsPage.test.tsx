import { render, screen, within } from '@testing-library/react'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { imbalance, jsonResponse, LABELS, modelInfo, modelsResponse } from '../test/fixtures'
import { modelSanity } from '../test/sanityFixtures'
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
    serve(
      modelsResponse([
        modelInfo('age', { accuracy: 0.55 }),
        modelInfo('gender', { accuracy: 0.91, val_loss: 0.68852, val_n: 400 }),
        modelInfo('race', { accuracy: 0.7, accuracy_by_race: { White: 0.75, Black: 0.72, Indian: 0.69 } }),
        modelInfo('race_biased', { accuracy: 0.6, accuracy_by_race: { White: 0.83, Black: 0.41, Indian: 0.52 } }),
      ]),
    )
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
    // no imbalance result (the untrained test bundle's): no section for it, and the gap is not put on the imbalance
    expect(screen.queryByTestId('imbalance')).toBeNull()
    expect(screen.getByTestId('fairness-text')).toHaveTextContent('The gap between their bars is not the imbalance alone')
    expect(screen.getByTestId('fairness-text')).not.toHaveTextContent(/whom the imbalance hurts/)
  })

  it('writes the faces per race beside the bars, says the races are not balanced, and gives accuracies as percentages', async () => {
    const detail = (accuracy: Record<string, number>) =>
      Object.fromEntries(
        Object.entries(accuracy).map(([race, a]) => [race, { accuracy: a, n: race === 'White' ? 775 : 412, ci_low: a - 0.02, ci_high: a + 0.02 }]),
      )
    const race = { White: 0.7419354838709677, 'Middle Eastern': 0.5461165048543689 }
    const biased = { White: 0.9367741935483871, 'Middle Eastern': 0 }
    serve(
      modelsResponse([
        modelInfo('race', { val_n: 4000, accuracy_by_race: race, accuracy_by_race_detail: detail(race) }),
        modelInfo('race_biased', { val_n: 4000, accuracy_by_race: biased, accuracy_by_race_detail: detail(biased) }),
      ]),
    )
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
    serve(modelsResponse(['age', 'gender', 'race', 'race_biased'].map((name) => modelInfo(name))))
    render(<ModelsPage />)
    expect(await screen.findByTestId('no-chart')).toHaveTextContent('not available')
    expect(screen.getAllByTestId('model-card')).toHaveLength(4)
    expect(screen.getAllByText('No metrics recorded for this model.')).toHaveLength(4)
  })

  it('shows the race models’ mean maps by race side by side with the service’s difference, on a row per race', async () => {
    const maps = (model: string) => Object.fromEntries(LABELS.race.map((race) => [race, `MEAN-${model}-${race}`]))
    const faces = Object.fromEntries([...LABELS.race.map((race) => [race, 20]), ['all', 140]])
    serve(
      modelsResponse([
        { ...modelInfo('race'), mean_attribution_by_race: maps('race'), mean_attribution_all: 'MEAN-race-all', mean_attribution_faces: faces },
        {
          ...modelInfo('race_biased'),
          mean_attribution_by_race: maps('race_biased'),
          mean_attribution_all: 'MEAN-race_biased-all',
          mean_attribution_faces: faces,
          mean_attribution_difference_by_race: Object.fromEntries(LABELS.race.map((race) => [race, `DIFF-${race}`])),
        },
      ]),
    )
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
    serve(modelsResponse(['race', 'race_biased'].map((name) => modelInfo(name))))
    render(<ModelsPage />)
    expect(await screen.findByTestId('no-population')).toHaveTextContent('not available')
  })

  it('reports a service that cannot be reached', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => Promise.reject(new TypeError('Failed to fetch'))))
    render(<ModelsPage />)
    expect(await screen.findByRole('alert')).toHaveTextContent('could not be reached')
  })

  describe('with the imbalance experiment (control models and further seeds)', () => {
    const byRace = { White: 0.8, Black: 0.7 }
    const arms = ['race', 'race_biased', 'race_control', 'race_biased_2', 'race_control_2']
    const maps = (model: string) => Object.fromEntries(LABELS.race.map((race) => [race, `MEAN-${model}-${race}`]))
    function bundle(extra: Parameters<typeof modelsResponse>[1] = {}) {
      return modelsResponse(
        ['age', ...arms].map((name) => ({
          ...modelInfo(name, name === 'age' ? {} : { accuracy_by_race: byRace }),
          ...(name.startsWith('race') ? { mean_attribution_by_race: maps(name) } : {}),
        })),
        { compare_default: ['race_control', 'race_biased'], imbalance: imbalance(), ...extra },
      )
    }

    it('heads with the service’s finding, tabulates only the cells beyond retraining, and every race’s accuracy', async () => {
      serve(bundle())
      render(<ModelsPage />)
      const section = await screen.findByTestId('imbalance')
      expect(within(section).getByRole('heading', { level: 2 })).toHaveTextContent('Is it the imbalance, or just another training run?')
      expect(within(section).getByTestId('imbalance-summary')).toHaveTextContent(
        /^Beyond retraining \(2 biased and 2 control seeds.*on Indian faces the biased models put 3\.1 points more on the mouth/,
      )
      expect(within(section).getByTestId('imbalance-retraining')).toHaveTextContent('Retraining alone (another seed of the same arm')
      expect(within(section).getByTestId('imbalance-arms')).toHaveTextContent(
        'The biased arm, Race (biased training) and Race (biased training, seed 2) (2 training seeds), and the control arm, Race (small balanced data) and Race (small balanced data, seed 2)',
      )
      // only the one region cell beyond retraining: its effect with the interval, and what retraining alone moves
      const calls = within(section).getAllByTestId('imbalance-call')
      expect(calls).toHaveLength(1)
      expect(calls[0]).toHaveTextContent('Indianmouth+3.1 [+2.1, +4.1]0.9')
      expect(within(section).getByTestId('imbalance-calls')).not.toHaveTextContent('nose')
      expect(within(section).queryByTestId('imbalance-no-calls')).toBeNull()
      // accuracy: every race, biased − control in points with its interval, retraining, and whether beyond
      const accuracy = within(section).getAllByTestId('imbalance-accuracy-row')
      expect(accuracy.map((row) => row.dataset.race)).toEqual(LABELS.race)
      expect(accuracy[1]).toHaveTextContent('Black400−12.0 [−13.0, −11.0]2.0yes')
      expect(accuracy[0]).toHaveTextContent('White400−1.0 [−2.0, +0.0]1.5no')
      expect(within(accuracy[2]).getByRole('rowheader')).toHaveTextContent('Latino/Hispanic')
      // the phone layout: every cell says what it is when the table stacks
      for (const cell of section.querySelectorAll('td')) expect(cell).toHaveAttribute('data-label')
    })

    it('says plainly when nothing is beyond retraining', async () => {
      serve(bundle({ imbalance: imbalance(false) }))
      render(<ModelsPage />)
      const section = await screen.findByTestId('imbalance')
      expect(within(section).getByTestId('imbalance-summary')).toHaveTextContent(/^No region’s share of the attribution moves beyond what retraining alone moves/)
      expect(within(section).queryByTestId('imbalance-calls')).toBeNull()
      expect(within(section).getByTestId('imbalance-no-calls')).toHaveTextContent(
        'No face region of any race moves beyond what retraining alone moves (14 race × region cells tested)',
      )
    })

    it('charts the control beside race and race_biased, pairs race_biased with its control, and collapses the further seeds', async () => {
      serve(bundle())
      render(<ModelsPage />)
      await screen.findByTestId('imbalance')
      // the accuracy chart: the models an analysis runs, balanced, control, biased; no further seed
      const series = [...new Set(screen.getAllByTestId('chart-bar').map((bar) => bar.dataset.series))]
      expect(series).toEqual(['Race', 'Race (small balanced data)', 'Race (biased training)'])
      const text = screen.getByTestId('fairness-text')
      expect(text).toHaveTextContent('so the race mix is the only difference between them')
      expect(text).toHaveTextContent("The gap between Race (small balanced data)'s bars and Race (biased training)'s is what the imbalance does")
      expect(text).toHaveTextContent("Race's bars differ from Race (biased training)'s in data size and training as well")
      // the population maps: race_biased beside its control (compare_default's first)
      const population = screen.getByTestId('population')
      const latino = within(population).getAllByTestId('population-row')[2]
      expect(within(latino).getByTestId('population-first')).toHaveAttribute('src', 'data:image/png;base64,MEAN-race_control-Latino_Hispanic')
      expect(within(latino).getByTestId('population-second')).toHaveAttribute('src', 'data:image/png;base64,MEAN-race_biased-Latino_Hispanic')
      expect(within(population).getByTestId('population-scope')).toHaveTextContent(
        'compare these two trained networks on the same faces (faces as the only noise)',
      )
      expect(within(population).getByTestId('population-scope')).toHaveTextContent('the section above weighs the imbalance against retraining')
      // every model has a card; the further seeds are in a collapsed list of their own, still reachable
      expect(screen.getAllByTestId('model-card')).toHaveLength(6)
      const seeds = screen.getByTestId('further-seeds')
      expect(seeds).not.toHaveAttribute('open')
      expect(within(seeds).getByText(/^Further training seeds \(2\)/)).toBeInTheDocument()
      expect(within(seeds).getAllByTestId('model-card').map((card) => within(card).getByRole('heading').textContent)).toEqual([
        'Race (biased training, seed 2)',
        'Race (small balanced data, seed 2)',
      ])
      // model ids stay out of the text the page writes (the cards' own descriptions are the service's)
      for (const id of ['imbalance', 'fairness-text', 'population'])
        expect(screen.getByTestId(id).textContent).not.toMatch(/race_(biased|control)|_/)
    })

    it('pairs race_biased with the partner its audit statistics name', async () => {
      const response = bundle()
      const biased = response.models.find((model) => model.name === 'race_biased')!
      biased.mean_attribution_comparison = { partner: 'race', test: 'paired permutation test', correction: 'holm', tests: 14, summary: '', by_race: {} }
      serve(response)
      render(<ModelsPage />)
      const rows = await screen.findAllByTestId('population-row')
      expect(within(rows[0]).getByTestId('population-first')).toHaveAttribute('src', 'data:image/png;base64,MEAN-race-White')
      // the face-level test is labelled for what it is: two networks, faces as the only noise
      expect(screen.getByTestId('population-summary-label')).toHaveTextContent('Between these two networks (faces as the only noise)')
      expect(screen.getByTestId('population-stats-scope')).toHaveTextContent('between these two networks (faces as the only noise)')
      expect(screen.getByTestId('population-stats-scope')).toHaveTextContent('not what the imbalance does')
    })
  })

  it('gives each model’s sanity check per method in one sentence with its curve, and marks a method that fails', async () => {
    serve(modelsResponse([{ ...modelInfo('race'), sanity: modelSanity() }, modelInfo('gender')]))
    render(<ModelsPage />)
    const cards = await screen.findAllByTestId('model-card')
    const section = within(cards[0]).getByTestId('sanity')
    expect(section).toHaveTextContent('a method fails')
    const ig = within(section).getByTestId('sanity-integrated_gradients')
    expect(within(ig).getByTestId('sanity-summary')).toHaveTextContent(
      'After randomising the top block (head), the IG map keeps a rank correlation of 0.12 (0.08–0.16) with the trained one',
    )
    expect(within(ig).queryByText('fails')).toBeNull()
    expect(within(ig).getByRole('img', { name: /Integrated Gradients: rank correlation/ })).toBeInTheDocument()
    const gc = within(section).getByTestId('sanity-grad_cam')
    expect(within(gc).getByText('fails')).toBeInTheDocument()
    expect(within(gc).getByTestId('sanity-summary')).toHaveTextContent('shows the input more than what the model learned')
    expect(section).toHaveTextContent('56 validation faces')
    expect(within(cards[1]).queryByTestId('sanity')).toBeNull()
  })

  it('marks a user-supplied model, shows its card and label map, and names the models that failed to load', async () => {
    const mine = {
      ...modelInfo('utk'),
      display_name: 'My UTKFace model',
      task: 'race',
      labels: ['White', 'Black', 'Asian', 'Indian', 'Others'],
      architecture: 'keras',
      user_supplied: true,
      label_map: { White: ['White'], Black: ['Black'], Asian: ['East Asian', 'Southeast Asian'], Indian: ['Indian'], Others: [] },
      card_markdown: '# My UTKFace model\n\n**A model you supplied**, added with `facexai models add`',
    }
    serve(modelsResponse([modelInfo('race'), mine], { failed: { mine_none: "model 'mine_none': unknown preprocessing 'none'" } }))
    render(<ModelsPage />)
    const cards = await screen.findAllByTestId('model-card')
    expect(cards).toHaveLength(2)
    expect(within(cards[0]).queryByTestId('user-supplied')).toBeNull()
    expect(within(cards[1]).getByTestId('user-supplied')).toHaveTextContent('user-supplied')
    expect(within(cards[1]).getByTestId('user-supplied-note')).toHaveTextContent('not trained or evaluated by this project')
    expect(within(cards[1]).getByText('keras', { exact: false })).toBeInTheDocument()
    const map = within(cards[1]).getByTestId('label-map')
    expect(map).toHaveTextContent('AsianEast Asian, Southeast Asian')
    expect(map).toHaveTextContent('Othersunmapped')
    expect(within(cards[1]).getByText('Model card')).toBeInTheDocument()
    expect(screen.getByTestId('failed-models')).toHaveTextContent("mine_none: model 'mine_none': unknown preprocessing 'none'")
  })
})
