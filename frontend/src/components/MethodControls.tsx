import { useId } from 'react'
import { METHOD_NAMES, METHODS, type ExplainedOutput, type Method } from '../api/types'
import { mapUnit } from '../lib/scales'
import { ColourScale } from './ColourScale'

interface Props {
  method: Method
  onMethod: (method: Method) => void
  opacity: number
  onOpacity: (opacity: number) => void
  signed: boolean
  onSigned: (signed: boolean) => void
}

/** Short names for a phone's one-line bar; the long ones stay the controls' accessible names. */
const SHORT: Record<Method, string> = { integrated_gradients: 'IG', grad_cam: 'Grad-CAM' }

/**
 * Which explanation to draw, and how strongly, for every overlay on the page: one line, sticky, so
 * it stays in reach while scrolling; on a phone the labels shorten so it does not wrap.
 */
export function MethodControls({ method, onMethod, opacity, onOpacity, signed, onSigned }: Props) {
  const name = useId()
  return (
    <div className="method-controls">
      <fieldset className="toggle">
        <legend>Method</legend>
        {METHODS.map((value) => (
          <label key={value} className={value === method ? 'on' : ''}>
            <input type="radio" name={name} value={value} checked={value === method} onChange={() => onMethod(value)} />
            {SHORT[value] === METHOD_NAMES[value] ? (
              METHOD_NAMES[value]
            ) : (
              <>
                <span className="long-name">{METHOD_NAMES[value]}</span>
                <span className="short-name" aria-hidden="true">
                  {SHORT[value]}
                </span>
              </>
            )}
          </label>
        ))}
      </fieldset>
      {method === 'integrated_gradients' && (
        <label className="check" title="Red: evidence for the class; blue: evidence against it">
          <input type="checkbox" checked={signed} onChange={(event) => onSigned(event.currentTarget.checked)} />
          Signed<span className="long-name"> (red for, blue against)</span>
        </label>
      )}
      <label className="opacity">
        <span className="long-name">Heatmap opacity</span>
        <span className="short-name" aria-hidden="true">
          Opacity
        </span>
        <input
          type="range"
          min={0}
          max={100}
          step={5}
          value={Math.round(opacity * 100)}
          onChange={(event) => onOpacity(event.currentTarget.valueAsNumber / 100)}
          aria-valuetext={`${Math.round(opacity * 100)}%`}
        />
        <output>{Math.round(opacity * 100)}%</output>
      </label>
    </div>
  )
}

/** The colour scale of the maps shown, and what its numbers are. */
export function MapKey({ method, signed, output }: { method: Method; signed: boolean; output?: ExplainedOutput }) {
  if (method === 'grad_cam')
    return (
      <ColourScale
        map="jet"
        low="0"
        high="the map's maximum"
        label="Grad-CAM colour scale"
        caption={`${mapUnit(method)}; each map divided by its own maximum`}
      />
    )
  if (signed)
    return (
      <ColourScale
        map="RdBu_r"
        low="against"
        high="for the class"
        label="Signed attribution colour scale"
        caption={`${mapUnit(method, output).replace('|IG attribution|', 'IG attribution, with its sign,')}; each map on its own scale, symmetric around 0 up to the 99th percentile of its |attribution|`}
      />
    )
  return (
    <ColourScale
      map="inferno"
      low="0"
      high="the map's 99th percentile"
      label="Integrated Gradients colour scale"
      caption={`${mapUnit(method, output)}; each map on its own scale (values under 15% of it are not drawn)`}
    />
  )
}
