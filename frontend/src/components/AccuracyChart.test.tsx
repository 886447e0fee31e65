import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { AccuracyChart } from './AccuracyChart'

describe('AccuracyChart', () => {
  it('draws one bar per (race, model), its length proportional to the accuracy', () => {
    render(
      <AccuracyChart
        title="per race"
        series={[
          { name: 'balanced', values: { White: 0.8, Black: 0.7 } },
          { name: 'biased', values: { White: 0.9, Black: 0.35 } },
        ]}
      />,
    )
    const bars = screen.getAllByTestId('chart-bar')
    expect(bars).toHaveLength(4)
    const widthOf = (series: string, category: string) =>
      Number(bars.find((b) => b.dataset.series === series && b.dataset.category === category)!.getAttribute('width'))
    expect(widthOf('biased', 'Black') / widthOf('balanced', 'Black')).toBeCloseTo(0.5, 6)
    expect(widthOf('biased', 'White') / widthOf('balanced', 'White')).toBeCloseTo(0.9 / 0.8, 6)
    expect(screen.getByRole('img', { name: /per race/ })).toHaveAccessibleDescription(
      'White: balanced 80.0%, biased 90.0%; Black: balanced 70.0%, biased 35.0%',
    )
    expect(screen.getAllByTestId('chart-group')).toHaveLength(2)
  })

  it('leaves out a race a model has no figure for', () => {
    render(<AccuracyChart title="t" series={[{ name: 'a', values: { White: 0.5 } }, { name: 'b', values: { Indian: 0.5 } }]} />)
    expect(screen.getAllByTestId('chart-bar')).toHaveLength(2)
    expect(screen.getAllByTestId('chart-group')).toHaveLength(2)
  })
})
