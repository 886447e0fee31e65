import type { Face } from '../api/types'
import { classLabel } from './format'

/** Under this width in the photo (pixels), a face carries too little detail for reliable predictions. */
export const SMALL_FACE_PX = 60

export function faceWidth(face: Face): number {
  return face.box.right - face.box.left
}

export function isSmallFace(face: Face): boolean {
  return faceWidth(face) < SMALL_FACE_PX
}

/** The position (in `faces`) of the face with the largest box; the first of equals; 0 when none. */
export function largestFace(faces: readonly Face[]): number {
  let best = 0
  let bestArea = -1
  faces.forEach((face, i) => {
    const area = Math.max(0, face.box.right - face.box.left) * Math.max(0, face.box.bottom - face.box.top)
    if (area > bestArea) {
      best = i
      bestArea = area
    }
  })
  return best
}

/** The top prediction of gender, age and race for a face chip, e.g. "Female · 30-39 · White". */
export function faceSummary(face: Face): string {
  return ['gender', 'age', 'race']
    .map((model) => face.predictions[model]?.label)
    .filter((label): label is string => !!label)
    .map(classLabel)
    .join(' · ')
}
