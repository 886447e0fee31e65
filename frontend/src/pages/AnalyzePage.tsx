import { useCallback, useEffect, useMemo, useRef, useState } from 'react'
import type { Method } from '../api/types'
import { ComparePanel } from '../components/ComparePanel'
import { ErrorBanner } from '../components/ErrorBanner'
import { LookHarder } from '../components/LookHarder'
import { FaceChooser } from '../components/FaceChooser'
import { MapKey, MethodControls } from '../components/MethodControls'
import { MethodHelp } from '../components/MethodHelp'
import { ModelPanel } from '../components/ModelPanel'
import { PhotoView } from '../components/PhotoView'
import { ProgressNote } from '../components/ProgressNote'
import { UploadPanel } from '../components/UploadPanel'
import { analysisExport, comparisonKey, expired, explanationKey, progress, targetKey } from '../hooks/analysisState'
import { useModelsResponse } from '../hooks/modelNames'
import { useAnalysis } from '../hooks/useAnalysis'
import { faceWidth, isSmallFace, SMALL_FACE_PX } from '../lib/faces'
import { comparedPair, panelOrder } from '../lib/format'
import { fileStem, saveJson } from '../lib/images'

const BOTH_METHODS: readonly Method[] = ['grad_cam', 'integrated_gradients']

export function AnalyzePage() {
  const analysis = useAnalysis()
  const { state, settings, setSettings, applyIgOptions, upload, selectFace, setTarget, requestComparison } = analysis
  const [method, setMethod] = useState<Method>('integrated_gradients')
  const [opacity, setOpacity] = useState(0.6)
  const [signed, setSigned] = useState(false)
  const result = state.result
  const face = result?.faces[state.face]
  const stem = fileStem(state.fileName ?? 'photo')
  // The pair the comparison sets side by side: GET /models's compare_default (fetched once for the
  // whole app), else race and race_biased when the analysis ran both; none otherwise.
  const compareDefault = useModelsResponse()?.compare_default
  const pair = useMemo(() => (result ? comparedPair(compareDefault, result.models) : undefined), [compareDefault, result])
  const results = useRef<HTMLDivElement>(null)

  // After an upload, bring the results into view (on a phone they start below the upload panel).
  const analysisId = result?.analysis_id
  useEffect(() => {
    const element = results.current
    if (!analysisId || !element) return
    const top = element.getBoundingClientRect().top
    if (top < 0 || top > window.innerHeight * 0.5) {
      const smooth = !window.matchMedia?.('(prefers-reduced-motion: reduce)').matches
      element.scrollIntoView?.({ block: 'start', behavior: smooth ? 'smooth' : 'auto' })
    }
  }, [analysisId])
  // A tap on a face in the photo shows that face's predictions: on a phone they are far below the
  // photo (one column), so scroll to them; beside the photo (desktop) they are in view already.
  const predictions = useRef<HTMLElement>(null)
  const [reveal, setReveal] = useState(0)
  const onPhotoSelect = useCallback(
    (index: number) => {
      selectFace(index)
      setReveal((n) => n + 1)
    },
    [selectFace],
  )
  useEffect(() => {
    const element = predictions.current
    if (!reveal || !element) return
    const top = element.getBoundingClientRect().top
    if (top < 0 || top > window.innerHeight * 0.5) {
      const smooth = !window.matchMedia?.('(prefers-reduced-motion: reduce)').matches
      element.scrollIntoView?.({ block: 'start', behavior: smooth ? 'smooth' : 'auto' })
    }
  }, [reveal])

  // The comparison's classes and its default class come from the first of the pair the analysis ran.
  const labelled = face && pair?.find((model) => face.predictions[model])
  const compareTarget =
    face && labelled ? (state.targets[targetKey(face.index, 'compare')] ?? face.predictions[labelled].label) : ''

  const onCompareRequest = useCallback(
    (target: string) => {
      if (face && pair) requestComparison(face.index, method, target, pair)
    },
    [face, method, pair, requestComparison],
  )

  // The comparison reuses the pair's explanations of its class: wait for those the analysis asks for
  // (a model it did not run is explained by the comparison itself).
  const compareEnabled =
    !!face &&
    !!pair &&
    (method === 'grad_cam' ||
      pair.every((model) => {
        if (!face.predictions[model]) return true
        const slot = state.explanations[explanationKey(face.index, model, state.targets[targetKey(face.index, model)] ?? '')]
        const status = slot?.status.integrated_gradients
        return status === 'done' || status === 'error'
      }))

  return (
    <div className="analyze">
      <div className="column-left">
        <UploadPanel
          onFile={upload}
          settings={settings}
          onSettings={setSettings}
          onApplyIg={applyIgOptions}
          busy={state.phase === 'analyzing'}
        />
        {state.phase === 'analyzing' && (
          <p className="progress" role="status" aria-live="polite" data-testid="analyzing">
            <span className="spinner" aria-hidden="true" /> Finding faces and predicting…
          </p>
        )}
        {state.phase === 'error' && state.error && <ErrorBanner error={state.error} />}
        {state.phase === 'error' && state.error?.code === 'no_face' && analysis.detector !== 'cnn' && (
          <LookHarder onClick={analysis.lookHarder} found={0} />
        )}
        {result && (
          <div className="results" ref={results} data-testid="results">
            <PhotoView photoUrl={state.photoUrl} result={result} selected={state.face} onSelect={onPhotoSelect} />
            <FaceChooser faces={result.faces} selected={state.face} onSelect={selectFace} />
            {result.aligned && analysis.detector !== 'cnn' && <LookHarder onClick={analysis.lookHarder} found={result.faces_found} />}
            <div className="save-row">
              <button type="button" onClick={() => saveJson(analysisExport(state), `${stem}_analysis.json`)}>
                Save analysis JSON
              </button>
            </div>
          </div>
        )}
      </div>
      {result && face && (
        <div className="column-right">
          {/* Sticky: the method and opacity stay within reach while scrolling through the panels. */}
          <div className="controls-bar" data-testid="controls-bar">
            <MethodControls
              method={method}
              onMethod={setMethod}
              opacity={opacity}
              onOpacity={setOpacity}
              signed={signed}
              onSigned={setSigned}
            />
          </div>
          <section aria-labelledby="models-title" ref={predictions} data-testid="predictions">
            <div className="section-head">
              <h2 id="models-title">Face {face.index + 1}: predictions and explanations</h2>
            </div>
            {isSmallFace(face) && (
              <p className="note small-face" data-testid="small-face-warning">
                This face is only {Math.round(faceWidth(face))} pixels wide in the photo (under {SMALL_FACE_PX}): too little
                detail for reliable predictions or explanations.
              </p>
            )}
            <div className="map-key">
              <MapKey method={method} signed={signed} output={settings.ig_output} />
            </div>
            <MethodHelp method={method} />
            {expired(state) ? (
              <div className="note" role="alert" data-testid="expired">
                <p>
                  The server no longer holds this analysis (they are kept for about 10 minutes), so no more
                  explanations can be fetched for it.
                </p>
                <button type="button" className="primary" onClick={analysis.reanalyze}>
                  Analyse the photo again
                </button>
              </div>
            ) : (
              <ProgressNote {...progress(state, BOTH_METHODS)} />
            )}
            <div className="model-grid">
              {panelOrder(result.models, pair)
                .filter((model) => face.predictions[model])
                .map((model) => {
                  const target = state.targets[targetKey(face.index, model)] ?? face.predictions[model].label
                  return (
                    <ModelPanel
                      key={`${face.index}/${model}`}
                      face={face}
                      model={model}
                      target={target}
                      slot={state.explanations[explanationKey(face.index, model, target)]}
                      method={method}
                      opacity={opacity}
                      signed={signed}
                      fileStem={stem}
                      onTarget={(label) => setTarget(face.index, model, label)}
                      onRecompute={(steps) => analysis.recomputeIntegratedGradients(face.index, model, target, steps)}
                      analysisId={result.analysis_id}
                      ig={settings}
                    />
                  )
                })}
            </div>
          </section>
          {pair && labelled && (
            <ComparePanel
              key={pair.join('+')}
              face={face}
              models={pair}
              method={method}
              opacity={opacity}
              slot={state.comparisons[comparisonKey(face.index, method, compareTarget, pair)]}
              target={compareTarget}
              onTarget={(label) => analysis.setCompareTarget(face.index, label)}
              onRequest={onCompareRequest}
              enabled={compareEnabled}
              fileStem={stem}
              igSteps={settings.ig_steps}
              onRecompute={(steps) => applyIgOptions({ ig_steps: steps })}
              igOutput={settings.ig_output}
            />
          )}
        </div>
      )}
    </div>
  )
}
