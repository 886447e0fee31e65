import { render, screen, within } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import type { ModelInfo } from '../api/types'
import { modelInfo, RACES } from '../test/fixtures'
import { PopulationGrid } from './PopulationGrid'

// a 1 x 1 transparent PNG: the grid only needs something to draw
const PNG = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII='

function withMaps(model: ModelInfo, extra: Partial<ModelInfo> = {}): ModelInfo {
  return {
    ...model,
    mean_attribution_by_race: Object.fromEntries(RACES.map((r) => [r, PNG])),
    mean_attribution_faces: Object.fromEntries(RACES.map((r) => [r, 200])),
    mean_attribution_regions: Object.fromEntries(
      RACES.map((r) => [r, { mouth: { share: 0.17, ci_low: 0.16, ci_high: 0.18 }, nose: { share: 0.2, ci_low: 0.19, ci_high: 0.21 } }]),
    ),
    ...extra,
  }
}

function comparison(significantMouthFor: string[]) {
  return {
    partner: 'race',
    test: 'paired permutation test (2000 resamples), holm correction over 14 tests (races x regions)',
    correction: 'holm',
    tests: 14,
    summary: '',
    by_race: Object.fromEntries(
      RACES.map((r) => {
        const sig = significantMouthFor.includes(r)
        return [
          r,
          {
            n: 200,
            significant_cells: sig ? 10 : 0,
            regions: {
              mouth: { difference: 0.031, ci_low: 0.012, ci_high: 0.05, p_value: 0.0005, p_adjusted: sig ? 0.02 : 0.3, significant: sig },
              nose: { difference: -0.02, ci_low: -0.04, ci_high: 0.001, p_value: 0.06, p_adjusted: 1, significant: false },
            },
          },
        ]
      }),
    ),
  }
}

describe('PopulationGrid with the audit’s statistics', () => {
  it('names only the significant differences, with their size and interval, and tabulates every region', () => {
    const race = withMaps(modelInfo('race'))
    const biased = withMaps(modelInfo('race_biased'), { mean_attribution_comparison: comparison(['Indian']) })
    render(<PopulationGrid first={race} second={biased} races={RACES} />)
    const summary = screen.getByTestId('population-summary')
    expect(summary.textContent).toMatch(/^On Indian faces .+ puts 3\.1 points more on the mouth \(95% CI \+1\.2 to \+5\.0\)/)
    expect(summary.textContent).not.toContain('nose')
    expect(screen.getByRole('columnheader', { name: 'Difference (significant cells only)' })).toBeInTheDocument()
    const tables = screen.getAllByTestId('population-stats-race')
    expect(tables).toHaveLength(RACES.length)
    const indian = tables.find((t) => t.dataset.race === 'Indian')!
    expect(within(indian).getByText(/1 significant region/)).toBeInTheDocument()
    expect(within(indian).getByText('+3.1 [+1.2, +5.0]')).toBeInTheDocument()
    expect(within(indian).getAllByText('17.0 [16.0, 18.0]')).toHaveLength(2) // both models' mouth share
  })

  it('says plainly when no difference is significant', () => {
    const race = withMaps(modelInfo('race'))
    const biased = withMaps(modelInfo('race_biased'), { mean_attribution_comparison: comparison([]) })
    render(<PopulationGrid first={race} second={biased} races={RACES} />)
    expect(screen.getByTestId('population-summary').textContent).toMatch(/^No significant difference/)
  })
})
