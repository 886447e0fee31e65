import type { ModelInfo } from '../api/types'

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

/** The bootstrap interval (95% by default in the evaluation) and size of each race's test set, where recorded. */
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
