/** A fraction as a percentage; 'n/a' for what is not a finite number (JSON turns NaN into null). */
export function percent(p: number | null | undefined, digits = 1): string {
  return typeof p === 'number' && Number.isFinite(p) ? `${(p * 100).toFixed(digits)}%` : 'n/a'
}

export function decimal(value: number | null | undefined, digits = 2): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : 'n/a'
}

/** Labels come from the manifest as written (e.g. "East Asian", "20-29"); model names as identifiers. */
export function modelTitle(name: string): string {
  const titles: Record<string, string> = {
    age: 'Age',
    gender: 'Gender',
    race: 'Race (balanced training)',
    race_biased: 'Race (biased training)',
  }
  return titles[name] ?? name.replace(/_/g, ' ')
}

export function isBiasedPair(models: readonly string[]): boolean {
  return models.includes('race') && models.includes('race_biased')
}
