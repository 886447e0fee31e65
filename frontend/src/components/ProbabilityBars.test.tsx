import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { probabilities } from '../test/fixtures'
import { ProbabilityBars } from './ProbabilityBars'

describe('ProbabilityBars', () => {
  it('draws every class with its probability and marks the explained one', () => {
    const prediction = { label: 'Female', probabilities: { Male: 0.25, Female: 0.75 } }
    render(<ProbabilityBars model="gender" prediction={prediction} target="Female" onTarget={() => {}} />)
    const rows = screen.getAllByTestId('class-row')
    expect(rows).toHaveLength(2)
    expect(rows[0]).toHaveTextContent('Male25.0%')
    expect(rows[1]).toHaveAttribute('aria-pressed', 'true')
    expect(rows[0]).toHaveAttribute('aria-pressed', 'false')
    expect(rows[1]).toHaveAccessibleName('Female: 75.0% (predicted). Explain this class')
    const fill = rows[0].querySelector<HTMLElement>('.bar-fill')!
    expect(fill.style.width).toBe('25%')
  })

  it('switches the explained class by click or keyboard', async () => {
    const onTarget = vi.fn()
    const user = userEvent.setup()
    render(
      <ProbabilityBars
        model="race"
        prediction={{ label: 'White', probabilities: probabilities('race', 'White') }}
        target="White"
        onTarget={onTarget}
      />,
    )
    await user.click(screen.getByRole('button', { name: /^Indian:/ }))
    expect(onTarget).toHaveBeenLastCalledWith('Indian')
    screen.getByRole('button', { name: /^Black:/ }).focus()
    await user.keyboard('{Enter}')
    expect(onTarget).toHaveBeenLastCalledWith('Black')
  })
})
