import { render, screen } from '@testing-library/react'
import userEvent from '@testing-library/user-event'
import { describe, expect, it, vi } from 'vitest'
import { analyzeResponse } from '../test/fixtures'
import { FaceChooser } from './FaceChooser'
import { PhotoView } from './PhotoView'

describe('PhotoView', () => {
  it('places a numbered box on each face, in percent of the oriented photo', () => {
    const result = analyzeResponse(2)
    result.faces[1].box = { left: 500, top: 100, right: 750, bottom: 400 }
    render(<PhotoView photoUrl="blob:x" result={result} selected={1} onSelect={() => {}} />)
    const boxes = screen.getAllByTestId('face-box')
    expect(boxes.map((b) => b.textContent)).toEqual(['1', '2'])
    expect(boxes[1].style.left).toBe('50.000%')
    expect(boxes[1].style.top).toBe('20.000%')
    expect(boxes[1].style.width).toBe('25.000%')
    expect(boxes[1].style.height).toBe('60.000%')
    expect(boxes[1]).toHaveAttribute('aria-pressed', 'true')
    expect(screen.getByText('2 faces found')).toBeInTheDocument()
  })

  it('tells when faces were skipped', () => {
    const result = { ...analyzeResponse(1), faces_found: 12, faces_skipped: 2 }
    render(<PhotoView result={result} selected={0} onSelect={() => {}} />)
    expect(screen.getByText(/12 faces found \(2 smallest not analysed\)/)).toBeInTheDocument()
  })

  it('selects a face from its box', async () => {
    const onSelect = vi.fn()
    render(<PhotoView photoUrl="blob:x" result={analyzeResponse(2)} selected={0} onSelect={onSelect} />)
    await userEvent.click(screen.getByRole('button', { name: 'Face 2' }))
    expect(onSelect).toHaveBeenCalledWith(1)
  })
})

describe('FaceChooser', () => {
  it('shows each aligned chip and moves with the arrow keys', async () => {
    const onSelect = vi.fn()
    const user = userEvent.setup()
    const faces = analyzeResponse(3).faces
    render(<FaceChooser faces={faces} selected={0} onSelect={onSelect} />)
    expect(screen.getByRole('img', { name: 'Aligned face 2' })).toHaveAttribute('src', 'data:image/png;base64,CHIP-1')
    screen.getAllByTestId('face-chip')[0].focus()
    await user.keyboard('{ArrowLeft}')
    expect(onSelect).toHaveBeenLastCalledWith(2)
    await user.keyboard('{ArrowRight}')
    expect(onSelect).toHaveBeenLastCalledWith(1)
  })
})
