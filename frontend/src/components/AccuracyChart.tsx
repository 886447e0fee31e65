import { useEffect, useId, useState } from 'react'
import { classLabel, percent } from '../lib/format'
import { facesOf, type Interval } from '../lib/metrics'

export interface Series {
  name: string
  values: Record<string, number>
  /** the uncertainty of each value, drawn as a whisker */
  intervals?: Record<string, Interval>
}

function describe(s: Series, category: string): string {
  if (!(category in s.values)) return `${s.name} n/a`
  const interval = s.intervals?.[category]
  const extra = interval
    ? ` (interval ${percent(interval.low)}–${percent(interval.high)}${interval.n !== undefined ? `, n=${interval.n}` : ''})`
    : ''
  return `${s.name} ${percent(s.values[category])}${extra}`
}

interface Props {
  series: Series[]
  title: string
}

const COLOURS = ['#2f6db5', '#d0642b', '#4a9a5b', '#8b5fb0']

/** True on a narrow screen (a phone), where the chart puts each race's name above its bars. */
const NARROW_CHART = '(max-width: 560px)'

function useNarrow(query: string): boolean {
  const [narrow, setNarrow] = useState(() => typeof window !== 'undefined' && !!window.matchMedia?.(query).matches)
  useEffect(() => {
    const list = window.matchMedia?.(query)
    if (!list) return
    const update = () => setNarrow(list.matches)
    update()
    list.addEventListener?.('change', update)
    return () => list.removeEventListener?.('change', update)
  }, [query])
  return narrow
}

/**
 * Grouped horizontal bars, one group per category (here: race), one bar per series (here: the race
 * models: race, its control, the biased model), with each category's number of faces written out (a touch screen
 * cannot hover). Plain SVG: it scales with the page and needs no chart library. On a phone the
 * drawing is as wide as the screen in its own units, names above the bars, so its text stays at
 * about 12 px instead of shrinking with a wide drawing.
 */
export function AccuracyChart({ series, title }: Props) {
  const id = useId()
  const narrow = useNarrow(NARROW_CHART)
  const categories = Array.from(new Set(series.flatMap((s) => Object.keys(s.values))))
  const barHeight = narrow ? 16 : 14
  const gap = narrow ? 8 : 10
  const heading = narrow ? 16 : 0 // the category's line above its bars
  const labelWidth = narrow ? 0 : 130
  const plotWidth = narrow ? 290 : 300
  const valueWidth = narrow ? 50 : 52
  const groupHeight = heading + series.length * barHeight + gap
  const height = categories.length * groupHeight + 24
  const width = labelWidth + plotWidth + valueWidth
  const faces = (category: string) => facesOf(series, category)
  return (
    <figure className={`chart${narrow ? ' narrow' : ''}`} data-testid="accuracy-chart">
      <svg viewBox={`0 0 ${width} ${height}`} role="img" aria-labelledby={`${id}-title`} aria-describedby={`${id}-desc`} width="100%">
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>
          {categories
            .map((category) => `${classLabel(category)}: ${series.map((s) => describe(s, category)).join(', ')}`)
            .join('; ')}
        </desc>
        {[0, 0.25, 0.5, 0.75, 1].map((tick) => (
          <g key={tick}>
            <line
              x1={labelWidth + tick * plotWidth}
              x2={labelWidth + tick * plotWidth}
              y1={0}
              y2={height - 18}
              className="grid-line"
            />
            <text
              x={labelWidth + tick * plotWidth}
              y={height - 4}
              textAnchor={narrow && tick === 0 ? 'start' : narrow && tick === 1 ? 'end' : 'middle'}
              className="tick"
            >
              {tick * 100}%
            </text>
          </g>
        ))}
        {categories.map((category, row) => {
          const y0 = row * groupHeight
          const n = faces(category)
          const bars = y0 + heading
          return (
            <g key={category} data-testid="chart-group">
              {narrow ? (
                <text x={0} y={y0 + 12} className="category" data-testid="chart-category">
                  {classLabel(category)}
                  {n !== undefined && (
                    <tspan className="tick" data-testid="chart-n">
                      {' '}
                      · {n} faces
                    </tspan>
                  )}
                </text>
              ) : (
                <text
                  x={labelWidth - 6}
                  y={bars + (series.length * barHeight) / 2 + (n !== undefined ? -2 : 4)}
                  textAnchor="end"
                  className="category"
                  data-testid="chart-category"
                >
                  {classLabel(category)}
                  {n !== undefined && (
                    <tspan x={labelWidth - 6} dy={12} className="tick" data-testid="chart-n">
                      {n} faces
                    </tspan>
                  )}
                </text>
              )}
              {series.map((s, i) => {
                const value = s.values[category]
                if (value === undefined) return null
                const y = bars + i * barHeight
                const interval = s.intervals?.[category]
                const x = (v: number) => labelWidth + Math.max(0, Math.min(1, v)) * plotWidth
                const mid = y + (barHeight - 2) / 2
                return (
                  <g key={s.name}>
                    <rect
                      x={labelWidth}
                      y={y}
                      width={Math.max(0, Math.min(1, value)) * plotWidth}
                      height={barHeight - 2}
                      fill={COLOURS[i % COLOURS.length]}
                      data-testid="chart-bar"
                      data-series={s.name}
                      data-category={category}
                      data-value={value}
                    >
                      <title>{describe(s, category)}</title>
                    </rect>
                    {interval && (
                      <g className="whisker" data-testid="chart-interval" aria-hidden="true">
                        <line x1={x(interval.low)} x2={x(interval.high)} y1={mid} y2={mid} />
                        <line x1={x(interval.low)} x2={x(interval.low)} y1={mid - 4} y2={mid + 4} />
                        <line x1={x(interval.high)} x2={x(interval.high)} y1={mid - 4} y2={mid + 4} />
                      </g>
                    )}
                    <text x={labelWidth + plotWidth + 4} y={y + barHeight - 4} className="value">
                      {percent(value)}
                    </text>
                  </g>
                )
              })}
            </g>
          )
        })}
      </svg>
      <figcaption className="legend">
        {series.map((s, i) => (
          <span key={s.name}>
            <span className="swatch" style={{ background: COLOURS[i % COLOURS.length] }} aria-hidden="true" /> {s.name}
          </span>
        ))}
      </figcaption>
    </figure>
  )
}
