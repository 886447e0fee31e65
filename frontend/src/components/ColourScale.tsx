// The colour maps the service draws with (facexai.explain.render: inferno for |IG|, jet for
// Grad-CAM, RdBu_r for signed IG). The heatmaps' alpha also grows with the value, so low values
// fade into the face.
export type ColourMap = 'inferno' | 'jet' | 'RdBu_r'

const STOPS: Record<ColourMap, string[]> = {
  inferno: ['#000004', '#420a68', '#932667', '#dd513a', '#fca50a', '#fcffa4'],
  jet: ['#00007f', '#0000ff', '#007fff', '#00ffff', '#7fff7f', '#ffff00', '#ff7f00', '#ff0000', '#7f0000'],
  RdBu_r: ['#053061', '#2166ac', '#4393c3', '#92c5de', '#f7f7f7', '#f4a582', '#d6604d', '#b2182b', '#67001f'],
}

interface Props {
  map: ColourMap
  low: string
  high: string
  label: string
}

export function ColourScale({ map, low, high, label }: Props) {
  return (
    <figure className="colour-scale" aria-label={`${label}: from ${low} to ${high}`} data-testid="colour-scale">
      <span className="colour-scale-end">{low}</span>
      <span
        className="colour-scale-bar"
        aria-hidden="true"
        style={{ background: `linear-gradient(to right, ${STOPS[map].join(', ')})` }}
      />
      <span className="colour-scale-end">{high}</span>
    </figure>
  )
}
