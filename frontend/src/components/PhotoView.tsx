import { useState } from 'react'
import type { AnalyzeResponse } from '../api/types'

interface Props {
  photoUrl?: string
  result: AnalyzeResponse
  selected: number
  onSelect: (face: number) => void
}

const pct = (value: number, whole: number) => `${((value / whole) * 100).toFixed(3)}%`

/** The photo with a numbered, clickable box on every face (boxes are in the oriented photo's pixels). */
export function PhotoView({ photoUrl, result, selected, onSelect }: Props) {
  const { width, height } = result.image
  // The service reads formats a browser may not show (TIFF, say): keep the boxes, drop the picture.
  const [broken, setBroken] = useState<string>()
  return (
    <figure className="photo" aria-label="Photo with detected faces">
      <div className="photo-frame" style={{ aspectRatio: `${width} / ${height}` }}>
        {photoUrl && broken !== photoUrl ? (
          <img src={photoUrl} alt="The uploaded photo" onError={() => setBroken(photoUrl)} />
        ) : (
          <div className="photo-missing">this browser cannot show the photo; the boxes are where the faces are</div>
        )}
        {result.faces.map((face) => {
          const { left, top, right, bottom } = face.box
          const isSelected = face.index === selected
          return (
            <button
              key={face.index}
              type="button"
              className={`face-box${isSelected ? ' selected' : ''}`}
              style={{
                left: pct(left, width),
                top: pct(top, height),
                width: pct(right - left, width),
                height: pct(bottom - top, height),
              }}
              aria-pressed={isSelected}
              aria-label={`Face ${face.index + 1}`}
              data-testid="face-box"
              onClick={() => onSelect(face.index)}
            >
              <span className="face-number" aria-hidden="true">
                {face.index + 1}
              </span>
            </button>
          )
        })}
      </div>
      <figcaption>
        {result.faces_found} face{result.faces_found === 1 ? '' : 's'} found
        {result.faces_skipped > 0 && ` (${result.faces_skipped} smallest not analysed)`}
        {!result.aligned && ' — treated as an already aligned face'}
      </figcaption>
    </figure>
  )
}
