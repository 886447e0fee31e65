import { describe, expect, it } from 'vitest'
import { decimal, percent } from './format'

describe('format', () => {
  it('writes fractions as percentages and says n/a for what the JSON could not carry', () => {
    expect(percent(0.1234)).toBe('12.3%')
    expect(percent(0.1234, 2)).toBe('12.34%')
    expect(percent(null)).toBe('n/a')
    expect(percent(Number.NaN)).toBe('n/a')
    expect(decimal(-0.419)).toBe('-0.42')
    expect(decimal(undefined)).toBe('n/a')
  })
})
