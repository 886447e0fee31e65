import { describe, expect, it } from 'vitest'
import { modelInfo, modelsResponse } from '../test/fixtures'
import { methodSanity, modelSanity } from '../test/sanityFixtures'
import { curvePoints, sanityFor, sanityOf, sanityWarning, similarityText } from './sanity'

describe('sanity', () => {
  it('finds a model’s result per method, and nothing for a model without one', () => {
    const race = { ...modelInfo('race'), sanity: modelSanity() }
    const response = modelsResponse([race, modelInfo('gender')])
    expect(sanityOf(race, 'integrated_gradients')?.passes).toBe(true)
    expect(sanityFor(response, 'race', 'grad_cam')?.passes).toBe(false)
    expect(sanityFor(response, 'gender', 'grad_cam')).toBeUndefined()
    expect(sanityFor(undefined, 'race', 'grad_cam')).toBeUndefined()
  })

  it('draws the curve from the trained model (1) through each cascading step', () => {
    const points = curvePoints(methodSanity(true))
    expect(points.map((p) => p.label)).toEqual(['trained', 'head', '+conv28-29', '+conv22-27'])
    expect(points[0].spearman.mean).toBe(1)
    expect(points[3].spearman.mean).toBeCloseTo(0.05)
  })

  it('warns only where a method fails, with the rank correlation after every block is random', () => {
    expect(sanityWarning(methodSanity(true), 'Grad-CAM')).toBeUndefined()
    expect(sanityWarning(undefined, 'Grad-CAM')).toBeUndefined()
    expect(sanityWarning(methodSanity(false), 'Grad-CAM')).toContain('rank correlation 0.88 (0.84–0.92)')
    expect(similarityText({ mean: 0.123, ci_low: 0.081, ci_high: 0.164 })).toBe('0.12 (0.08–0.16)')
    const classBlind = { ...methodSanity(true), random_logit_passes: false }
    expect(sanityWarning(classBlind, 'Integrated Gradients')).toMatch(/^Careful: its Integrated Gradients map of another class/)
    expect(sanityWarning({ ...methodSanity(false), random_logit_passes: false }, 'Grad-CAM')).toContain('And its Grad-CAM map')
    const twoClasses = { ...methodSanity(true), random_logit_passes: false, random_logit: { ...classBlind.random_logit, spearman: { mean: 1, ci_low: 1, ci_high: 1 } } }
    expect(sanityWarning(twoClasses, 'Integrated Gradients', 2)).toContain('this map with its sign flipped')
    expect(sanityWarning(twoClasses, 'Integrated Gradients', 7)).toContain('for which class')
  })
})
