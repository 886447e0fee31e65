import { createEvent, fireEvent, render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { UploadPanel } from './UploadPanel'

const photo = () => new File([new Uint8Array([1, 2, 3])], 'face.png', { type: 'image/png' })

function setup() {
  const onFile = vi.fn()
  const onSettings = vi.fn()
  const onApplyIg = vi.fn()
  render(<UploadPanel onFile={onFile} settings={{ align: true }} onSettings={onSettings} onApplyIg={onApplyIg} busy={false} />)
  return { onFile, onSettings, onApplyIg }
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

  it('applies new Integrated Gradients options together, from the schema’s own rule names', async () => {
    const user = userEvent.setup()
    const { onApplyIg } = setup()
    await user.click(screen.getByText('Options'))
    const rule = screen.getByRole('combobox', { name: 'Quadrature rule' })
    expect(Array.from((rule as HTMLSelectElement).options).map((o) => o.value)).toEqual(
      expect.arrayContaining(['', 'midpoint', 'gauss_legendre', 'trapezoid', 'left_riemann']),
    )
    await user.type(screen.getByRole('spinbutton', { name: 'Integrated Gradients steps' }), '128')
    await user.selectOptions(rule, 'trapezoid')
    expect(onApplyIg).not.toHaveBeenCalled()
    await user.click(screen.getByRole('button', { name: 'Apply and recompute' }))
    expect(onApplyIg).toHaveBeenCalledWith({ ig_steps: 128, ig_rule: 'trapezoid' })
  })
})
