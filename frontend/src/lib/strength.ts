// A comparison's strength figures (model -> mean of its map on the shared scale) in plain words.

/** Strengths closer than this factor are "about as strong" (the service's summary uses the same). */
export const STRENGTH_RATIO = 1.5

export function strengthWords(strength: Record<string, number>, models: readonly [string, string], name: (model: string) => string): string {
  const [a, b] = models
  const [sa, sb] = [strength[a] ?? 0, strength[b] ?? 0]
  const figures = `mean on the shared scale: ${name(a)} ${sa.toFixed(3)}, ${name(b)} ${sb.toFixed(3)}`
  if (sa <= 0 && sb <= 0) return 'Both maps are empty.'
  if (sa <= 0 || sb <= 0) return `${name(sa <= 0 ? a : b)}'s map is empty (${figures}).`
  const ratio = Math.max(sa, sb) / Math.min(sa, sb)
  if (ratio < STRENGTH_RATIO) return `The two maps are about as strong (${figures}).`
  const [weak, strong] = sa < sb ? [a, b] : [b, a]
  return `${name(weak)}'s map is ${ratio.toFixed(1)}× weaker than ${name(strong)}'s (${figures}).`
}
