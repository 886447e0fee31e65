import { useState } from 'react'
import { errorMessage } from '../api/errors'
import { faithfulnessOf, METHOD_NAMES, type Face, type Method } from '../api/types'
import type { ExplanationSlot } from '../hooks/analysisState'
import { useDisplayName, useIgMaxSteps, useModelsResponse } from '../hooks/modelNames'
import { faithfulnessFigures, faithfulnessSentence, isFaithful } from '../lib/faithfulness'
import { classLabel, decimal, percent } from '../lib/format'
import { changeTooSmall, moreSteps } from '../lib/igSteps'
import { sanityFor, sanityWarning } from '../lib/sanity'
import { composeOverlayPng, saveBlob } from '../lib/images'
import { ClassGridView, type ClassGridState } from './ClassGridView'
import { Overlay } from './Overlay'
import { ProbabilityBars } from './ProbabilityBars'

interface Props {
  face: Face
  model: string
  target: string
  slot?: ExplanationSlot
  method: Method
  opacity: number
  /** for Integrated Gradients: show the signed attribution (red for, blue against) instead of |attribution| */
  signed?: boolean
  fileStem: string
  onTarget: (label: string) => void
  /** Integrated Gradients of this class again with this many steps */
  onRecompute?: (steps: number) => void
  /** "Show every class" of this model (absent: no class grid) */
  grid?: ClassGridState
}

/** Above this relative completeness error, IG's path integral is probably too coarse. */
export const COMPLETENESS_WARNING = 0.05

function statusText(slot: ExplanationSlot | undefined, method: Method): string {
  const status = slot?.status[method]
  if (status === 'loading') return `Computing ${METHOD_NAMES[method]}…`
  if (status === 'queued') return `${METHOD_NAMES[method]} waiting…`
  if (status === 'error' && slot?.error) return errorMessage(slot.error)
  return `${METHOD_NAMES[method]} not computed`
}

/** One model: its prediction, every class's probability, and the chosen class's explanation. */
export function ModelPanel({ face, model, target, slot, method, opacity, signed = false, fileStem, onTarget, onRecompute, grid }: Props) {
  const prediction = face.predictions[model]
  const title = useDisplayName()(model)
  const explanation = slot?.explanation
  const ig = explanation?.integrated_gradients
  const gradCam = explanation?.grad_cam
  const showSigned = method === 'integrated_gradients' && signed
  const heatmap = method === 'integrated_gradients' ? (showSigned ? ig?.signed_image : ig?.heatmap) : gradCam?.heatmap
  const fallback = method === 'integrated_gradients' ? (showSigned ? ig?.signed_image : ig?.image) : gradCam?.image
  const methodName = showSigned ? 'Signed Integrated Gradients' : METHOD_NAMES[method]
  const [saving, setSaving] = useState(false)
  const titleId = `model-${face.index}-${model}`
  const igStatus = slot?.status.integrated_gradients
  const recomputing = igStatus === 'loading' || igStatus === 'queued'
  const igMaxSteps = useIgMaxSteps() // unknown until GET /models answers: no offer the service might refuse
  const nextSteps = ig && igMaxSteps !== undefined ? moreSteps(ig.steps, igMaxSteps) : undefined
  const faithfulness = faithfulnessOf(method === 'integrated_gradients' ? ig : gradCam)
  const sanityNote = sanityWarning(
    sanityFor(useModelsResponse(), model, method),
    METHOD_NAMES[method],
    Object.keys(prediction.probabilities).length,
  )

  const save = async () => {
    if (!heatmap) return
    setSaving(true)
    try {
      const blob = await composeOverlayPng(face.aligned_image, heatmap, opacity, fallback)
      const suffix = showSigned ? `${method}_signed` : method
      saveBlob(blob, `${fileStem}_face${face.index + 1}_${model}_${target}_${suffix}.png`.replace(/\s+/g, '_'))
    } finally {
      setSaving(false)
    }
  }

  return (
    <article className="model-panel" aria-labelledby={titleId} data-testid={`model-${model}`}>
      <header>
        <h3 id={titleId}>{title}</h3>
        <p className="prediction">
          <span className="prediction-label" data-testid="predicted-label">
            {classLabel(prediction.label)}
          </span>{' '}
          <span className="muted">{percent(prediction.probabilities[prediction.label] ?? 0)}</span>
        </p>
      </header>
      <ProbabilityBars model={title} prediction={prediction} target={target} onTarget={onTarget} />
      <div className="explanation">
        <label className="target-select">
          Explain class
          <select value={target} onChange={(event) => onTarget(event.currentTarget.value)}>
            {Object.keys(prediction.probabilities).map((label) => (
              <option key={label} value={label}>
                {classLabel(label)}
                {label === prediction.label ? ' (predicted)' : ''}
              </option>
            ))}
          </select>
        </label>
        <Overlay
          chip={face.aligned_image}
          heatmap={heatmap}
          opacity={opacity}
          alt={`${methodName} heatmap of ${title} for class ${classLabel(target)}`}
          status={statusText(slot, method)}
          testId={`overlay-${model}`}
        />
        {sanityNote && (
          <p className="note warn" role="note" data-testid="sanity-warning">
            {sanityNote}
          </p>
        )}
        <dl className="facts">
          {explanation && (
            <>
              <dt>Explained class</dt>
              <dd data-testid="explained-target">
                {classLabel(explanation.target)} ({percent(explanation.target_probability)})
              </dd>
            </>
          )}
          {method === 'integrated_gradients' && ig && (
            <>
              <dt>Completeness error</dt>
              <dd
                data-testid="completeness"
                className={ig.completeness_error > COMPLETENESS_WARNING ? 'warn' : undefined}
                title="|Σ attributions − (F(x) − F(baseline))| / |F(x) − F(baseline)|"
              >
                {percent(ig.completeness_error, 2)} with {ig.steps} steps
                <span className="muted"> ({ig.rule.replace('_', ' ')}, {ig.output})</span>
                <span className="hint" data-testid="completeness-absolute">
                  The map&apos;s total misses the change it explains by {decimal(ig.completeness_error_abs, 3)}
                  {ig.output === 'probability' ? ' in probability' : ' in logit units'} (the change itself:{' '}
                  {decimal(ig.score_input - ig.score_baseline, 3)}).
                </span>
                {ig.completeness_error > COMPLETENESS_WARNING && changeTooSmall(ig) && (
                  <span className="hint" data-testid="completeness-warning">
                    The class&apos;s probability hardly changes from the black image to this face (
                    {percent(ig.score_baseline)} → {percent(ig.score_input)}), so this relative error is large even
                    for an accurate map; more steps will not bring it down much.
                  </span>
                )}
                {ig.completeness_error > COMPLETENESS_WARNING && !changeTooSmall(ig) && (
                  <span className="hint" data-testid="completeness-warning">
                    The map is approximate: more steps should bring this error down.
                    {onRecompute && nextSteps !== undefined && (
                      <button type="button" className="small" onClick={() => onRecompute(nextSteps)} disabled={recomputing}>
                        {recomputing ? 'Recomputing…' : `Recompute with ${nextSteps} steps`}
                      </button>
                    )}
                    {igMaxSteps !== undefined && nextSteps === undefined && ' (already at the most steps the service allows)'}
                  </span>
                )}
              </dd>
            </>
          )}
          {method === 'grad_cam' && gradCam && (
            <>
              <dt>Layer</dt>
              <dd>
                {gradCam.layer}
                {gradCam.max_value <= 0 && ' — no positive evidence for this class'}
              </dd>
            </>
          )}
          {faithfulness && (
            <>
              <dt>Faithfulness</dt>
              <dd data-testid="faithfulness" className={isFaithful(faithfulness) ? undefined : 'warn'}>
                <span data-testid="faithfulness-figures">{faithfulnessFigures(faithfulness)}</span>
                <span className="hint" data-testid="faithfulness-meaning">
                  {faithfulnessSentence(faithfulness)}
                </span>
              </dd>
            </>
          )}
        </dl>
        <button type="button" onClick={save} disabled={!heatmap || saving}>
          Save overlay PNG
        </button>
        {grid && <ClassGridView {...grid} face={face} model={model} title={title} method={method} opacity={opacity} />}
      </div>
    </article>
  )
}
