import type { Face } from '../api/types'
import { faceSummary, faceWidth, isSmallFace } from '../lib/faces'
import { pngDataUrl } from '../lib/images'

interface Props {
  faces: Face[]
  selected: number
  onSelect: (face: number) => void
}

/** One button per face with its aligned chip; arrow keys move between them. */
export function FaceChooser({ faces, selected, onSelect }: Props) {
  return (
    <div
      className="face-chooser"
      role="group"
      aria-label="Choose a face"
      onKeyDown={(event) => {
        const step = event.key === 'ArrowRight' || event.key === 'ArrowDown' ? 1 : event.key === 'ArrowLeft' || event.key === 'ArrowUp' ? -1 : 0
        if (!step || faces.length < 2) return
        event.preventDefault()
        const next = (selected + step + faces.length) % faces.length
        onSelect(next)
        const buttons = event.currentTarget.querySelectorAll<HTMLButtonElement>('button')
        buttons[next]?.focus()
      }}
    >
      {faces.map((face) => (
        <button
          key={face.index}
          type="button"
          className={`face-chip${face.index === selected ? ' selected' : ''}`}
          aria-pressed={face.index === selected}
          onClick={() => onSelect(face.index)}
          data-testid="face-chip"
        >
          <img src={pngDataUrl(face.aligned_image)} alt={`Aligned face ${face.index + 1}`} />
          <span className="face-name">Face {face.index + 1}</span>
          <span className="face-summary" data-testid="face-summary">
            {faceSummary(face)}
          </span>
          {isSmallFace(face) && (
            <span className="face-small" data-testid="small-face">
              small ({Math.round(faceWidth(face))} px)
            </span>
          )}
        </button>
      ))}
    </div>
  )
}
