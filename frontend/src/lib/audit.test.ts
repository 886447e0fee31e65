import { describe, expect, it } from 'vitest'
import { auditSentence, findings, points, type PopulationComparison } from './audit'

function region(difference: number, significant: boolean) {
  return { difference, ci_low: difference - 0.01, ci_high: difference + 0.01, p_value: 0.01, p_adjusted: significant ? 0.02 : 0.4, significant }
}

const none: PopulationComparison = {
  partner: 'race',
  test: 'paired permutation test',
  correction: 'holm',
  tests: 14,
  summary: '',
  by_race: {
    White: { n: 200, significant_cells: 0, regions: { mouth: region(0.02, false), nose: region(-0.01, false) } },
    Indian: { n: 200, significant_cells: 0, regions: { mouth: region(0.03, false), nose: region(0.0, false) } },
  },
}

describe('auditSentence', () => {
  it('says plainly when no difference is significant, however large it looks', () => {
    const s = auditSentence(none, 'Race', 'Race (biased)')
    expect(s).toMatch(/^No significant difference/)
    expect(s).toContain('200 faces per race, 14 paired permutation tests, Holm-corrected')
    expect(s).not.toContain('mouth')
  })

  it('names only the significant differences, largest first, with size and interval', () => {
    const some: PopulationComparison = {
      ...none,
      by_race: {
        ...none.by_race,
        Indian: { n: 200, significant_cells: 12, regions: { mouth: region(0.031, true), nose: region(-0.05, false) } },
        White: { n: 200, significant_cells: 3, regions: { mouth: region(-0.042, true), nose: region(0.0, false) } },
      },
    }
    expect(findings(some).map((f) => f.race)).toEqual(['White', 'Indian'])
    const s = auditSentence(some, 'Race', 'Race (biased)')
    expect(s).toContain('On White faces Race (biased) puts 4.2 points less on the mouth (95% CI −5.2 to −3.2)')
    expect(s).toContain('on Indian faces Race (biased) puts 3.1 points more on the mouth (95% CI +2.1 to +4.1)')
    expect(s).not.toContain('nose')
    expect(s).toContain('No other region or race differs significantly')
  })

  it('writes points with their sign', () => {
    expect(points(0.0123)).toBe('+1.2')
    expect(points(-0.005)).toBe('−0.5')
  })
})

describe('auditSentence with many significant differences', () => {
  it('names the five largest and counts the rest', () => {
    const regions = Object.fromEntries(
      [0.05, 0.04, 0.03, 0.02, 0.015, 0.01, 0.005].map((d, i) => [`region ${i}`, { difference: d, ci_low: d / 2, ci_high: d * 1.5, p_value: 0.001, p_adjusted: 0.01, significant: true }]),
    )
    const many: PopulationComparison = { ...none, by_race: { White: { n: 200, significant_cells: 50, regions } } }
    const s = auditSentence(many, 'Race', 'Race (biased)')
    expect(s).toContain('on the region 4 (95% CI')
    expect(s).not.toContain('region 5 (')
    expect(s).toContain('2 smaller significant differences, none above 1.0 points, are in the table below')
  })
})
