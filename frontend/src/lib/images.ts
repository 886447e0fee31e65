// Turning the service's base64 PNGs into things the page can show and save.

/** The service sends PNGs as bare base64 (no data: prefix). */
export function pngDataUrl(base64: string): string {
  return base64.startsWith('data:') ? base64 : `data:image/png;base64,${base64}`
}

/** Saves a Blob under a file name through a temporary link (works in every current browser). */
export function saveBlob(blob: Blob, fileName: string): void {
  const url = URL.createObjectURL(blob)
  const link = document.createElement('a')
  link.href = url
  link.download = fileName
  link.rel = 'noopener'
  document.body.appendChild(link)
  link.click()
  link.remove()
  // Revoke later: some browsers read the URL after click() returns.
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
}

export function base64ToBlob(base64: string, type = 'image/png'): Blob {
  const bare = base64.startsWith('data:') ? base64.slice(base64.indexOf(',') + 1) : base64
  const bytes = Uint8Array.from(atob(bare), (c) => c.charCodeAt(0))
  return new Blob([bytes], { type })
}

export function saveJson(value: unknown, fileName: string): void {
  saveBlob(new Blob([JSON.stringify(value, null, 2)], { type: 'application/json' }), fileName)
}

/** Decodes an image URL (a data: URL of a base64 PNG, say) in the browser. */
export function loadImage(src: string): Promise<HTMLImageElement> {
  return new Promise((resolve, reject) => {
    const image = new Image()
    image.onload = () => resolve(image)
    image.onerror = () => reject(new Error('could not decode image'))
    image.src = src
  })
}

/**
 * The overlay exactly as shown: the face chip with the RGBA heatmap drawn over it at `opacity`,
 * as a PNG. Falls back to `fallback` (the service's own blend) where canvas is unavailable.
 */
export async function composeOverlayPng(
  chipBase64: string,
  heatmapBase64: string,
  opacity: number,
  fallback?: string,
): Promise<Blob> {
  try {
    const [chip, heat] = await Promise.all([loadImage(pngDataUrl(chipBase64)), loadImage(pngDataUrl(heatmapBase64))])
    const canvas = document.createElement('canvas')
    canvas.width = chip.naturalWidth
    canvas.height = chip.naturalHeight
    const context = canvas.getContext('2d')
    if (!context) throw new Error('no 2d canvas')
    context.drawImage(chip, 0, 0)
    context.globalAlpha = Math.min(1, Math.max(0, opacity))
    context.drawImage(heat, 0, 0, canvas.width, canvas.height)
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'))
    if (!blob) throw new Error('canvas gave no PNG')
    return blob
  } catch (error) {
    if (fallback) return base64ToBlob(fallback)
    throw error
  }
}

/** A file-name-safe stem of a photo's name: its base name without extension; letters, digits, dots, dashes. */
export function fileStem(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? ''
  const stem = base
    .replace(/\.[^.]*$/, '')
    .replace(/[^A-Za-z0-9.-]+/g, '_')
    .replace(/^[._]+|_+$/g, '')
  return stem || 'photo'
}
