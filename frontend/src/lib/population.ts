// The population maps of the models page: how strongly each race model attends, on average, to the
// faces of each race, and where the biased model's mean map differs from the balanced one's. The
// service sends the maps as PNGs on one shared scale; the difference and the figures are read from
// their pixels here (an RGBA heatmap carries the value in its alpha, an opaque picture in its brightness).
import { classLabel } from './format'
import { loadImage, pngDataUrl } from './images'

export interface Pixels {
  width: number
  height: number
  /** RGBA, 4 bytes a pixel, as ImageData.data */
  data: Uint8ClampedArray
}

/** Each pixel's value in [0, 1]: alpha where the picture is transparent anywhere (a heatmap), else luminance. */
export function intensities({ data }: Pixels): Float32Array {
  const n = data.length / 4
  const out = new Float32Array(n)
  let transparent = false
  for (let i = 0; i < n; i++) if (data[i * 4 + 3] < 255) transparent = true
  for (let i = 0; i < n; i++) {
    const [r, g, b, a] = [data[i * 4], data[i * 4 + 1], data[i * 4 + 2], data[i * 4 + 3]]
    out[i] = transparent ? a / 255 : (0.2126 * r + 0.7152 * g + 0.0722 * b) / 255
  }
  return out
}

export function mean(values: ArrayLike<number>): number {
  let sum = 0
  for (let i = 0; i < values.length; i++) sum += values[i]
  return values.length ? sum / values.length : 0
}

/** second − first, pixel by pixel, in [-1, 1] (the two are on one scale and of one size). */
export function difference(first: Float32Array, second: Float32Array): Float32Array {
  if (first.length !== second.length) throw new Error(`maps of different sizes: ${first.length} and ${second.length} pixels`)
  return second.map((value, i) => Math.max(-1, Math.min(1, value - first[i])))
}

/**
 * A difference as a picture, white where the two agree: red where the second is higher, blue where
 * the first is (the colours of the comparison's difference map).
 */
export function differencePixels(diff: Float32Array, width: number, height: number): Pixels {
  const data = new Uint8ClampedArray(width * height * 4)
  const red = [178, 24, 43]
  const blue = [33, 102, 172]
  diff.forEach((d, i) => {
    const colour = d >= 0 ? red : blue
    const t = Math.min(1, Math.abs(d))
    for (let c = 0; c < 3; c++) data[i * 4 + c] = Math.round(255 + (colour[c] - 255) * t)
    data[i * 4 + 3] = 255
  })
  return { width, height, data }
}

export interface RaceFigures {
  race: string
  /** mean value of the first (balanced) model's map for faces of this race */
  first: number
  /** the same for the second (biased) model */
  second: number
  /** mean |second − first| over the pixels */
  change: number
}

/** second / first, or undefined where the first map is empty */
export function ratio(row: RaceFigures): number | undefined {
  return row.first > 0 ? row.second / row.first : undefined
}

/** Strength ratios closer to 1 than this are "about as strong". */
export const SAME_STRENGTH = 0.1

function list(items: string[]): string {
  if (items.length <= 1) return items.join('')
  return `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`
}

/**
 * The largest differences in plain words: for which races the biased model's mean map differs most
 * from the balanced model's (and least), and, where one is clearly weaker, for which races it is
 * weakest. (The service normalises each face's map, so the strengths are usually alike: then only
 * where the maps differ is said.)
 */
export function populationSentence(rows: RaceFigures[], first: string, second: string): string {
  if (!rows.length) return ''
  const faces = (race: string) => `${classLabel(race)} faces`
  const byChange = [...rows].sort((a, b) => b.change - a.change)
  const most = byChange.slice(0, Math.min(2, rows.length - 1) || 1).map((row) => faces(row.race))
  const least = rows.length > 2 ? `, and least for ${faces(byChange[byChange.length - 1].race)}` : ''
  const differs = `${second}'s mean map differs most from ${first}'s for ${list(most)}${least}.`
  const weaker = rows
    .flatMap((row) => {
      const r = ratio(row)
      return r !== undefined && r < 1 - SAME_STRENGTH ? [{ row, r }] : []
    })
    .sort((a, b) => a.r - b.r)
  if (!weaker.length) return differs
  const named = weaker.slice(0, 2).map(({ row, r }) => `${faces(row.race)} (${r.toFixed(2)}× as strong)`)
  return `${differs} Next to ${first}'s, it is weakest for ${list(named)}.`
}

// ---- decoding in the browser (canvas); the functions above are plain arithmetic

/** A base64 PNG's pixels, drawn at `size` (default its own). */
export async function decodePng(base64: string, size?: { width: number; height: number }): Promise<Pixels> {
  const image = await loadImage(pngDataUrl(base64))
  const width = size?.width ?? image.naturalWidth
  const height = size?.height ?? image.naturalHeight
  const canvas = document.createElement('canvas')
  canvas.width = width
  canvas.height = height
  const context = canvas.getContext('2d', { willReadFrequently: true })
  if (!context) throw new Error('no 2d canvas')
  context.drawImage(image, 0, 0, width, height)
  return { width, height, data: context.getImageData(0, 0, width, height).data }
}

export function pixelsToDataUrl({ width, height, data }: Pixels): string {
  const canvas = document.createElement('canvas')
  canvas.width = width
  canvas.height = height
  const context = canvas.getContext('2d')
  if (!context) throw new Error('no 2d canvas')
  context.putImageData(new ImageData(new Uint8ClampedArray(data), width, height), 0, 0)
  return canvas.toDataURL('image/png')
}

export interface PairFigures {
  first: number
  second: number
  change: number
  /** the difference map, a data: URL */
  differenceUrl: string
}

/** Two maps on one scale: their mean values, how much they differ and the difference as a picture. */
export async function comparePngs(first: string, second: string): Promise<PairFigures> {
  const a = await decodePng(first)
  const b = await decodePng(second, { width: a.width, height: a.height })
  const [ia, ib] = [intensities(a), intensities(b)]
  const diff = difference(ia, ib)
  let change = 0
  for (const d of diff) change += Math.abs(d)
  return {
    first: mean(ia),
    second: mean(ib),
    change: diff.length ? change / diff.length : 0,
    differenceUrl: pixelsToDataUrl(differencePixels(diff, a.width, a.height)),
  }
}
