import { describe, expect, it } from 'vitest'
import { face } from '../test/fixtures'
import { faceSummary, isSmallFace, largestFace, SMALL_FACE_PX } from './faces'
import { cardForReaders, classLabel, comparedPair, pairChoices, panelOrder, type Servable } from './format'

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

  it('puts the compared pair first, side by side, the other models after in the service’s order', () => {
    const pair = ['race', 'race_biased']
    expect(panelOrder(['race', 'gender', 'age', 'race_biased'], pair)).toEqual(['race', 'race_biased', 'gender', 'age'])
    expect(panelOrder(['age', 'gender', 'race', 'race_biased'], pair)).toEqual(['race', 'race_biased', 'age', 'gender'])
    expect(panelOrder(['age', 'gender'], pair)).toEqual(['age', 'gender'])
    expect(panelOrder(['gender', 'race_biased'], pair)).toEqual(['gender', 'race_biased'])
    const served = ['race', 'gender', 'age', 'race_biased', 'race_control']
    expect(panelOrder(served, ['race_control', 'race_biased'])).toEqual(['race_control', 'race_biased', 'race', 'gender', 'age'])
    expect(panelOrder(served, undefined)).toEqual(served)
  })

  it('compares GET /models’s compare_default, and nothing before it has answered or where it names no pair', () => {
    expect(comparedPair(['race_control', 'race_biased'])).toEqual(['race_control', 'race_biased'])
    expect(comparedPair(undefined)).toBeUndefined() // GET /models not answered: no guess at a pair
    expect(comparedPair(null)).toBeUndefined()
    expect(comparedPair([])).toBeUndefined()
    expect(comparedPair(['race', 'race'])).toBeUndefined()
  })

  it('offers first every analysed model with a partner of its task, second the first’s task, never the first itself', () => {
    const analysed = ['race', 'gender', 'age', 'race_biased', 'race_control', 'gender2']
    const served: Servable[] = [
      ...analysed.map((name) => ({ name, task: name.replace(/_.*|\d$/, ''), on_request: false })),
      { name: 'race_biased_2', task: 'race', on_request: true },
      { name: 'race_control_2', task: 'race', on_request: true },
    ]
    const firsts = ['race', 'gender', 'race_biased', 'race_control', 'gender2'] // age has no partner
    const choices = pairChoices(['race_control', 'race_biased'], analysed, served)
    expect(choices).toMatchObject({ first: firsts, second: ['race', 'race_biased', 'race_biased_2', 'race_control_2'] })
    // a first of another task brings a second of that task; one of the same task keeps the second
    expect(choices?.withFirst('gender')).toEqual(['gender', 'gender2'])
    expect(choices?.withFirst('race')).toEqual(['race', 'race_biased'])
    expect(choices?.withFirst('race_biased')).toEqual(['race_biased', 'race'])
    expect(pairChoices(['gender', 'gender2'], analysed, served)).toMatchObject({ first: firsts, second: ['gender2'] })
    // a choice whose task is unknown is listed; nothing is offered before GET /models answers
    expect(pairChoices(['race', 'mystery'], analysed, served)).toMatchObject({
      first: firsts,
      second: ['mystery', 'race_biased', 'race_control', 'race_biased_2', 'race_control_2'],
    })
    expect(pairChoices(['race', 'race_biased'], analysed, undefined)).toBeUndefined()
  })

  it('drops a card’s own title and its internal notes', () => {
    const card = '# Model card: `race_biased`\n\nIntro.\n\n- trained for issue 9 in 2 hours\n- input 150 px'
    expect(cardForReaders(card)).toBe('Intro.\n\n- input 150 px')
  })
})
