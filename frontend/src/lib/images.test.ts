import { describe, expect, it } from 'vitest'
import { base64ToBlob, fileStem, pngDataUrl } from './images'

describe('images', () => {
  it('prefixes bare base64 once', () => {
    expect(pngDataUrl('iVBOR')).toBe('data:image/png;base64,iVBOR')
    expect(pngDataUrl('data:image/png;base64,iVBOR')).toBe('data:image/png;base64,iVBOR')
  })

  it('decodes base64 to the exact bytes', async () => {
    const blob = base64ToBlob(btoa(String.fromCharCode(0x89, 0x50, 0x4e, 0x47)))
    expect(blob.type).toBe('image/png')
    expect(Array.from(new Uint8Array(await blob.arrayBuffer()))).toEqual([0x89, 0x50, 0x4e, 0x47])
    const prefixed = base64ToBlob(`data:image/png;base64,${btoa('ab')}`)
    expect(await prefixed.text()).toBe('ab')
  })

  it('makes file-name-safe stems', () => {
    expect(fileStem('team photo (1).JPG')).toBe('team_photo_1')
    expect(fileStem('../../etc/passwd')).toBe('passwd')
    expect(fileStem('C:\\photos\\me.png')).toBe('me')
    expect(fileStem('.jpg')).toBe('photo')
  })
})
