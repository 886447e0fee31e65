import { pngDataUrl } from '../lib/images'

interface Props {
  chip: string
  heatmap?: string | null
  opacity: number
  alt: string
  status?: string
  testId?: string
}

/** The aligned face with an RGBA heatmap on top; the heatmap's opacity is the user's to set. */
export function Overlay({ chip, heatmap, opacity, alt, status, testId }: Props) {
  return (
    <div className="overlay" data-testid={testId}>
      <img className="overlay-chip" src={pngDataUrl(chip)} alt="" aria-hidden="true" />
      {heatmap ? (
        <img className="overlay-heat" src={pngDataUrl(heatmap)} alt={alt} style={{ opacity }} data-testid="heatmap" />
      ) : (
        <div className="overlay-status" role="status">
          {status ?? 'No heatmap'}
        </div>
      )}
    </div>
  )
}
