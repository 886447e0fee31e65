import { isDemo } from '../demo'

/**
 * Faces can be missed: dlib's fast (HOG) detector finds frontal faces of about 40 px and up, and misses
 * some turned, small or partly hidden ones. Looking harder adds its CNN detector and keeps both detectors'
 * faces, at a cost of seconds per photo (measured: 3.8 s for an 800-px photo on a quiet 2-core machine,
 * 9-14 s on a loaded one), so it is offered, not used by default.
 */
export function LookHarder({ onClick, found }: { onClick: () => void; found: number }) {
  if (isDemo()) return null // the static demo recorded the fast detector's faces only
  return (
    <p className="hint" data-testid="look-harder">
      {found === 0
        ? 'The fast face detector found no face. '
        : `The fast face detector found ${found === 1 ? 'one face' : `${found} faces`}; it can miss turned, small or partly hidden ones. `}
      <button type="button" className="small" onClick={onClick}>
        Look harder
      </button>{' '}
      <span className="muted">(a slower detector: several seconds more)</span>
    </p>
  )
}
