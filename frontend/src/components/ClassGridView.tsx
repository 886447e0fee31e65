import { errorMessage } from '../api/errors'
import { METHOD_NAMES, type ExplainedOutput, type Face, type Method } from '../api/types'
import type { GridSlot } from '../hooks/analysisState'
import { classLabel, inModelOrder, percent } from '../lib/format'
import { scaleEnd, sharedScaleCaption } from '../lib/scales'
import { ClassName } from './ClassName'
import { ColourScale } from './ColourScale'
import { Overlay } from './Overlay'

/** The class grid as the analysis holds it: useAnalysis fetches it (through its queue) while it is shown. */
export interface ClassGridState {
  shown: boolean
  onToggle: () => void
  /** the grid of the method shown, once asked for */
  slot?: GridSlot
  /** the IG output the maps explain (the service's default: probability), for the scale's caption */
  igOutput?: ExplainedOutput
}

interface Props extends ClassGridState {
  face: Face
  model: string
  /** the model's display name */
  title: string
  method: Method
  opacity: number
}

/**
 * On request, every class of one model explained with the chosen method on ONE colour scale, so
 * what speaks for each class can be read against the others.
 */
export function ClassGridView({ face, model, title, method, opacity, shown: open, onToggle, slot: current, igOutput }: Props) {
  const prediction = face.predictions[model]
  const labels = Object.keys(prediction?.probabilities ?? {})
  const grid = current?.grid
  const gridId = `class-grid-${face.index}-${model}`
  return (
    <div className="class-grid-block">
      <button type="button" className="small" aria-expanded={open} aria-controls={gridId} onClick={onToggle}>
        {open ? 'Hide every class' : 'Show every class'}
      </button>
      {open && (
        <div id={gridId} data-testid="class-grid" aria-label={`${title}: ${METHOD_NAMES[method]} of every class`} role="group">
          {grid ? (
            <>
              <p className="muted class-grid-note">
                {METHOD_NAMES[grid.method]} of every class on one colour scale: the same colour means the same attribution in
                every map.
              </p>
              <ColourScale
                map={grid.method === 'grad_cam' ? 'jet' : 'inferno'}
                low="0"
                high={`${grid.method === 'grad_cam' ? '' : '≥ '}${scaleEnd(grid.scale_max)}`}
                label={`Colour scale shared by every class of ${title}`}
                caption={sharedScaleCaption(grid.method, igOutput)}
              />
              <ul className="class-grid">
                {inModelOrder(labels, Object.keys(grid.classes)).map((label) => {
                  const cell = grid.classes[label]
                  const predicted = label === prediction?.label
                  const alt = `${METHOD_NAMES[grid.method]} of ${title} for class ${classLabel(label)}, shared scale`
                  return (
                    <li key={label} data-testid="class-grid-cell" data-label={label} className={predicted ? 'predicted' : undefined}>
                      <Overlay chip={face.aligned_image} heatmap={cell.heatmap} opacity={opacity} alt={alt} />
                      <span className="class-grid-label">
                        <ClassName label={label} />
                      </span>
                      <span className="muted class-grid-probability" data-testid="class-grid-probability">
                        {percent(cell.probability)}
                        {predicted ? ' · predicted' : ''}
                      </span>
                    </li>
                  )
                })}
              </ul>
            </>
          ) : current?.error ? (
            <p role="alert" className="error">
              {errorMessage(current.error)}
            </p>
          ) : (
            <p role="status" className="muted">
              <span className="spinner" aria-hidden="true" /> Computing {METHOD_NAMES[method]} for all {labels.length} classes…
            </p>
          )}
        </div>
      )}
    </div>
  )
}
