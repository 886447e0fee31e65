import { describe, expect, it } from 'vitest'
import { changeTooSmall, moreSteps } from './igSteps'

describe('moreSteps', () => {
  it('doubles the steps, capped at the maximum the service says', () => {
    expect(moreSteps(32, 256)).toBe(64)
    expect(moreSteps(64, 256)).toBe(128)
    expect(moreSteps(200, 256)).toBe(256)
    expect(moreSteps(256, 256)).toBeUndefined()
    expect(moreSteps(32, 40)).toBe(40) // FACEXAI_IG_MAX_STEPS=40: never the build's 256
    expect(moreSteps(40, 40)).toBeUndefined()
    expect(moreSteps(1, 256)).toBe(2)
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
