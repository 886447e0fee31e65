// The audit's population statistics (GET /models, mean_attribution_comparison and
// mean_attribution_regions, made by `facexai audit`) in words and table rows. Plain arithmetic.
import type { components } from '../api/schema'
import { classLabel } from './format'

export type PopulationComparison = components['schemas']['PopulationComparison']
export type RegionShare = components['schemas']['PopulationRegionShare']
export type RegionDifference = components['schemas']['PopulationRegionDifference']

export interface Finding {
  race: string
  region: string
  difference: number
  ci_low: number
  ci_high: number
  p_adjusted: number | null | undefined
}

/** The sentence names this many significant differences, the largest, and counts the rest. */
export const NAMED = 5

/** The significant region differences, largest first. */
export function findings(comparison: PopulationComparison): Finding[] {
  return Object.entries(comparison.by_race)
    .flatMap(([race, entry]) =>
      Object.entries(entry.regions)
        .filter(([, r]) => r.significant)
        .map(([region, r]) => ({ race, region, difference: r.difference, ci_low: r.ci_low, ci_high: r.ci_high, p_adjusted: r.p_adjusted })),
    )
    .sort((a, b) => Math.abs(b.difference) - Math.abs(a.difference))
}

/** Points of attribution share, signed: 0.0123 -> "+1.2". */
export function points(value: number): string {
  const p = value * 100
  return `${p >= 0 ? '+' : '−'}${Math.abs(p).toFixed(1)}`
}

function facesPerRace(comparison: PopulationComparison): string {
  const ns = Object.values(comparison.by_race).map((e) => e.n)
  if (!ns.length) return '0'
  const lo = Math.min(...ns)
  const hi = Math.max(...ns)
  return lo === hi ? `${lo}` : `${lo}–${hi}`
}

/**
 * The finding in plain words: only the significant differences, each with its size and 95% interval
 * (in points of attribution share); when there is none, that is said plainly.
 */
export function auditSentence(comparison: PopulationComparison, first: string, second: string): string {
  const found = findings(comparison)
  const basis = `${facesPerRace(comparison)} faces per race, ${comparison.tests} paired permutation tests, ${
    comparison.correction === 'holm' ? 'Holm' : 'Benjamini–Hochberg'
  }-corrected`
  if (!found.length) {
    return `No significant difference: for no race does ${second} put a different share of its attribution on any face region than ${first} (${basis}).`
  }
  const named = found.slice(0, NAMED)
  const rest = found.slice(NAMED)
  const parts = named.map(
    (f) =>
      `on ${classLabel(f.race)} faces ${second} puts ${Math.abs(f.difference * 100).toFixed(1)} points ${
        f.difference > 0 ? 'more' : 'less'
      } on the ${f.region} (95% CI ${points(f.ci_low)} to ${points(f.ci_high)})`,
  )
  if (rest.length)
    parts.push(
      `${rest.length} smaller significant difference${rest.length > 1 ? 's' : ''}, none above ${Math.abs(rest[0].difference * 100).toFixed(1)} points, ${
        rest.length > 1 ? 'are' : 'is'
      } in the table below`,
    )
  const first_ = parts[0].charAt(0).toUpperCase() + parts[0].slice(1)
  return `${[first_, ...parts.slice(1)].join('; ')}. No other region or race differs significantly (${basis}).`
}
