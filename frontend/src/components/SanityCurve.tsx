import type { MethodSanity } from '../api/types'
import { curvePoints } from '../lib/sanity'

const W = 300
const H = 150
const PAD = { left: 30, right: 44, top: 10, bottom: 46 }

/**
 * The similarity of a method's map to the trained model's as the model's blocks are randomised from the
 * top down (rank correlation with its 95% band, SSIM dashed), and, on the right, another class's map.
 */
export function SanityCurve({ result, title, failAbove }: { result: MethodSanity; title: string; failAbove: number }) {
  const points = curvePoints(result)
  const slots = points.length + 1 // the random class after the curve
  const x = (i: number) => PAD.left + (i * (W - PAD.left - PAD.right)) / Math.max(slots - 1, 1)
  const y = (v: number) => PAD.top + ((1 - Math.max(-0.2, Math.min(1, v))) / 1.2) * (H - PAD.top - PAD.bottom)
  const line = (key: 'spearman' | 'ssim') => points.map((p, i) => `${i ? 'L' : 'M'}${x(i)},${y(p[key].mean)}`).join(' ')
  const band =
    points.map((p, i) => `${i ? 'L' : 'M'}${x(i)},${y(p.spearman.ci_high)}`).join(' ') +
    ' ' +
    [...points]
      .reverse()
      .map((p, j) => `L${x(points.length - 1 - j)},${y(p.spearman.ci_low)}`)
      .join(' ') +
    ' Z'
  const logit = result.random_logit.spearman
  const last = points.length
  return (
    <svg viewBox={`0 0 ${W} ${H}`} role="img" aria-label={title} className="sanity-curve" data-testid="sanity-curve">
      <title>{title}</title>
      {[0, 0.5, 1].map((v) => (
        <g key={v}>
          <line x1={PAD.left} x2={W - PAD.right + 20} y1={y(v)} y2={y(v)} stroke="#ddd" />
          <text x={PAD.left - 4} y={y(v) + 3} fontSize="8" textAnchor="end">
            {v}
          </text>
        </g>
      ))}
      <line x1={PAD.left} x2={W - PAD.right + 20} y1={y(failAbove)} y2={y(failAbove)} stroke="#b00" strokeDasharray="2 2" />
      <path d={band} fill="rgba(31,119,180,0.2)" stroke="none" />
      <path d={line('spearman')} fill="none" stroke="#1f77b4" strokeWidth="1.5" />
      <path d={line('ssim')} fill="none" stroke="#ff7f0e" strokeWidth="1" strokeDasharray="4 2" />
      {points.map((p, i) => (
        <g key={p.label}>
          <circle cx={x(i)} cy={y(p.spearman.mean)} r="2" fill="#1f77b4" />
          <text x={x(i)} y={H - PAD.bottom + 8} fontSize="7" textAnchor="end" transform={`rotate(-40 ${x(i)} ${H - PAD.bottom + 8})`}>
            {p.label}
          </text>
        </g>
      ))}
      <line x1={x(last)} x2={x(last)} y1={y(logit.ci_low)} y2={y(logit.ci_high)} stroke="#2ca02c" />
      <rect x={x(last) - 2.5} y={y(logit.mean) - 2.5} width="5" height="5" fill="#2ca02c" />
      <text x={x(last)} y={H - PAD.bottom + 8} fontSize="7" textAnchor="end" transform={`rotate(-40 ${x(last)} ${H - PAD.bottom + 8})`}>
        another class
      </text>
      <text x={W - 2} y={PAD.top + 8} fontSize="7" textAnchor="end" fill="#1f77b4">
        rank corr.
      </text>
      <text x={W - 2} y={PAD.top + 17} fontSize="7" textAnchor="end" fill="#ff7f0e">
        SSIM
      </text>
    </svg>
  )
}
