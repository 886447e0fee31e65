import { useId } from 'react'
import { classLabel, percent } from '../lib/format'
import type { Interval } from '../lib/metrics'

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

/**
 * Grouped horizontal bars, one group per category (here: race), one bar per series (here: the
 * balanced and the biased model). Plain SVG: it scales with the page and needs no chart library.
 */
export function AccuracyChart({ series, title }: Props) {
  const id = useId()
  const categories = Array.from(new Set(series.flatMap((s) => Object.keys(s.values))))
  const barHeight = 14
  const gap = 10
  const labelWidth = 120
  const plotWidth = 300
  const valueWidth = 52
  const groupHeight = series.length * barHeight + gap
  const height = categories.length * groupHeight + 24
  const width = labelWidth + plotWidth + valueWidth
  return (
    <figure className="chart" data-testid="accuracy-chart">
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
            <text x={labelWidth + tick * plotWidth} y={height - 4} textAnchor="middle" className="tick">
              {tick * 100}%
            </text>
          </g>
        ))}
        {categories.map((category, row) => {
          const y0 = row * groupHeight
          return (
            <g key={category} data-testid="chart-group">
              <text x={labelWidth - 6} y={y0 + (series.length * barHeight) / 2 + 4} textAnchor="end" className="category">
                {classLabel(category)}
              </text>
              {series.map((s, i) => {
                const value = s.values[category]
                if (value === undefined) return null
                const y = y0 + i * barHeight
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
