import { createEvent, fireEvent, render, screen, waitFor } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { SAMPLES } from '../lib/samples'
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

describe('UploadPanel: the sample photos', () => {
  afterEach(() => {
    vi.unstubAllGlobals()
    vi.unstubAllEnvs()
  })

  it('offers every sample as one button whose name starts with "Sample", and says what the page will show', () => {
    setup()
    const buttons = screen.getAllByRole('button', { name: /^Sample: / })
    expect(buttons).toHaveLength(SAMPLES.length)
    expect(screen.getByRole('button', { name: 'Sample: astronaut (one face)' })).toBeEnabled()
    expect(screen.getByRole('button', { name: 'Sample: two portraits (two faces)' })).toBeEnabled()
    expect(screen.getByRole('button', { name: /^Sample: astronaut/ })).toHaveAccessibleDescription(/predicted age, gender and race/)
    expect(screen.getByTestId('samples')).toHaveTextContent(/public domain/)
  })

  it('fetches a sample and hands it on as a file, like an upload', async () => {
    const fetch = vi.fn(async () => new Response(new Blob([new Uint8Array([0xff, 0xd8, 0xff])], { type: 'image/jpeg' })))
    vi.stubGlobal('fetch', fetch)
    const { onFile } = setup()
    await userEvent.click(screen.getByRole('button', { name: /^Sample: Grace Hopper/ }))
    await waitFor(() => expect(onFile).toHaveBeenCalledTimes(1))
    expect(fetch).toHaveBeenCalledWith('/samples/grace_hopper.jpg', undefined)
    const file = onFile.mock.calls[0][0] as File
    expect(file.name).toBe('grace_hopper.jpg')
    expect(file.type).toBe('image/jpeg')
    expect(new Uint8Array(await file.arrayBuffer())).toEqual(new Uint8Array([0xff, 0xd8, 0xff]))
  })

  it('says so when a sample cannot be loaded', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => new Response('gone', { status: 404 })))
    const { onFile } = setup()
    await userEvent.click(screen.getByRole('button', { name: /^Sample: astronaut/ }))
    expect(await screen.findByRole('alert')).toHaveTextContent('The sample “astronaut” could not be loaded.')
    expect(onFile).not.toHaveBeenCalled()
  })

  it('in the static demo: uploading is off, plainly said, and the samples stay', () => {
    vi.stubEnv('VITE_FACEXAI_DEMO', '1')
    const { onFile } = setup()
    expect(screen.getByTestId('uploads-off')).toHaveTextContent(/Uploading your own photo is off in this static demo/)
    expect(screen.queryByLabelText('Photo to analyse')).toBeNull()
    expect(screen.queryByRole('button', { name: 'Choose a photo…' })).toBeNull()
    expect(screen.queryByText('Options')).toBeNull()
    fireEvent(window, createEvent.paste(window, { clipboardData: { files: [photo()] } }))
    expect(onFile).not.toHaveBeenCalled()
    expect(screen.getAllByRole('button', { name: /^Sample: / })).toHaveLength(SAMPLES.length)
  })
})
