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

describe('modelTitle', () => {
  it('derives a display name from a model id the way the backend does', async () => {
    const { modelTitle } = await import('./format')
    expect(modelTitle('race')).toBe('Race')
    expect(modelTitle('age')).toBe('Age')
    expect(modelTitle('race_biased')).toBe('Race (biased training)')
    expect(modelTitle('skin_tone')).toBe('Skin tone')
  })

  it('prefers the display names the service gave', async () => {
    const { displayNames } = await import('../hooks/modelNames')
    const name = displayNames({ race_biased: 'Race, skewed data' })
    expect(name('race_biased')).toBe('Race, skewed data')
    expect(name('gender')).toBe('Gender')
  })
})

describe('inModelOrder', () => {
  it('orders a class grid’s labels as the model lists them, unknown ones last', async () => {
    const { inModelOrder, classLabel } = await import('./format')
    expect(inModelOrder(['White', 'Black', 'Latino_Hispanic'], ['Latino_Hispanic', 'Other', 'White'])).toEqual(['White', 'Latino_Hispanic', 'Other'])
    expect(classLabel('Latino_Hispanic')).toBe('Latino/Hispanic')
    expect(classLabel('more than 70')).toBe('more than 70')
  })
})
