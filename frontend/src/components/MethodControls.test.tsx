import { render, screen } from '@testing-library/react'
import { describe, expect, it, vi } from 'vitest'
import { MapKey, MethodControls } from './MethodControls'

describe('MethodControls', () => {
  it('names every method visibly (short on a phone) and by its full name for assistive technology', () => {
    const { container } = render(
      <MethodControls method="integrated_gradients" onMethod={vi.fn()} opacity={0.6} onOpacity={vi.fn()} signed={false} onSigned={vi.fn()} />,
    )
    expect(screen.getByRole('radio', { name: 'Integrated Gradients' })).toBeChecked()
    expect(screen.getByRole('radio', { name: 'Grad-CAM' })).not.toBeChecked()
    expect(screen.getByRole('slider', { name: /Heatmap opacity/ })).toBeInTheDocument()
    // every label has text that is not hidden on a phone (a .short-name, or a name with no .long-name)
    for (const label of Array.from(container.querySelectorAll('.toggle label'))) {
      const clone = label.cloneNode(true) as HTMLElement
      clone.querySelectorAll('.long-name, input').forEach((el) => el.remove())
      expect(clone.textContent?.trim()).not.toBe('')
    }
  })

  it('keys the maps with their unit', () => {
    render(<MapKey method="integrated_gradients" signed={false} />)
    expect(screen.getByTestId('colour-scale-caption')).toHaveTextContent('|IG attribution| per pixel, in probability')
  })
})
