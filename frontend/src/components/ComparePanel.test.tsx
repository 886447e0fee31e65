import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '../api/errors'
import { comparison, face, modelInfo, modelsResponse } from '../test/fixtures'
import { displayNames, IgMaxStepsContext, ModelNamesContext, ModelsResponseContext } from '../hooks/modelNames'
import { ComparePanel } from './ComparePanel'

const props = {
  face: face(0),
  models: ['race', 'race_biased'] as [string, string],
  method: 'integrated_gradients' as const,
  opacity: 0.5,
  target: 'White',
  onTarget: () => {},
  enabled: true,
  fileStem: 'p',
}

describe('ComparePanel', () => {
  it('says when a map is approximate and offers the recompute with more steps, within the service limit', async () => {
    const onRecompute = vi.fn()
    const approximate = { ...comparison('White'), approximate: ['race_biased'], completeness_errors: { race: 0.02, race_biased: 0.5 } }
    const { rerender } = render(
      <IgMaxStepsContext.Provider value={256}>
        <ComparePanel {...props} slot={{ status: 'done', comparison: approximate }} igSteps={64} onRecompute={onRecompute} />
      </IgMaxStepsContext.Provider>,
    )
    expect(screen.getByTestId('compare-approximate')).toHaveTextContent(
      'Race (biased training)’s map is approximate (completeness error 50.0%): the parts of the face named above may change',
    )
    await userEvent.click(screen.getByRole('button', { name: 'Recompute with 128 steps' }))
    expect(onRecompute).toHaveBeenCalledWith(128)
    rerender(
      <IgMaxStepsContext.Provider value={64}>
        <ComparePanel {...props} slot={{ status: 'done', comparison: approximate }} igSteps={64} onRecompute={onRecompute} />
      </IgMaxStepsContext.Provider>,
    )
    expect(screen.queryByRole('button', { name: /Recompute/ })).toBeNull() // already at the service's maximum
    rerender(<ComparePanel {...props} slot={{ status: 'done', comparison: comparison('White') }} igSteps={64} />)
    expect(screen.queryByTestId('compare-approximate')).toBeNull()
  })

  it('shows both heatmaps on the shared scale, the difference map and the sentence', () => {
    const { rerender } = render(<ComparePanel {...props} slot={{ status: 'done', comparison: comparison('White') }} />)
    // until GET /models says the summary's threshold: the strength figures only, no verdict
    expect(screen.getByTestId('compare-strength')).toHaveTextContent('Mean on the shared scale: Race 0.210, Race (biased training) 0.080.')
    rerender(
      <ModelsResponseContext.Provider value={modelsResponse([modelInfo('race'), modelInfo('race_biased')])}>
        <ComparePanel {...props} slot={{ status: 'done', comparison: comparison('White') }} />
      </ModelsResponseContext.Provider>,
    )
    // The service's sentence as it is; its strength figures in plain words by its threshold, display names only.
    expect(screen.getByTestId('compare-summary')).toHaveTextContent('Explaining “White”: Race rates it 61% likely, Race (biased training) 22%.')
    expect(screen.getByTestId('compare-strength')).toHaveTextContent(
      "Race (biased training)'s map is 2.6× weaker than Race's (mean on the shared scale: Race 0.210, Race (biased training) 0.080).",
    )
    expect(document.body.textContent).not.toMatch(/race_biased/)
    expect(screen.getByRole('img', { name: /of Race for White, shared scale/ })).toHaveAttribute(
      'src',
      'data:image/png;base64,CMP-race-White',
    )
    expect(screen.getByRole('img', { name: /Race \(biased training\) for White, shared scale/ })).toHaveAttribute(
      'src',
      'data:image/png;base64,CMP-race_biased-White',
    )
    expect(screen.getByTestId('difference-image')).toHaveAttribute('src', 'data:image/png;base64,DIFF-White')
    expect(screen.getByTestId('compare-correlation')).toHaveTextContent('-0.42')
    const row = screen.getByRole('row', { name: /hair, ears and background/ })
    expect(row).toHaveTextContent('10.0%35.0%')
    expect(screen.getByText('P(White) = 22.0%')).toBeInTheDocument()
    // IG's shared scale: its end (values above it are clipped) and its unit in words
    expect(screen.getByRole('figure', { name: /^Colour scale shared by Race and Race \(biased training\): from 0 to ≥ 0\.0421;/ })).toBeInTheDocument()
    expect(screen.getByTestId('colour-scale-caption')).toHaveTextContent('|IG attribution| per pixel, in probability; one scale')
  })

  it('says whether it waits for the explanations it reuses, its turn, or the service (useAnalysis asks for it)', () => {
    const { rerender } = render(<ComparePanel {...props} enabled={false} />)
    expect(screen.getByRole('status')).toHaveTextContent('starts when both models are explained')
    rerender(<ComparePanel {...props} enabled />)
    expect(screen.getByRole('status')).toHaveTextContent('Not compared yet')
    rerender(<ComparePanel {...props} enabled slot={{ status: 'queued' }} />)
    expect(screen.getByRole('status')).toHaveTextContent('Comparison waiting for the explanations before it…')
    rerender(<ComparePanel {...props} enabled slot={{ status: 'loading' }} />)
    expect(screen.getByRole('status')).toHaveTextContent('Comparing with Integrated Gradients…')
  })

  it('names the pair by display name, not "balanced vs biased"', () => {
    render(<ComparePanel {...props} slot={{ status: 'done', comparison: comparison('White') }} />)
    expect(screen.getByRole('heading', { level: 2 })).toHaveTextContent('Race vs Race (biased training)')
    expect(screen.queryByTestId('compare-retraining')).toBeNull() // no reference seed: nothing said about retraining
    expect(screen.getAllByRole('columnheader').map((th) => th.textContent)).toEqual(['Region', 'Race', 'Race (biased training)'])
  })

  it('with a reference seed, says what retraining alone moves on this face beside the pair’s difference', () => {
    const pair: [string, string] = ['race_control', 'race_biased']
    const names = displayNames(
      Object.fromEntries(['race_control', 'race_biased', 'race_control_2'].map((name) => [name, modelInfo(name).display_name])),
    )
    render(
      <ModelNamesContext.Provider value={names}>
        <ComparePanel {...props} models={pair} slot={{ status: 'done', comparison: comparison('White', 'integrated_gradients', pair, 'race_control_2') }} />
      </ModelNamesContext.Provider>,
    )
    expect(screen.getByRole('heading', { level: 2 })).toHaveTextContent('Race (small balanced data) vs Race (biased training)')
    expect(document.body.textContent).not.toMatch(/balanced vs biased/i)
    expect(screen.getByTestId('compare-retraining')).toHaveTextContent(
      'Retraining alone (another seed of Race (small balanced data)) moves a region by up to 4 points here; Race (biased training) differs by up to 25 points: more than retraining alone.',
    )
    // the reference's share is a column of its own
    expect(screen.getAllByRole('columnheader').map((th) => th.textContent)).toEqual([
      'Region',
      'Race (small balanced data)',
      'Race (biased training)',
      'Race (small balanced data, seed 2)',
    ])
    expect(screen.getByRole('row', { name: /eyes and brows/ })).toHaveTextContent('31.0%12.0%27.0%')
    expect(screen.getByRole('table')).toHaveAccessibleName(/Race \(small balanced data, seed 2\): another training seed of Race \(small balanced data\)/)
    expect(document.body.textContent).not.toMatch(/race_control|race_biased/)
  })

  it('says when the pair differs no more than retraining alone moves', () => {
    const pair: [string, string] = ['race_control', 'race_biased']
    const close = { ...comparison('White', 'integrated_gradients', pair, 'race_control_2'), largest_difference: 0.03, largest_retraining: 0.05 }
    render(<ComparePanel {...props} models={pair} slot={{ status: 'done', comparison: close }} />)
    expect(screen.getByTestId('compare-retraining')).toHaveTextContent(
      'moves a region by up to 5 points here; Race (biased training) differs by up to 3 points: no more than retraining alone',
    )
  })

  it('offers a pair of models of one task, never one model twice, and says the choice', async () => {
    const onPair = vi.fn()
    const served = ['age', 'gender', 'race', 'race_biased', 'race_control', 'race_control_2'].map((name) => modelInfo(name))
    const analysed = ['age', 'gender', 'race', 'race_biased', 'race_control']
    const pair: [string, string] = ['race_control', 'race_biased']
    const panel = (models: [string, string]) => (
      <ModelsResponseContext.Provider value={modelsResponse(served)}>
        <ModelNamesContext.Provider value={displayNames(Object.fromEntries(served.map((m) => [m.name, m.display_name])))}>
          <ComparePanel {...props} models={models} analysed={analysed} onPair={onPair} />
        </ModelNamesContext.Provider>
      </ModelsResponseContext.Provider>
    )
    const { rerender } = render(panel(pair))
    const options = (name: string) =>
      Array.from(screen.getByRole<HTMLSelectElement>('combobox', { name }).options).map((option) => option.textContent)
    expect(screen.getByRole('combobox', { name: 'Compare' })).toHaveValue('race_control')
    expect(screen.getByRole('combobox', { name: 'with' })).toHaveValue('race_biased')
    // "Compare": the models with a partner of their task (race's; age and gender have none here);
    // "with": the first's task, never the first itself
    expect(options('Compare')).toEqual(['Race', 'Race (biased training)', 'Race (small balanced data)'])
    expect(options('with')).toEqual(['Race', 'Race (biased training)', 'Race (small balanced data, seed 2)'])
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'with' }), 'Race (small balanced data, seed 2)')
    expect(onPair).toHaveBeenLastCalledWith(['race_control', 'race_control_2'])
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Compare' }), 'Race')
    expect(onPair).toHaveBeenLastCalledWith(['race', 'race_biased'])
    await userEvent.click(screen.getByRole('button', { name: 'Swap' }))
    expect(onPair).toHaveBeenLastCalledWith(['race_biased', 'race_control'])
    // a seed the analysis did not run is compared with, never first (the comparison explains the first's class)
    rerender(panel(['race_control', 'race_control_2']))
    expect(options('Compare')).toEqual(['Race', 'Race (biased training)', 'Race (small balanced data)'])
    expect(screen.queryByRole('button', { name: 'Swap' })).toBeNull()
  })

  it('offers no other pair in the static demo, which recorded the default pair only', () => {
    vi.stubEnv('VITE_FACEXAI_DEMO', '1')
    const served = ['race', 'race_biased', 'race_control'].map((name) => modelInfo(name))
    render(
      <ModelsResponseContext.Provider value={modelsResponse(served)}>
        <ComparePanel {...props} analysed={['race', 'race_biased', 'race_control']} onPair={() => {}} />
      </ModelsResponseContext.Provider>,
    )
    expect(screen.queryByRole('combobox', { name: 'Compare' })).toBeNull()
    vi.unstubAllEnvs()
  })

  it('offers no other pair before GET /models says the models’ tasks', () => {
    render(<ComparePanel {...props} analysed={['race', 'race_biased', 'gender']} onPair={() => {}} />)
    expect(screen.queryByRole('combobox', { name: 'Compare' })).toBeNull()
    expect(screen.getByRole('combobox', { name: 'Class' })).toBeInTheDocument()
  })

  it('says plainly why two models cannot be compared', () => {
    const error = new ApiError(422, 'models_not_comparable', 'no label of race4 maps onto a label of race_biased')
    render(<ComparePanel {...props} slot={{ status: 'error', error }} />)
    const status = screen.getByRole('status')
    expect(status).toHaveTextContent('These two models cannot be compared.')
    expect(status).toHaveTextContent('no label of race4 maps onto a label of race_biased')
  })

  it('offers every race class and reports a failure', async () => {
    const onTarget = vi.fn()
    render(
      <ComparePanel
        {...props}
        onTarget={onTarget}
        slot={{ status: 'error', error: new ApiError(404, 'analysis_not_found', 'gone') }}
      />,
    )
    expect(screen.getByRole('status')).toHaveTextContent('expired')
    await userEvent.selectOptions(screen.getByRole('combobox', { name: 'Class' }), 'Southeast Asian')
    expect(onTarget).toHaveBeenCalledWith('Southeast Asian')
  })
})
