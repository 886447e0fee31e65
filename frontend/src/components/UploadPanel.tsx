import { useEffect, useId, useRef, useState, type DragEvent } from 'react'
import { igStepsRange } from '../api/schema'
import {
  explainedOutputValues,
  quadratureRuleValues,
  type ExplainedOutput,
  type IgOptions,
  type QuadratureRule,
} from '../api/types'
import { isDemo } from '../demo'
import { useIgMaxSteps } from '../hooks/modelNames'
import type { Settings } from '../hooks/analysisState'
import { pickFile } from '../lib/files'
import { SAMPLES, sampleFile, sampleUrl, type Sample } from '../lib/samples'
import { CameraCapture } from './CameraCapture'

interface Props {
  onFile: (file: File) => void
  settings: Settings
  onSettings: (settings: Settings) => void
  /** new Integrated Gradients options: recompute what is shown with them */
  onApplyIg: (options: IgOptions) => void
  busy: boolean
}

const NUMBERS = ['no', 'one', 'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten']
const facesInWords = (n: number) => `${NUMBERS[n] ?? n} face${n === 1 ? '' : 's'}`

/**
 * The sample photos, one click each: a sample's file is fetched and handed to `onFile`, the same path
 * as an upload.
 */
export function SamplePicker({ onFile, busy }: { onFile: (file: File) => void; busy: boolean }) {
  const [loading, setLoading] = useState<string>()
  const [failed, setFailed] = useState<string>()
  const noteId = useId()
  const pick = async (sample: Sample) => {
    setLoading(sample.id)
    setFailed(undefined)
    try {
      onFile(await sampleFile(sample))
    } catch {
      setFailed(sample.name)
    } finally {
      setLoading(undefined)
    }
  }
  return (
    <div className="samples" role="group" aria-labelledby={noteId} data-testid="samples">
      <p id={noteId} className="samples-note">
        {isDemo() ? 'Pick a sample photo' : 'No photo at hand? Try a sample'} (public domain): the page shows each face’s
        predicted age, gender and race, and where every model looked.
      </p>
      <div className="sample-list">
        {SAMPLES.map((sample) => (
          <button
            key={sample.id}
            type="button"
            className="sample"
            onClick={() => void pick(sample)}
            disabled={busy || loading !== undefined}
            aria-describedby={noteId}
          >
            <img src={sampleUrl(sample.thumb)} alt="" height={56} />
            <span className="sample-text">
              <span>Sample: {sample.name}</span>{' '}
              <span className="muted sample-faces">({facesInWords(sample.faces)})</span>
            </span>
          </button>
        ))}
      </div>
      {failed && (
        <p role="alert" className="error">
          The sample “{failed}” could not be loaded.
        </p>
      )}
    </div>
  )
}


export function UploadPanel({ onFile, settings, onSettings, onApplyIg, busy }: Props) {
  const [draft, setDraft] = useState<IgOptions>({})
  const igMaxSteps = useIgMaxSteps() // the service's setting, not the build's
  const input = useRef<HTMLInputElement>(null)
  const captureInput = useRef<HTMLInputElement>(null)
  const [dragging, setDragging] = useState(false)
  const [camera, setCamera] = useState(false)
  const hintId = useId()
  // A live camera needs getUserMedia (https or localhost); on a phone over plain http, the
  // file input's `capture` attribute still opens the camera app.
  const cameraStream = typeof navigator !== 'undefined' && !!navigator.mediaDevices?.getUserMedia
  const cameraCapture = !cameraStream && typeof matchMedia === 'function' && matchMedia('(pointer: coarse)').matches
  // The static demo has no service to analyse a photo with: only its recorded samples.
  const uploads = !isDemo()

  // Paste a photo anywhere on the page (Ctrl+V / Cmd+V).
  useEffect(() => {
    if (!uploads) return
    const onPaste = (event: ClipboardEvent) => {
      const file = pickFile(event.clipboardData?.files)
      if (file) {
        event.preventDefault()
        onFile(file)
      }
    }
    window.addEventListener('paste', onPaste)
    return () => window.removeEventListener('paste', onPaste)
  }, [onFile, uploads])

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault()
    setDragging(false)
    const file = pickFile(event.dataTransfer.files)
    if (file) onFile(file)
  }

  return (
    <section className="upload" aria-labelledby="upload-title">
      <h2 id="upload-title">Photo</h2>
      {uploads ? (
        <div
          className={`dropzone${dragging ? ' dragging' : ''}`}
          onDragOver={(event) => {
            event.preventDefault()
            setDragging(true)
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
          data-testid="dropzone"
        >
          <p id={hintId}>Drop a photo here, paste one (Ctrl+V), or</p>
          <div className="upload-actions">
            <button type="button" className="primary" onClick={() => input.current?.click()} disabled={busy}>
              Choose a photo…
            </button>
            {(cameraStream || cameraCapture) && (
              <button
                type="button"
                onClick={() => (cameraStream ? setCamera(true) : captureInput.current?.click())}
                disabled={busy}
              >
                Use the camera
              </button>
            )}
          </div>
          <input
            ref={input}
            type="file"
            accept="image/*"
            className="visually-hidden"
            aria-label="Photo to analyse"
            aria-describedby={hintId}
            data-testid="file-input"
            tabIndex={-1}
            onChange={(event) => {
              const file = pickFile(event.currentTarget.files)
              event.currentTarget.value = ''
              if (file) onFile(file)
            }}
          />
          {cameraCapture && (
            <input
              ref={captureInput}
              type="file"
              accept="image/*"
              capture="user"
              className="visually-hidden"
              aria-label="Photo from the camera"
              tabIndex={-1}
              onChange={(event) => {
                const file = pickFile(event.currentTarget.files)
                event.currentTarget.value = ''
                if (file) onFile(file)
              }}
            />
          )}
        </div>
      ) : (
        <p className="note" data-testid="uploads-off">
          Uploading your own photo is off in this static demo (it has no service to analyse one): pick a sample below.
        </p>
      )}
      <SamplePicker onFile={onFile} busy={busy} />
      {camera && (
        <CameraCapture
          onCapture={(file) => {
            setCamera(false)
            onFile(file)
          }}
          onClose={() => setCamera(false)}
        />
      )}
      {uploads ? (
        <details className="settings">
          <summary>Options</summary>
          <label className="check">
            <input
              type="checkbox"
              checked={settings.align}
              onChange={(event) => onSettings({ ...settings, align: event.currentTarget.checked })}
            />
            Align faces (turn off for a photo that is already a cropped, aligned face)
          </label>
          <form
            className="ig-options"
            aria-label="Integrated Gradients options"
            onSubmit={(event) => {
              event.preventDefault()
              onApplyIg(draft)
            }}
          >
            <label>
              Integrated Gradients steps
              <input
                type="number"
                min={igStepsRange.minimum}
                max={igMaxSteps}
                placeholder="server default"
                value={draft.ig_steps ?? ''}
                onChange={(event) => {
                  const value = event.currentTarget.valueAsNumber
                  setDraft({ ...draft, ig_steps: Number.isFinite(value) ? value : undefined })
                }}
              />
            </label>
            <label>
              Quadrature rule
              <select
                value={draft.ig_rule ?? ''}
                onChange={(event) => {
                  const value = event.currentTarget.value
                  setDraft({ ...draft, ig_rule: value ? (value as QuadratureRule) : undefined })
                }}
              >
                <option value="">server default</option>
                {quadratureRuleValues.map((rule) => (
                  <option key={rule} value={rule}>
                    {rule.replace('_', ' ')}
                  </option>
                ))}
              </select>
            </label>
            <label>
              Explained output
              <select
                value={draft.ig_output ?? ''}
                onChange={(event) => {
                  const value = event.currentTarget.value
                  setDraft({ ...draft, ig_output: value ? (value as ExplainedOutput) : undefined })
                }}
              >
                <option value="">server default</option>
                {explainedOutputValues.map((output) => (
                  <option key={output} value={output}>
                    {output}
                  </option>
                ))}
              </select>
            </label>
            <button type="submit">Apply and recompute</button>
          </form>
        </details>
      ) : (
        <p className="muted">The demo’s analyses were recorded with the service’s default options.</p>
      )}
    </section>
  )
}
