import { useCallback, useEffect, useRef, useState } from 'react'
import { errorMessage } from '../api/errors'
import { METHODS } from '../api/types'
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
import { analysisExport, comparisonOf, expired, explanationKey, gridKey, progress, targetKey } from '../hooks/analysisState'
import { useAnalysis } from '../hooks/useAnalysis'
import { faceWidth, isSmallFace, SMALL_FACE_PX } from '../lib/faces'
import { panelOrder } from '../lib/format'
import { fileStem, saveJson } from '../lib/images'

export function AnalyzePage() {
  const analysis = useAnalysis()
  const { state, dispatch, pair, applyIgOptions, upload } = analysis
  const { settings, method } = state
  const [opacity, setOpacity] = useState(0.6)
  const [signed, setSigned] = useState(false)
  const result = state.result
  const face = result?.faces[state.face]
  const stem = fileStem(state.fileName ?? 'photo')
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
  const selectFace = useCallback((face: number) => dispatch({ type: 'selectFace', face }), [dispatch])
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

  // The comparison of the pair on this face (the pair chosen, else the default; the panels follow
  // it): its class, and whether the explanations it reuses are known.
  const compare = comparisonOf(state, pair)

  return (
    <div className="analyze">
      <div className="column-left">
        <UploadPanel
          onFile={upload}
          settings={settings}
          onSettings={(next) => dispatch({ type: 'settings', settings: next })}
          onApplyIg={applyIgOptions}
          busy={state.phase === 'analyzing'}
        />
        {state.phase === 'analyzing' && (
          <p className="progress" role="status" aria-live="polite" data-testid="analyzing">
            <span className="spinner" aria-hidden="true" /> Finding faces and predicting…
          </p>
        )}
        {state.phase === 'error' && state.error && <ErrorBanner error={state.error} />}
        {state.forgotten && (
          <div className={state.forgotten.error ? 'note' : 'muted'} role="status" data-testid="forgotten">
            {state.forgotten.error ? (
              <>
                <p>
                  The photo is gone from this page, but the server could not be asked to forget its faces now; it
                  forgets them by itself within about 10 minutes.
                </p>
                <p>{errorMessage(state.forgotten.error)}</p>
              </>
            ) : (
              <p>Forgotten: the photo and its analysis are gone from this page and from the server.</p>
            )}
          </div>
        )}
        {state.phase === 'error' && state.error?.code === 'no_face' && state.detector !== 'cnn' && (
          <LookHarder onClick={analysis.lookHarder} found={0} />
        )}
        {result && (
          <div className="results" ref={results} data-testid="results">
            <PhotoView photoUrl={state.photoUrl} result={result} selected={state.face} onSelect={onPhotoSelect} />
            <FaceChooser faces={result.faces} selected={state.face} onSelect={selectFace} />
            {result.aligned && state.detector !== 'cnn' && <LookHarder onClick={analysis.lookHarder} found={result.faces_found} />}
            <div className="save-row">
              <button type="button" onClick={() => saveJson(analysisExport(state), `${stem}_analysis.json`)}>
                Save analysis JSON
              </button>
              <button type="button" onClick={() => void analysis.forget()} aria-describedby="forget-hint" data-testid="forget">
                Forget this photo
              </button>
            </div>
            <p className="muted forget-hint" id="forget-hint">
              The server keeps this photo’s aligned faces for about {Math.max(1, Math.round(result.expires_in_s / 60))}{' '}
              minutes, for the explanations still to come; “Forget this photo” removes them now, and the photo from this
              page.
            </p>
          </div>
        )}
      </div>
      {result && face && (
        <div className="column-right">
          {/* Sticky: the method and opacity stay within reach while scrolling through the panels. */}
          <div className="controls-bar" data-testid="controls-bar">
            <MethodControls
              method={method}
              onMethod={(next) => dispatch({ type: 'setMethod', method: next })}
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
              <ProgressNote {...progress(state, METHODS)} />
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
                      onTarget={(label) => dispatch({ type: 'setTarget', face: face.index, model, target: label })}
                      onRecompute={(steps) => dispatch({ type: 'recompute', face: face.index, model, target, steps })}
                      grid={{
                        shown: state.gridsShown.includes(targetKey(face.index, model)),
                        slot: state.grids[gridKey(face.index, model, method)],
                        onToggle: () => dispatch({ type: 'toggleGrid', face: face.index, model }),
                        igOutput: settings.ig_output,
                      }}
                    />
                  )
                })}
            </div>
          </section>
          {pair && compare && (
            <ComparePanel
              face={face}
              models={pair}
              method={method}
              opacity={opacity}
              slot={state.comparisons[compare.key]}
              target={compare.target}
              onTarget={(label) => dispatch({ type: 'setCompareTarget', face: face.index, target: label })}
              enabled={compare.ready}
              fileStem={stem}
              igSteps={settings.ig_steps}
              onRecompute={(steps) => applyIgOptions({ ig_steps: steps })}
              igOutput={settings.ig_output}
              analysed={result.models}
              onPair={(models) => dispatch({ type: 'pair', models })}
            />
          )}
        </div>
      )}
    </div>
  )
}
