// A comparison's strength figures (model -> mean of its map on the shared scale) in plain words.

/**
 * `strengthRatio`: strengths closer than this factor are "about as strong", the service's summary's
 * own threshold (GET /models `rules.strength_ratio`); until the service has said it, only the figures.
 */
export function strengthWords(
  strength: Record<string, number>,
  models: readonly [string, string],
  name: (model: string) => string,
  strengthRatio: number | undefined,
): string {
  const [a, b] = models
  const [sa, sb] = [strength[a] ?? 0, strength[b] ?? 0]
  const figures = `mean on the shared scale: ${name(a)} ${sa.toFixed(3)}, ${name(b)} ${sb.toFixed(3)}`
  if (sa <= 0 && sb <= 0) return 'Both maps are empty.'
  if (sa <= 0 || sb <= 0) return `${name(sa <= 0 ? a : b)}'s map is empty (${figures}).`
  if (strengthRatio === undefined) return `${figures.charAt(0).toUpperCase()}${figures.slice(1)}.`
  const ratio = Math.max(sa, sb) / Math.min(sa, sb)
  if (ratio < strengthRatio) return `The two maps are about as strong (${figures}).`
  const [weak, strong] = sa < sb ? [a, b] : [b, a]
  return `${name(weak)}'s map is ${ratio.toFixed(1)}× weaker than ${name(strong)}'s (${figures}).`
}
