import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '../api/errors'
import { comparison, face } from '../test/fixtures'
import { IgMaxStepsContext } from '../hooks/modelNames'
import { ComparePanel } from './ComparePanel'

const props = {
  face: face(0),
  models: ['race', 'race_biased'] as [string, string],
  method: 'integrated_gradients' as const,
  opacity: 0.5,
  target: 'White',
  onTarget: () => {},
  onRequest: () => {},
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
    render(<ComparePanel {...props} slot={{ status: 'done', comparison: comparison('White') }} />)
    // The service's sentence as it is; its strength figures in plain words, display names only.
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

  it('asks for its comparison only once the explanations it reuses are ready', () => {
    const onRequest = vi.fn()
    const { rerender } = render(<ComparePanel {...props} enabled={false} onRequest={onRequest} />)
    expect(onRequest).not.toHaveBeenCalled()
    expect(screen.getByRole('status')).toHaveTextContent('starts when both race models are explained')
    rerender(<ComparePanel {...props} enabled onRequest={onRequest} />)
    expect(onRequest).toHaveBeenCalledWith('White')
    rerender(<ComparePanel {...props} enabled onRequest={onRequest} target="Indian" />)
    expect(onRequest).toHaveBeenLastCalledWith('Indian')
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
