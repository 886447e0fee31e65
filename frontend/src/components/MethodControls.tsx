import { useId } from 'react'
import { METHOD_NAMES, METHODS, type Method } from '../api/types'
import { ColourScale } from './ColourScale'

interface Props {
  method: Method
  onMethod: (method: Method) => void
  opacity: number
  onOpacity: (opacity: number) => void
  signed: boolean
  onSigned: (signed: boolean) => void
}

/** Which explanation to draw, and how strongly, for every overlay on the page. */
export function MethodControls({ method, onMethod, opacity, onOpacity, signed, onSigned }: Props) {
  const name = useId()
  return (
    <div className="method-controls">
      <fieldset className="toggle">
        <legend>Method</legend>
        {METHODS.map((value) => (
          <label key={value} className={value === method ? 'on' : ''}>
            <input type="radio" name={name} value={value} checked={value === method} onChange={() => onMethod(value)} />
            {METHOD_NAMES[value]}
          </label>
        ))}
      </fieldset>
      {method === 'integrated_gradients' && (
        <label className="check" title="Red: evidence for the class; blue: evidence against it">
          <input type="checkbox" checked={signed} onChange={(event) => onSigned(event.currentTarget.checked)} />
          Signed (red for, blue against)
        </label>
      )}
      <label className="opacity">
        Heatmap opacity
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
      {method === 'grad_cam' ? (
        <ColourScale map="jet" low="none" high="most" label="Grad-CAM colour scale" />
      ) : signed ? (
        <ColourScale map="RdBu_r" low="against" high="for the class" label="Signed attribution colour scale" />
      ) : (
        <ColourScale map="inferno" low="0" high="largest |attribution|" label="Integrated Gradients colour scale" />
      )}
    </div>
  )
}
