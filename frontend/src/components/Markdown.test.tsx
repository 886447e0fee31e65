import { render, screen } from '@testing-library/react'
import { describe, expect, it } from 'vitest'
import { Markdown } from './Markdown'

describe('Markdown', () => {
  it('renders headings, lists, emphasis and code as elements, never as HTML', () => {
    const { container } = render(
      <Markdown text={'# Race model\n\nTrained on **FairFace**.\n\n- input `224`\n- <img src=x onerror=alert(1)>\n\n| a | b |\n| 1 | 2 |'} />,
    )
    expect(screen.getByRole('heading', { name: 'Race model' }).tagName).toBe('H3')
    expect(screen.getByText('FairFace').tagName).toBe('STRONG')
    expect(screen.getByText('224').tagName).toBe('CODE')
    expect(screen.getAllByRole('listitem')).toHaveLength(2)
    expect(container.querySelector('img')).toBeNull()
    expect(screen.getByText('<img src=x onerror=alert(1)>')).toBeInTheDocument()
    expect(container.querySelector('pre')!.textContent).toBe('| a | b |\n| 1 | 2 |')
  })
})
