import { useEffect, useRef, useState } from 'react'

interface Props {
  onCapture: (file: File) => void
  onClose: () => void
}

/** Takes one still from the camera, where the browser allows it (https or localhost). */
export function CameraCapture({ onCapture, onClose }: Props) {
  const video = useRef<HTMLVideoElement>(null)
  const dialog = useRef<HTMLDivElement>(null)
  const [error, setError] = useState<string>()

  useEffect(() => {
    let stream: MediaStream | undefined
    let cancelled = false
    navigator.mediaDevices
      .getUserMedia({ video: { facingMode: 'user' }, audio: false })
      .then((media) => {
        if (cancelled) {
          media.getTracks().forEach((track) => track.stop())
          return
        }
        stream = media
        if (video.current) {
          video.current.srcObject = media
          void video.current.play()
        }
      })
      .catch((cause: unknown) => setError(cause instanceof Error ? cause.message : String(cause)))
    dialog.current?.focus()
    return () => {
      cancelled = true
      stream?.getTracks().forEach((track) => track.stop())
    }
  }, [])

  const capture = () => {
    const element = video.current
    if (!element || !element.videoWidth) return
    const canvas = document.createElement('canvas')
    canvas.width = element.videoWidth
    canvas.height = element.videoHeight
    canvas.getContext('2d')?.drawImage(element, 0, 0)
    canvas.toBlob((blob) => {
      if (blob) onCapture(new File([blob], 'camera.png', { type: 'image/png' }))
    }, 'image/png')
  }

  return (
    <div
      className="camera"
      role="dialog"
      aria-modal="true"
      aria-label="Camera"
      tabIndex={-1}
      ref={dialog}
      onKeyDown={(event) => event.key === 'Escape' && onClose()}
    >
      {error ? (
        <p role="alert">The camera could not be opened: {error}</p>
      ) : (
        <video ref={video} playsInline muted aria-label="Camera preview" />
      )}
      <div className="upload-actions">
        {!error && (
          <button type="button" className="primary" onClick={capture}>
            Take photo
          </button>
        )}
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </div>
  )
}
