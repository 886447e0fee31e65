import type { ModelInfo } from '../api/types'
import { type PopulationComparison, points } from '../lib/audit'
import { classLabel } from '../lib/format'

interface Props {
  first: ModelInfo
  second: ModelInfo
  comparison: PopulationComparison
  races: string[]
}

function pct(value: number | undefined): string {
  return value === undefined ? '–' : (value * 100).toFixed(1)
}

/**
 * The audit's numbers behind the maps, one collapsible table per race: each region's share of the
 * attribution for both models with 95% intervals, their paired difference with its interval and the
 * corrected p-value; significant rows are marked. The test is between these two networks, with the
 * faces as the only noise: it does not say what the imbalance does (another training run differs too).
 */
export function PopulationStats({ first, second, comparison, races }: Props) {
  const regionsA = first.mean_attribution_regions ?? {}
  const regionsB = second.mean_attribution_regions ?? {}
  return (
    <div className="population-stats" data-testid="population-stats">
      <p className="muted">
        Shares are the mean percentage of a face&apos;s |IG| in each fixed region of the aligned face, with 95% bootstrap
        intervals; the difference is {second.display_name} minus {first.display_name} on the same faces. {comparison.test.charAt(0).toUpperCase() + comparison.test.slice(1)}.
        The difference maps above show only the cells whose difference is significant.
      </p>
      <p className="muted" data-testid="population-stats-scope">
        The test is between these two networks (faces as the only noise): it says where these two trained models differ
        on the same faces, not what the imbalance does.
      </p>
      {races.map((race) => {
        const entry = comparison.by_race[race]
        if (!entry) return null
        const significant = Object.values(entry.regions).filter((r) => r.significant).length
        return (
          <details key={race} data-testid="population-stats-race" data-race={race}>
            <summary>
              {classLabel(race)} ({entry.n} faces): {significant ? `${significant} significant region${significant > 1 ? 's' : ''}` : 'no significant difference'}
            </summary>
            <table className="population-stats-table">
              <thead>
                <tr>
                  <th scope="col">Region</th>
                  <th scope="col">{first.display_name} %</th>
                  <th scope="col">{second.display_name} %</th>
                  <th scope="col">Difference (points, 95% CI)</th>
                  <th scope="col">p (corrected)</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(entry.regions).map(([region, r]) => {
                  const a = regionsA[race]?.[region]
                  const b = regionsB[race]?.[region]
                  return (
                    <tr key={region} className={r.significant ? 'significant' : undefined}>
                      <th scope="row">{region}</th>
                      <td data-label={`${first.display_name} %`}>
                        {pct(a?.share)} [{pct(a?.ci_low)}, {pct(a?.ci_high)}]
                      </td>
                      <td data-label={`${second.display_name} %`}>
                        {pct(b?.share)} [{pct(b?.ci_low)}, {pct(b?.ci_high)}]
                      </td>
                      <td data-label="Difference (points, 95% CI)">
                        {points(r.difference)} [{points(r.ci_low)}, {points(r.ci_high)}]
                      </td>
                      <td data-label="p (corrected)">
                        {r.p_adjusted == null ? '–' : r.p_adjusted < 0.001 ? '< 0.001' : r.p_adjusted.toFixed(3)}
                        {r.significant ? ' *' : ''}
                      </td>
                    </tr>
                  )
                })}
              </tbody>
            </table>
          </details>
        )
      })}
    </div>
  )
}
