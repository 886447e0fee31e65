import { describe, expect, it } from 'vitest'
import { difference, differencePixels, intensities, mean, populationSentence, ratio, type RaceFigures } from './population'

const rgba = (...pixels: number[][]) => ({ width: pixels.length, height: 1, data: new Uint8ClampedArray(pixels.flat()) })

describe('population maps', () => {
  it('reads a heatmap’s value from its alpha and an opaque picture’s from its brightness', () => {
    expect([...intensities(rgba([255, 0, 0, 0], [0, 0, 0, 255], [10, 20, 30, 51]))].map((v) => +v.toFixed(3))).toEqual([0, 1, 0.2])
    expect([...intensities(rgba([0, 0, 0, 255], [255, 255, 255, 255]))].map((v) => +v.toFixed(3))).toEqual([0, 1])
  })

  it('subtracts pixel by pixel, second minus first, clipped to [-1, 1]', () => {
    const d = difference(new Float32Array([0.2, 0.8, 0]), new Float32Array([0.5, 0.3, 1]))
    expect([...d].map((v) => +v.toFixed(3))).toEqual([0.3, -0.5, 1])
    expect(() => difference(new Float32Array(2), new Float32Array(3))).toThrow(/different sizes/)
    expect(mean([0.25, 0.75])).toBe(0.5)
    expect(mean([])).toBe(0)
  })

  it('draws the difference white where equal, red where the second is higher, blue where the first is', () => {
    const { data } = differencePixels(new Float32Array([0, 1, -1]), 3, 1)
    expect([...data.slice(0, 4)]).toEqual([255, 255, 255, 255])
    expect([...data.slice(4, 8)]).toEqual([178, 24, 43, 255])
    expect([...data.slice(8, 12)]).toEqual([33, 102, 172, 255])
  })

  const row = (race: string, first: number, second: number, change = Math.abs(second - first)): RaceFigures => ({ race, first, second, change })

  it('names the races the biased map differs most and least for, and where it is clearly weaker', () => {
    const rows = [row('White', 0.3, 0.31), row('Black', 0.3, 0.12, 0.2), row('Latino_Hispanic', 0.3, 0.25), row('Indian', 0.3, 0.2)]
    expect(ratio(rows[1])).toBeCloseTo(0.4)
    expect(populationSentence(rows, 'Race', 'Race (biased training)')).toBe(
      "Race (biased training)'s mean map differs most from Race's for Black faces and Indian faces, and least for White faces. " +
        "Next to Race's, it is weakest for Black faces (0.40× as strong) and Indian faces (0.67× as strong).",
    )
  })

  it('says only where the maps differ when their strengths match, with class names as people read them', () => {
    const rows = [row('White', 0.3, 0.31, 0.01), row('Latino_Hispanic', 0.3, 0.29, 0.05), row('Indian', 0.3, 0.3, 0.02)]
    expect(populationSentence(rows, 'A', 'B')).toBe("B's mean map differs most from A's for Latino/Hispanic faces and Indian faces, and least for White faces.")
    expect(populationSentence([row('East Asian', 0.1, 0.3)], 'A', 'B')).toBe("B's mean map differs most from A's for East Asian faces.")
    expect(populationSentence([row('White', 0.3, 0.3, 0.1), row('Black', 0.3, 0.3, 0.2)], 'A', 'B')).toBe("B's mean map differs most from A's for Black faces.")
    expect(populationSentence([], 'A', 'B')).toBe('')
  })
})
