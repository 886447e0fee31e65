import { scaleGradient, type ColourMap } from '../lib/scales'

interface Props {
  map: ColourMap
  low: string
  high: string
  /** what the bar is, for screen readers */
  label: string
  /** what the numbers are, shown under the bar (unit and scale) */
  caption?: string
  /** what the maps are drawn over, seen where they are transparent (default: a grey for the face) */
  over?: string
}

export function ColourScale({ map, low, high, label, caption, over }: Props) {
  return (
    <figure
      className="colour-scale"
      aria-label={`${label}: from ${low} to ${high}${caption ? `; ${caption}` : ''}`}
      data-testid="colour-scale"
    >
      <span className="colour-scale-row">
        <span className="colour-scale-end">{low}</span>
        <span className="colour-scale-bar" aria-hidden="true" style={{ backgroundImage: scaleGradient(map), ...(over ? { backgroundColor: over } : {}) }} />
        <span className="colour-scale-end">{high}</span>
      </span>
      {caption && (
        <figcaption className="colour-scale-caption" data-testid="colour-scale-caption">
          {caption}
        </figcaption>
      )}
    </figure>
  )
}
