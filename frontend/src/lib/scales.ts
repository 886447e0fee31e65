// What the numbers of a colour scale are, in words (facexai.explain.render and the API's
// descriptions): Integrated Gradients attributions are per input pixel, summed over the colour
// channels, in units of the explained output (probability unless asked for the logit), and add up
// to the output's change from the black image to the face; Grad-CAM has no unit.
import type { ExplainedOutput, Method } from '../api/types'

/** The unit of a method's map values, e.g. "|IG attribution| per pixel, in probability". */
export function mapUnit(method: Method, output: ExplainedOutput | undefined = 'probability'): string {
  if (method === 'grad_cam') return 'Grad-CAM evidence (no unit)'
  return `|IG attribution| per pixel, in ${output === 'logit' ? 'logit' : 'probability'}`
}

/** A shared scale's end, e.g. 0.011804 -> "0.0118". */
export function scaleEnd(value: number): string {
  return Number.isFinite(value) ? Number(value.toPrecision(3)).toString() : 'n/a'
}

/** The caption of a scale shared by several maps (every class of a model, or two models). */
export function sharedScaleCaption(method: Method, output?: ExplainedOutput): string {
  return method === 'grad_cam'
    ? `${mapUnit(method)}; one scale, up to the largest value of the maps`
    : `${mapUnit(method, output)}; one scale, up to the 99th percentile of the maps together (brighter values are clipped)`
}

// The colour maps the service draws with (facexai.explain.render: inferno for |IG|, jet for
// Grad-CAM, RdBu_r for signed IG), with the service's opacity ramp: a value under 15% of the
// scale is transparent, one from 60% on opaque (render.alpha_ramp), so the bar shows, as the
// maps do, that faint values leave the face as it is.
export type ColourMap = 'inferno' | 'jet' | 'RdBu_r'

const STOPS: Record<ColourMap, string[]> = {
  inferno: ['#000004', '#420a68', '#932667', '#dd513a', '#fca50a', '#fcffa4'],
  jet: ['#00007f', '#0000ff', '#007fff', '#00ffff', '#7fff7f', '#ffff00', '#ff7f00', '#ff0000', '#7f0000'],
  RdBu_r: ['#053061', '#2166ac', '#4393c3', '#92c5de', '#f7f7f7', '#f4a582', '#d6604d', '#b2182b', '#67001f'],
}

/** render.ALPHA_LOW and ALPHA_HIGH */
export const ALPHA_LOW = 0.15
export const ALPHA_HIGH = 0.6

/** The service's opacity of a value on [0, 1] (or [-1, 1]): render.alpha_ramp. */
export function alphaRamp(value: number): number {
  const t = Math.min(1, Math.max(0, (Math.abs(value) - ALPHA_LOW) / (ALPHA_HIGH - ALPHA_LOW)))
  return t * t * (3 - 2 * t)
}

function rgb(hex: string): [number, number, number] {
  return [1, 3, 5].map((i) => parseInt(hex.slice(i, i + 2), 16)) as [number, number, number]
}

/** The map's colour at t on [0, 1], with the opacity the service gives that value. */
function colourAt(map: ColourMap, t: number): string {
  const stops = STOPS[map]
  const x = t * (stops.length - 1)
  const i = Math.min(stops.length - 2, Math.floor(x))
  const [a, b] = [rgb(stops[i]), rgb(stops[i + 1])]
  const mix = a.map((v, k) => Math.round(v + (b[k] - v) * (x - i)))
  const value = map === 'RdBu_r' ? 2 * t - 1 : t
  return `rgba(${mix.join(', ')}, ${alphaRamp(value).toFixed(3)})`
}

/** CSS gradient of a colour map as the overlays draw it (transparent where the map is faint). */
export function scaleGradient(map: ColourMap, samples = 21): string {
  const colours = Array.from({ length: samples }, (_, i) => colourAt(map, i / (samples - 1)))
  return `linear-gradient(to right, ${colours.join(', ')})`
}

