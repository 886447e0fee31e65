import type { ModelInfo } from '../api/types'

/** `accuracy_by_race` as {race: accuracy}, or undefined when the bundle has none (untrained models). */
export function accuracyByRace(model: ModelInfo | undefined): Record<string, number> | undefined {
  const value = model?.metrics?.accuracy_by_race
  if (!value || typeof value !== 'object') return undefined
  const entries = Object.entries(value as Record<string, unknown>).filter(
    (entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1]),
  )
  return entries.length ? Object.fromEntries(entries) : undefined
}
