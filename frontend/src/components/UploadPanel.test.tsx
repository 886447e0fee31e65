import { createEvent, fireEvent, render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { UploadPanel } from './UploadPanel'

const photo = () => new File([new Uint8Array([1, 2, 3])], 'face.png', { type: 'image/png' })

function setup() {
  const onFile = vi.fn()
  const onSettings = vi.fn()
  render(<UploadPanel onFile={onFile} settings={{ align: true }} onSettings={onSettings} busy={false} />)
  return { onFile, onSettings }
}

describe('UploadPanel', () => {
  it('takes a picked file', async () => {
    const { onFile } = setup()
    const file = photo()
    await userEvent.upload(screen.getByLabelText('Photo to analyse'), file)
    expect(onFile).toHaveBeenCalledWith(file)
  })

  it('takes a dropped file, preferring an image', () => {
    const { onFile } = setup()
    const text = new File(['x'], 'notes.txt', { type: 'text/plain' })
    const image = photo()
    fireEvent.drop(screen.getByTestId('dropzone'), { dataTransfer: { files: [text, image] } })
    expect(onFile).toHaveBeenCalledWith(image)
  })

  it('takes a pasted image anywhere on the page', () => {
    const { onFile } = setup()
    const image = photo()
    const event = createEvent.paste(window, { clipboardData: { files: [image] } })
    fireEvent(window, event)
    expect(onFile).toHaveBeenCalledWith(image)
  })

  it('passes the align option on', async () => {
    const { onSettings } = setup()
    await userEvent.click(screen.getByText('Options'))
    await userEvent.click(screen.getByRole('checkbox', { name: /Align faces/ }))
    expect(onSettings).toHaveBeenCalledWith({ align: false })
  })
})
