import { describe, expect, it } from 'vitest'
import { face } from '../test/fixtures'
import { faceSummary, isSmallFace, largestFace, SMALL_FACE_PX } from './faces'
import { cardForReaders, classLabel, panelOrder } from './format'

const boxed = (index: number, left: number, width: number, height = width) =>
  face(index, { left, top: 10, right: left + width, bottom: 10 + height })

describe('faces', () => {
  it('chooses the largest face first, the first of equals', () => {
    expect(largestFace([boxed(0, 0, 40), boxed(1, 100, 90), boxed(2, 300, 60)])).toBe(1)
    expect(largestFace([boxed(0, 0, 50), boxed(1, 100, 50)])).toBe(0)
    expect(largestFace([])).toBe(0)
  })

  it('warns about faces under 60 px wide in the photo', () => {
    expect(SMALL_FACE_PX).toBe(60)
    expect(isSmallFace(boxed(0, 0, 59, 200))).toBe(true)
    expect(isSmallFace(boxed(0, 0, 60, 20))).toBe(false)
  })

  it('sums a face up by its top gender, age and race', () => {
    const f = face(0)
    f.predictions.race = { ...f.predictions.race, label: 'Latino_Hispanic' }
    expect(faceSummary(f)).toBe('Female · 30-39 · Latino/Hispanic')
  })
})

describe('labels, panels and cards for people', () => {
  it('writes class labels without underscores', () => {
    expect(classLabel('Latino_Hispanic')).toBe('Latino/Hispanic')
    expect(classLabel('Middle Eastern')).toBe('Middle Eastern')
    expect(classLabel('more_than 70')).toBe('more than 70')
    expect(classLabel('20-29')).toBe('20-29')
  })

  it('puts the biased race model right after the balanced one', () => {
    expect(panelOrder(['race', 'gender', 'age', 'race_biased'])).toEqual(['race', 'race_biased', 'gender', 'age'])
    expect(panelOrder(['age', 'gender'])).toEqual(['age', 'gender'])
    expect(panelOrder(['gender', 'race_biased'])).toEqual(['gender', 'race_biased'])
  })

  it('drops a card’s own title and its internal notes', () => {
    const card = '# Model card: `race_biased`\n\nIntro.\n\n- trained for issue 9 in 2 hours\n- input 150 px'
    expect(cardForReaders(card)).toBe('Intro.\n\n- input 150 px')
  })
})
