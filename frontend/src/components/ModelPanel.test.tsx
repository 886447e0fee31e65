import { render, screen, within } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import type { ExplanationSlot } from '../hooks/analysisState'
import { face, gradCam, integratedGradients } from '../test/fixtures'
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
    render(<ModelPanel {...base} slot={slot(0.2)} method="integrated_gradients" onRecompute={onRecompute} />)
    expect(screen.getByTestId('completeness-warning')).toHaveTextContent('approximate')
    await userEvent.click(screen.getByRole('button', { name: 'Recompute with 64 steps' }))
    expect(onRecompute).toHaveBeenCalledWith(64)
  })

  it('offers nothing when the error is small', () => {
    render(<ModelPanel {...base} slot={slot(0.01)} method="integrated_gradients" onRecompute={() => {}} />)
    expect(screen.queryByTestId('completeness-warning')).toBeNull()
    expect(screen.queryByRole('button', { name: /Recompute/ })).toBeNull()
  })
})
