import { describe, expect, it } from 'vitest'
import { alphaRamp, mapUnit, scaleEnd, scaleGradient, sharedScaleCaption } from './scales'

describe('colour scales in words', () => {
  it('names the unit of each method, IG in the output it integrated', () => {
    expect(mapUnit('integrated_gradients')).toBe('|IG attribution| per pixel, in probability')
    expect(mapUnit('integrated_gradients', 'logit')).toBe('|IG attribution| per pixel, in logit')
    expect(mapUnit('grad_cam')).toBe('Grad-CAM evidence (no unit)')
    expect(sharedScaleCaption('integrated_gradients')).toMatch(/99th percentile of the maps together/)
  })

  it('writes a scale end with three significant digits', () => {
    expect(scaleEnd(0.011804)).toBe('0.0118')
    expect(scaleEnd(12.3456)).toBe('12.3')
    expect(scaleEnd(Number.NaN)).toBe('n/a')
  })

  it('draws the bar as the service does: transparent under 15% of the scale, opaque from 60%', () => {
    expect(alphaRamp(0.1)).toBe(0)
    expect(alphaRamp(0.15)).toBe(0)
    expect(alphaRamp(0.6)).toBe(1)
    expect(alphaRamp(-0.9)).toBe(1)
    expect(alphaRamp(0.375)).toBeCloseTo(0.5, 6)
    const inferno = scaleGradient('inferno', 3)
    expect(inferno).toMatch(/^linear-gradient\(to right, rgba\(0, 0, 4, 0\.000\), .*, rgba\(252, 255, 164, 1\.000\)\)$/)
    // diverging: transparent in the middle, opaque at both ends
    expect(scaleGradient('RdBu_r', 3)).toMatch(/rgba\(5, 48, 97, 1\.000\), rgba\(247, 247, 247, 0\.000\), rgba\(103, 0, 31, 1\.000\)/)
  })
})
