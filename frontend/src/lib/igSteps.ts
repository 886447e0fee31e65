/**
 * The steps to ask for when an Integrated Gradients result was not accurate enough: twice as many,
 * at most the service's maximum (GET /models's ig_max_steps, a run-time setting); undefined when it already
 * used the maximum.
 */
export function moreSteps(steps: number, maximum: number): number | undefined {
  if (!Number.isFinite(steps) || steps >= maximum) return undefined
  return Math.min(Math.max(2, Math.round(steps) * 2), maximum)
}

/** Below this change of the explained probability from the black image to the face, the relative
 *  completeness error divides by almost nothing: it is large even for an accurate map. */
export const SMALL_PROBABILITY_CHANGE = 0.05

/** Whether IG explained a probability that hardly changes along its path (F(x) ≈ F(baseline)). */
export function changeTooSmall(ig: { output: string; score_input: number; score_baseline: number }): boolean {
  return ig.output === 'probability' && Math.abs(ig.score_input - ig.score_baseline) < SMALL_PROBABILITY_CHANGE
}
