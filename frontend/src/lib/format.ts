export function percent(p: number, digits = 1): string {
  return `${(p * 100).toFixed(digits)}%`
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
