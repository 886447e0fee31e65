/** A fraction as a percentage; 'n/a' for what is not a finite number (JSON turns NaN into null). */
export function percent(p: number | null | undefined, digits = 1): string {
  return typeof p === 'number' && Number.isFinite(p) ? `${(p * 100).toFixed(digits)}%` : 'n/a'
}

export function decimal(value: number | null | undefined, digits = 2): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : 'n/a'
}

/**
 * A model's name for people when the service has not (yet) said its display name: the same rule as
 * the backend's default_display_name ("race" -> "Race", "race_biased" -> "Race (biased training)").
 */
export function modelTitle(name: string): string {
  const [base, ...rest] = name.split('_')
  const capital = (word: string) => word.charAt(0).toUpperCase() + word.slice(1)
  if (rest.join('_') === 'biased') return `${capital(base)} (biased training)`
  return capital(name.replace(/_/g, ' ').trim()) || name
}

export function isBiasedPair(models: readonly string[]): boolean {
  return models.includes('race') && models.includes('race_biased')
}
