import { describe, expect, it } from 'vitest'
import { igStepsRange } from '../api/schema'
import { moreSteps } from './igSteps'

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
