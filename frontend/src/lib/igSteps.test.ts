import { describe, expect, it } from 'vitest'
import { igStepsRange } from '../api/schema'
import { changeTooSmall, moreSteps } from './igSteps'

describe('moreSteps', () => {
  it('doubles the steps, capped at the maximum the OpenAPI schema declares', () => {
    expect(igStepsRange.maximum).toBe(256)
    expect(moreSteps(32)).toBe(64)
    expect(moreSteps(64)).toBe(128)
    expect(moreSteps(200)).toBe(256)
    expect(moreSteps(256)).toBeUndefined()
    expect(moreSteps(10, 16)).toBe(16)
    expect(moreSteps(1)).toBe(2)
  })
})

describe('changeTooSmall', () => {
  it('flags a probability that hardly moves from the black image to the face, never a logit', () => {
    expect(changeTooSmall({ output: 'probability', score_input: 0.52, score_baseline: 0.49 })).toBe(true)
    expect(changeTooSmall({ output: 'probability', score_input: 0.3, score_baseline: 0.33 })).toBe(true)
    expect(changeTooSmall({ output: 'probability', score_input: 0.9, score_baseline: 0.2 })).toBe(false)
    expect(changeTooSmall({ output: 'logit', score_input: 0.52, score_baseline: 0.49 })).toBe(false)
  })
})
