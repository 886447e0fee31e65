import type { ModelInfo } from '../api/types'
import { classLabel } from './format'

/** Per-category figures with their intervals, as the accuracy chart draws them. */
interface WithIntervals {
  intervals?: Record<string, Interval>
}

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value)

/** `accuracy_by_race` as {race: accuracy}, or undefined when the bundle has none (untrained models). */
export function accuracyByRace(model: ModelInfo | undefined): Record<string, number> | undefined {
  const value = model?.metrics?.accuracy_by_race
  if (!value || typeof value !== 'object') return undefined
  const entries = Object.entries(value as Record<string, unknown>).filter((entry): entry is [string, number] =>
    finite(entry[1]),
  )
  return entries.length ? Object.fromEntries(entries) : undefined
}

export interface Interval {
  low: number
  high: number
  n?: number
}

/** The Wilson interval (95% by default in the evaluation) and size of each race's test set, where recorded. */
export function accuracyIntervals(model: ModelInfo | undefined): Record<string, Interval> | undefined {
  const value = model?.metrics?.accuracy_by_race_detail
  if (!value || typeof value !== 'object') return undefined
  const out: Record<string, Interval> = {}
  for (const [race, detail] of Object.entries(value as Record<string, unknown>)) {
    if (!detail || typeof detail !== 'object') continue
    const { ci_low, ci_high, n } = detail as Record<string, unknown>
    if (finite(ci_low) && finite(ci_high)) out[race] = { low: ci_low, high: ci_high, ...(finite(n) ? { n } : {}) }
  }
  return Object.keys(out).length ? out : undefined
}

/** Accuracies, F1 and recalls read best as percentages; losses and counts do not. */
export function isRate(key: string): boolean {
  return /accuracy|f1|recall|precision|rate/i.test(key) && !/loss/i.test(key)
}

/** How many faces each category's figures rest on, when every series that says so agrees. */
export function facesOf(series: WithIntervals[], category: string): number | undefined {
  const counts = new Set(series.flatMap((s) => (s.intervals?.[category]?.n !== undefined ? [s.intervals[category].n] : [])))
  return counts.size === 1 ? [...counts][0] : undefined
}

/**
 * The faces both race models are measured on, as the figures say: the validation set is not balanced
 * across races, so say how many faces each race has rather than claim it is.
 */
export function evaluatedFaces(race: ModelInfo | undefined, series: WithIntervals[]): string {
  const total = race?.metrics?.val_n
  const counts = Object.entries(series[0]?.intervals ?? {}).flatMap(([name, interval]) =>
    interval.n !== undefined ? [[name, interval.n] as const] : [],
  )
  const faces = typeof total === 'number' ? `${total.toLocaleString('en')} validation faces` : 'validation faces'
  if (counts.length < 2) return faces
  const [fewest, most] = [counts.reduce((a, b) => (b[1] < a[1] ? b : a)), counts.reduce((a, b) => (b[1] > a[1] ? b : a))]
  if (fewest[1] === most[1]) return `${faces}, ${most[1]} of each race`
  return `${faces}, which are not balanced across races: from ${fewest[1]} (${classLabel(fewest[0])}) to ${most[1]} (${classLabel(most[0])}) per race (written beside each race)`
}
