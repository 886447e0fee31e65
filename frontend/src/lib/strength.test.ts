import { describe, expect, it } from 'vitest'
import { modelTitle } from './format'
import { RULES } from '../test/fixtures'
import { strengthWords } from './strength'

const models = ['race', 'race_biased'] as const

describe('strengthWords', () => {
  it('says which map is weaker, by how much, with display names only', () => {
    expect(strengthWords({ race: 0.21, race_biased: 0.08 }, models, modelTitle, RULES.strength_ratio)).toBe(
      "Race (biased training)'s map is 2.6× weaker than Race's (mean on the shared scale: Race 0.210, Race (biased training) 0.080).",
    )
    expect(strengthWords({ race: 0.05, race_biased: 0.2 }, models, modelTitle, RULES.strength_ratio)).toMatch(/^Race's map is 4\.0× weaker than Race \(biased training\)'s/)
  })

  it('calls maps within a factor 1.5 about as strong, and names an empty one', () => {
    expect(strengthWords({ race: 0.2, race_biased: 0.15 }, models, modelTitle, RULES.strength_ratio)).toMatch(/^The two maps are about as strong \(/)
    expect(strengthWords({ race: 0, race_biased: 0.15 }, models, modelTitle, RULES.strength_ratio)).toMatch(/^Race's map is empty/)
    expect(strengthWords({}, models, modelTitle, RULES.strength_ratio)).toBe('Both maps are empty.')
    for (const text of [strengthWords({ race: 0.2, race_biased: 0.01 }, models, modelTitle, RULES.strength_ratio)]) expect(text).not.toMatch(/_/)
  })

  it('uses the threshold the service gives, and gives only the figures until it has', () => {
    expect(strengthWords({ race: 0.2, race_biased: 0.15 }, models, modelTitle, 1.2)).toMatch(/^Race \(biased training\)'s map is 1\.3× weaker/)
    expect(strengthWords({ race: 0.2, race_biased: 0.15 }, models, modelTitle, undefined)).toBe(
      'Mean on the shared scale: Race 0.200, Race (biased training) 0.150.',
    )
  })
})
