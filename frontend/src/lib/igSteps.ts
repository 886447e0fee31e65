import { igStepsRange } from '../api/schema'

/**
 * The steps to ask for when an Integrated Gradients result was not accurate enough: twice as many,
 * at most the service's declared maximum; undefined when it already used the maximum.
 */
export function moreSteps(steps: number, maximum: number = igStepsRange.maximum): number | undefined {
  if (!Number.isFinite(steps) || steps >= maximum) return undefined
  return Math.min(Math.max(2, Math.round(steps) * 2), maximum)
}
