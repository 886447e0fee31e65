import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { ApiError } from '../api/errors'
import type { ExplanationSlot } from '../hooks/analysisState'
import { IgMaxStepsContext, ModelsResponseContext } from '../hooks/modelNames'
import { FAITHFUL, face, gradCam, integratedGradients, LABELS, modelInfo, modelsResponse } from '../test/fixtures'
import { modelSanity } from '../test/sanityFixtures'
import type { ClassGridState } from './ClassGridView'
import { ModelPanel } from './ModelPanel'

const base = { face: face(0), model: 'race', target: 'White', opacity: 0.4, fileStem: 'p', onTarget: () => {} }

function slot(completeness = 0.012): ExplanationSlot {
  return {
    status: { grad_cam: 'done', integrated_gradients: 'done' },
    explanation: {
      target: 'White',
      target_probability: 0.6,
      grad_cam: gradCam(0, 'race', 'White'),
      integrated_gradients: integratedGradients(0, 'race', 'White', completeness),
    },
  }
}

describe('ModelPanel', () => {
  it('overlays the chosen method’s RGBA heatmap on the chip at the chosen opacity', () => {
    const { rerender } = render(<ModelPanel {...base} slot={slot()} method="integrated_gradients" />)
    const heat = screen.getByTestId('heatmap')
    expect(heat).toHaveAttribute('src', 'data:image/png;base64,IG-0-race-White')
    expect(heat).toHaveStyle({ opacity: '0.4' })
    expect(heat).toHaveAccessibleName('Integrated Gradients heatmap of Race for class White')
    rerender(<ModelPanel {...base} slot={slot()} method="grad_cam" opacity={0.9} />)
    expect(screen.getByTestId('heatmap')).toHaveAttribute('src', 'data:image/png;base64,GC-0-race-White')
    expect(screen.getByTestId('heatmap')).toHaveStyle({ opacity: '0.9' })
    expect(screen.queryByTestId('completeness')).toBeNull()
  })

  it('warns plainly beside the maps of a method that fails the sanity check for this model, and only there', () => {
    const response = modelsResponse([{ ...modelInfo('race'), sanity: modelSanity() }])
    const { rerender } = render(
      <ModelsResponseContext.Provider value={response}>
        <ModelPanel {...base} slot={slot()} method="grad_cam" />
      </ModelsResponseContext.Provider>,
    )
    expect(screen.getByTestId('sanity-warning')).toHaveTextContent(
      'this model’s Grad-CAM map hardly changes when every weight of the model is randomised'.replace('’', "'"),
    )
    rerender(
      <ModelsResponseContext.Provider value={response}>
        <ModelPanel {...base} slot={slot()} method="integrated_gradients" />
      </ModelsResponseContext.Provider>,
    )
    expect(screen.queryByTestId('sanity-warning')).toBeNull()
  })

  it('shows the signed attribution on request', () => {
    render(<ModelPanel {...base} slot={slot()} method="integrated_gradients" signed />)
    expect(screen.getByTestId('heatmap')).toHaveAttribute('src', 'data:image/png;base64,IGS-0-race-White')
    expect(screen.getByTestId('heatmap')).toHaveAccessibleName('Signed Integrated Gradients heatmap of Race for class White')
  })

  it('shows the completeness error and warns when it is large', () => {
    const { rerender } = render(<ModelPanel {...base} slot={slot(0.012)} method="integrated_gradients" />)
    expect(screen.getByTestId('completeness')).toHaveTextContent('1.20% with 32 steps')
    expect(screen.getByTestId('completeness')).not.toHaveClass('warn')
    rerender(<ModelPanel {...base} slot={slot(0.153)} method="integrated_gradients" />)
    expect(screen.getByTestId('completeness')).toHaveTextContent('15.30% with 32 steps')
    expect(screen.getByTestId('completeness')).toHaveTextContent('more steps should bring this error down')
  })

  it('does not promise that more steps help when the probability hardly changes along the path', () => {
    const flat = slot(1.03)
    const ig = flat.explanation!.integrated_gradients!
    flat.explanation!.integrated_gradients = { ...ig, output: 'probability', score_input: 0.66, score_baseline: 0.65 }
    render(<ModelPanel {...base} slot={flat} method="integrated_gradients" onRecompute={() => {}} />)
    expect(screen.getByTestId('completeness-warning')).toHaveTextContent('hardly changes from the black image')
    expect(screen.getByTestId('completeness-warning')).toHaveTextContent('(65.0% → 66.0%)')
    expect(screen.queryByRole('button', { name: /Recompute/ })).toBeNull()
  })

  it('says that Integrated Gradients is on its way while only Grad-CAM is known', () => {
    const waiting: ExplanationSlot = {
      status: { grad_cam: 'done', integrated_gradients: 'loading' },
      explanation: { target: 'White', target_probability: 0.6, grad_cam: gradCam(0, 'race', 'White'), integrated_gradients: null },
    }
    render(<ModelPanel {...base} slot={waiting} method="integrated_gradients" />)
    expect(screen.queryByTestId('heatmap')).toBeNull()
    expect(within(screen.getByTestId('overlay-race')).getByRole('status')).toHaveTextContent('Computing Integrated Gradients…')
    expect(screen.getByRole('button', { name: 'Save overlay PNG' })).toBeDisabled()
  })

  it('asks for another class from the select', async () => {
    const onTarget = vi.fn()
    render(<ModelPanel {...base} slot={slot()} method="integrated_gradients" onTarget={onTarget} />)
    const select = screen.getByRole('combobox', { name: 'Explain class' })
    expect(within(select).getAllByRole('option')).toHaveLength(7)
    await userEvent.selectOptions(select, 'Middle Eastern')
    expect(onTarget).toHaveBeenCalledWith('Middle Eastern')
  })
})

describe('ModelPanel completeness warning', () => {
  it('offers to recompute a high completeness error with twice the steps', async () => {
    const onRecompute = vi.fn()
    render(
      <IgMaxStepsContext.Provider value={256}>
        <ModelPanel {...base} slot={slot(0.2)} method="integrated_gradients" onRecompute={onRecompute} />
      </IgMaxStepsContext.Provider>,
    )
    expect(screen.getByTestId('completeness-warning')).toHaveTextContent('approximate')
    await userEvent.click(screen.getByRole('button', { name: 'Recompute with 64 steps' }))
    expect(onRecompute).toHaveBeenCalledWith(64)
  })

  it('offers a recompute only up to the steps the service says it allows', async () => {
    const onRecompute = vi.fn()
    const panel = (maximum: number | undefined) => (
      <IgMaxStepsContext.Provider value={maximum}>
        <ModelPanel {...base} slot={slot(0.153)} method="integrated_gradients" onRecompute={onRecompute} />
      </IgMaxStepsContext.Provider>
    )
    const { rerender } = render(panel(40)) // FACEXAI_IG_MAX_STEPS=40, below the build's default of 256
    await userEvent.click(screen.getByRole('button', { name: 'Recompute with 40 steps' }))
    expect(onRecompute).toHaveBeenCalledWith(40)
    rerender(panel(32)) // the map already used the maximum
    expect(screen.queryByRole('button', { name: /Recompute/ })).toBeNull()
    expect(screen.getByTestId('completeness-warning')).toHaveTextContent('already at the most steps the service allows')
    rerender(panel(undefined)) // GET /models has not answered: nothing offered, nothing claimed
    expect(screen.queryByRole('button', { name: /Recompute/ })).toBeNull()
    expect(screen.getByTestId('completeness-warning')).not.toHaveTextContent('already at the most')
  })

  it('offers nothing when the error is small', () => {
    render(<ModelPanel {...base} slot={slot(0.01)} method="integrated_gradients" onRecompute={() => {}} />)
    expect(screen.queryByTestId('completeness-warning')).toBeNull()
    expect(screen.queryByRole('button', { name: /Recompute/ })).toBeNull()
  })
})

describe('ModelPanel completeness in absolute terms', () => {
  it('says by how much the map misses the change it explains, in the output units, beside the change', () => {
    render(<ModelPanel {...base} slot={slot(0.012)} method="integrated_gradients" />)
    expect(screen.getByTestId('completeness-absolute')).toHaveTextContent(
      'misses the change it explains by 0.022 in logit units (the change itself: 1.800)',
    )
  })
})

describe('ModelPanel faithfulness', () => {
  const faithful = FAITHFUL
  const measured = (igF: object, gcF: object): ExplanationSlot => {
    const s = slot()
    return {
      ...s,
      explanation: {
        ...s.explanation!,
        integrated_gradients: { ...s.explanation!.integrated_gradients!, faithfulness: igF },
        grad_cam: { ...s.explanation!.grad_cam!, faithfulness: gcF },
      } as ExplanationSlot['explanation'],
    }
  }

  it('shows the shown map’s three areas and one sentence of what they mean', () => {
    const poor = { ...faithful, deletion_auc: 0.5, insertion_auc: 0.3, random_deletion_auc: 0.45, verdict: 'no_clearer_than_random' }
    const { rerender } = render(<ModelPanel {...base} slot={measured(faithful, poor)} method="integrated_gradients" />)
    expect(screen.getByTestId('faithfulness-figures')).toHaveTextContent('deletion 0.21 vs random 0.48 ± 0.05 · insertion 0.71')
    expect(screen.getByTestId('faithfulness-meaning')).toHaveTextContent(/by more than the spread of 6 random orders: the map points at what the model uses/)
    expect(screen.getByTestId('faithfulness')).not.toHaveClass('warn')
    rerender(<ModelPanel {...base} slot={measured(faithful, poor)} method="grad_cam" />)
    expect(screen.getByTestId('faithfulness-figures')).toHaveTextContent('deletion 0.50 vs random 0.45 ± 0.05 · insertion 0.30')
    expect(screen.getByTestId('faithfulness-meaning')).toHaveTextContent(/this map is no clearer than random/)
    expect(screen.getByTestId('faithfulness')).toHaveClass('warn')
  })

  it('shows nothing of it when the service did not measure it', () => {
    render(<ModelPanel {...base} slot={slot()} method="integrated_gradients" />)
    expect(screen.queryByTestId('faithfulness')).toBeNull()
  })
})

describe('ModelPanel class grid', () => {
  it('shows every class of the shown method on one scale, on request', async () => {
    const onToggle = vi.fn()
    const classes = Object.fromEntries(
      LABELS.race.map((label, i) => [label, { image: `GRIMG-${label}`, heatmap: `GR-${label}`, probability: i === 0 ? 0.6 : 0.4 / 6, max_value: 0.5 }]),
    )
    const panel = (grid: Omit<ClassGridState, 'onToggle'>) => (
      <ModelPanel {...base} slot={slot()} method="grad_cam" grid={{ ...grid, onToggle }} />
    )
    const { rerender } = render(panel({ shown: false }))
    expect(screen.queryByTestId('class-grid')).toBeNull()
    await userEvent.click(screen.getByRole('button', { name: 'Show every class' }))
    expect(onToggle).toHaveBeenCalledTimes(1)
    // useAnalysis fetches it through its queue: until it answers, the grid says it is on its way
    rerender(panel({ shown: true, slot: { status: 'queued' } }))
    expect(within(screen.getByTestId('class-grid')).getByRole('status')).toHaveTextContent('Computing Grad-CAM for all 7 classes…')
    rerender(panel({ shown: true, slot: { status: 'done', grid: { method: 'grad_cam', scale_max: 0.0123, classes } } }))
    const grid = screen.getByTestId('class-grid')
    const cells = within(grid).getAllByTestId('class-grid-cell')
    expect(cells.map((cell) => cell.querySelector('.class-grid-label')?.textContent)).toEqual(LABELS.race.map((l) => l.replace('_', '/')))
    expect(cells[0]).toHaveTextContent('60.0% · predicted')
    expect(within(cells[2]).getByRole('img', { name: 'Grad-CAM of Race for class Latino/Hispanic, shared scale' })).toHaveAttribute(
      'src',
      'data:image/png;base64,GR-Latino_Hispanic',
    )
    // the scale says what its numbers are: Grad-CAM has no unit, and its end is the largest value
    expect(within(grid).getByRole('figure', { name: /^Colour scale shared by every class of Race: from 0 to 0\.0123;/ })).toBeInTheDocument()
    expect(within(grid).getByTestId('colour-scale-caption')).toHaveTextContent('Grad-CAM evidence (no unit); one scale, up to the largest value of the maps')
    expect(grid.textContent).not.toMatch(/_/)
    await userEvent.click(screen.getByRole('button', { name: 'Hide every class' }))
    expect(onToggle).toHaveBeenCalledTimes(2)
    rerender(panel({ shown: false }))
    expect(screen.queryByTestId('class-grid')).toBeNull()
  })

  it('reports a grid the service could not make', () => {
    const error = new ApiError(404, 'analysis_not_found', 'gone')
    render(<ModelPanel {...base} slot={slot()} method="grad_cam" grid={{ shown: true, onToggle: () => {}, slot: { status: 'error', error } }} />)
    expect(within(screen.getByTestId('class-grid')).getByRole('alert')).toHaveTextContent('expired')
  })
})
