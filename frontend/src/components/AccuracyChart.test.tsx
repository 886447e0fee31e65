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

  it('draws an interval as a whisker from its low to its high end', () => {
    const { container } = render(
      <AccuracyChart
        title="t"
        series={[{ name: 'biased', values: { Black: 0.5 }, intervals: { Black: { low: 0.25, high: 0.75, n: 40 } } }]}
      />,
    )
    const bar = screen.getByTestId('chart-bar')
    const x0 = Number(bar.getAttribute('x'))
    const full = Number(bar.getAttribute('width')) / 0.5
    const [span] = Array.from(container.querySelectorAll('[data-testid="chart-interval"] line'))
    expect((Number(span.getAttribute('x1')) - x0) / full).toBeCloseTo(0.25, 6)
    expect((Number(span.getAttribute('x2')) - x0) / full).toBeCloseTo(0.75, 6)
    expect(screen.getByRole('img', { name: 't' })).toHaveAccessibleDescription(
      'Black: biased 50.0% (interval 25.0%–75.0%, n=40)',
    )
  })
})
