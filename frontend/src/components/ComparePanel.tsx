import { useState } from 'react'
import { errorMessage, extraDetail } from '../api/errors'
import { METHOD_NAMES, strengthOf, type ExplainedOutput, type Face, type Method } from '../api/types'
import type { ComparisonSlot } from '../hooks/analysisState'
import { useDisplayName, useIgMaxSteps, useSummaryRules } from '../hooks/modelNames'
import { moreSteps } from '../lib/igSteps'
import { classLabel, decimal, percent } from '../lib/format'
import { scaleEnd, sharedScaleCaption } from '../lib/scales'
import { strengthWords } from '../lib/strength'
import { base64ToBlob, composeOverlayPng, pngDataUrl, saveBlob } from '../lib/images'
import { ColourScale } from './ColourScale'
import { Overlay } from './Overlay'
import { PairPicker } from './PairPicker'

interface Props {
  face: Face
  models: readonly [string, string]
  method: Method
  opacity: number
  slot?: ComparisonSlot
  target: string
  onTarget: (label: string) => void
  /** false while the explanations this comparison reuses are still being computed (useAnalysis asks for it once they are) */
  enabled: boolean
  fileStem: string
  /** Integrated Gradients computed again with this many steps (offered when a map is approximate) */
  onRecompute?: (steps: number) => void
  /** the steps the Integrated Gradients maps were computed with */
  igSteps?: number
  /** the IG output the comparison explains (the service's default: probability) */
  igOutput?: ExplainedOutput
  /** the models the analysis ran: with onPair, the panel offers to compare another pair of them */
  analysed?: readonly string[]
  /** another pair chosen (two different models of one task) */
  onPair?: (models: [string, string]) => void
}

/** Whole points of attribution share: 0.043 -> "4". */
function wholePoints(fraction: number): string {
  return (Math.abs(fraction) * 100).toFixed(0)
}

/**
 * Two models of one task on one colour scale (the page's pair: compare_default, the biased race
 * model and its control, unless another pair is chosen here): the same colour means the same
 * attribution in both, so their heatmaps, and the difference map, can be read against each other.
 * With a reference (another training seed of the first model, explained on the same face) it says
 * what retraining alone moves here.
 */
export function ComparePanel({
  face,
  models,
  method,
  opacity,
  slot,
  target,
  onTarget,
  enabled,
  fileStem,
  onRecompute,
  igSteps,
  igOutput,
  analysed,
  onPair,
}: Props) {
  const maxSteps = useIgMaxSteps()
  const nextSteps = igSteps !== undefined && maxSteps !== undefined ? moreSteps(igSteps, maxSteps) : undefined
  const [first, second] = models
  const displayName = useDisplayName()
  const strengthRatio = useSummaryRules()?.strength_ratio
  const [firstName, secondName] = [displayName(first), displayName(second)]
  const labels = Object.keys((face.predictions[first] ?? face.predictions[second])?.probabilities ?? {})
  const comparison = slot?.comparison
  const strength = comparison && strengthOf(comparison)
  // another seed of the first model, explained on this face: its shares are a column of the table
  const reference = comparison?.reference ?? undefined
  const columns = reference ? [...models, reference] : [...models]
  const retraining = comparison?.largest_retraining
  const difference = comparison?.largest_difference
  const [saving, setSaving] = useState(false)

  // a failure in plain words, with the server's own below when they say more (why two models cannot be compared)
  const failure = slot?.status === 'error' ? slot.error : undefined
  const status =
    slot?.status === 'loading'
      ? `Comparing with ${METHOD_NAMES[method]}…`
      : slot?.status === 'queued'
        ? 'Comparison waiting for the explanations before it…'
        : enabled
          ? 'Not compared yet'
          : 'The comparison starts when both models are explained…'

  const saveDifference = async () => {
    if (!comparison) return
    setSaving(true)
    try {
      const stem = `${fileStem}_face${face.index + 1}_${first}_vs_${second}_${comparison.target}_${method}`.replace(/\s+/g, '_')
      saveBlob(base64ToBlob(comparison.difference_image), `${stem}_difference.png`)
      for (const model of models) {
        const heatmap = comparison.heatmaps[model]
        if (!heatmap) continue
        saveBlob(await composeOverlayPng(face.aligned_image, heatmap, opacity, comparison.images[model]), `${stem}_${model}.png`)
      }
    } finally {
      setSaving(false)
    }
  }

  return (
    <section className="compare" aria-labelledby="compare-title" data-testid="compare">
      <div className="section-head">
        <h2 id="compare-title">
          {firstName} vs {secondName}
        </h2>
        <label className="target-select">
          Class
          <select value={target} onChange={(event) => onTarget(event.currentTarget.value)}>
            {labels.map((label) => (
              <option key={label} value={label}>
                {classLabel(label)}
              </option>
            ))}
          </select>
        </label>
      </div>
      {analysed && onPair && <PairPicker models={models} analysed={analysed} onPair={onPair} />}
      {comparison ? (
        <>
          <p className="summary" data-testid="compare-summary">
            {comparison.summary}
          </p>
          {reference && typeof retraining === 'number' && typeof difference === 'number' && (
            <p className="retraining" data-testid="compare-retraining">
              Retraining alone (another seed of {firstName}) moves a region by up to {wholePoints(retraining)} points here;{' '}
              {secondName} differs by up to {wholePoints(difference)} points
              {Math.abs(difference) > Math.abs(retraining)
                ? ': more than retraining alone.'
                : ': no more than retraining alone, so on this face the two cannot be told apart from another training run.'}
            </p>
          )}
          {(comparison.approximate ?? []).length > 0 && (
            <p className="hint warn" data-testid="compare-approximate">
              {(comparison.approximate ?? []).map((model) => displayName(model)).join(' and ')}
              {(comparison.approximate ?? []).length === 1 ? '’s map is' : '’s maps are'} approximate (completeness error{' '}
              {(comparison.approximate ?? []).map((model) => percent(comparison.completeness_errors?.[model] ?? 0)).join(', ')}
              ): the parts of the face named above may change with more steps.
              {onRecompute && nextSteps !== undefined && (
                <button type="button" className="small" onClick={() => onRecompute(nextSteps)}>
                  Recompute with {nextSteps} steps
                </button>
              )}
            </p>
          )}
          <div className="compare-grid">
            {models.map((model) => (
              <figure key={model}>
                <Overlay
                  chip={face.aligned_image}
                  heatmap={comparison.heatmaps[model]}
                  opacity={opacity}
                  alt={`${METHOD_NAMES[comparison.method]} of ${displayName(model)} for ${classLabel(comparison.target)}, shared scale`}
                  testId={`compare-${model}`}
                />
                <figcaption>
                  {displayName(model)}
                  <br />
                  <span className="muted">
                    P({classLabel(comparison.target)}) = {percent(comparison.probabilities[model] ?? 0)}
                  </span>
                </figcaption>
              </figure>
            ))}
            <figure>
              <div className="overlay">
                <img
                  className="overlay-chip"
                  src={pngDataUrl(comparison.difference_image)}
                  alt={`Difference map: ${secondName} minus ${firstName}; red where ${secondName} attends more`}
                  data-testid="difference-image"
                />
              </div>
              <figcaption>
                Difference
                <br />
                <span className="muted">
                  red: {secondName} attends more, blue: {firstName}
                </span>
              </figcaption>
            </figure>
          </div>
          <dl className="facts">
            {strength && (
              <>
                <dt>Strength of the maps</dt>
                <dd data-testid="compare-strength">{strengthWords(strength, models, displayName, strengthRatio)}</dd>
              </>
            )}
            <dt>Correlation of the two maps</dt>
            <dd data-testid="compare-correlation">{decimal(comparison.correlation)}</dd>
            <dt>Shared scale</dt>
            <dd>
              <ColourScale
                map={comparison.method === 'grad_cam' ? 'jet' : 'inferno'}
                low="0"
                high={`${comparison.method === 'grad_cam' ? '' : '≥ '}${scaleEnd(comparison.scale_max)}`}
                label={`Colour scale shared by ${firstName} and ${secondName}`}
                caption={sharedScaleCaption(comparison.method, igOutput)}
              />
            </dd>
          </dl>
          {comparison.regions.length > 0 && (
            <table className="regions stacks" data-testid="compare-regions">
              <caption>
                Share of each model&apos;s attribution by face region
                {reference && <> ({displayName(reference)}: another training seed of {firstName}, for comparison)</>}
              </caption>
              <thead>
                <tr>
                  <th scope="col">Region</th>
                  {columns.map((model) => (
                    <th scope="col" key={model}>
                      {displayName(model)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {comparison.regions.map((region) => (
                  <tr key={region.region}>
                    <th scope="row">{region.region}</th>
                    {columns.map((model) => (
                      <td key={model} data-label={displayName(model)}>
                        {percent(region.shares[model] ?? 0)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          )}
          <button type="button" onClick={saveDifference} disabled={saving}>
            Save comparison PNGs
          </button>
        </>
      ) : failure ? (
        <div role="status" className="note" data-testid="compare-error" data-code={failure.code}>
          <p>{errorMessage(failure)}</p>
          {extraDetail(failure) && <p className="error-detail">{extraDetail(failure)}</p>}
        </div>
      ) : (
        <p role="status" className="muted">
          {status}
        </p>
      )}
    </section>
  )
}
