import { render, screen, within } from '@testing-library/react'
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
    // without a |---| row it is not a table: kept as the text it is
    expect(container.querySelector('table')).toBeNull()
    expect(container.querySelector('pre')!.textContent).toBe('| a | b |\n| 1 | 2 |')
  })

  it('renders a GFM table as a table: header cells, body rows, alignment and inline marks', () => {
    const card = [
      'On val: accuracy **68.4%**.',
      '',
      '| race | faces | accuracy | 95% bootstrap interval |',
      '| --- | ---: | :---: | --- |',
      '| White | 775 | **74.2%** | 71.1% – 77.2% |',
      '| Latino/Hispanic | 575 | 53.6% | `a \\| b` |',
      '',
      'After the table.',
    ].join('\n')
    const { container } = render(<Markdown text={card} />)
    const table = screen.getByRole('table')
    expect(container.querySelector('pre')).toBeNull()
    expect(within(table).getAllByRole('columnheader').map((th) => th.textContent)).toEqual([
      'race',
      'faces',
      'accuracy',
      '95% bootstrap interval',
    ])
    const rows = within(table).getAllByRole('row').slice(1)
    expect(rows).toHaveLength(2)
    const cells = within(rows[0]).getAllByRole('cell')
    expect(cells.map((td) => td.textContent)).toEqual(['White', '775', '74.2%', '71.1% – 77.2%'])
    expect(cells[1]).toHaveStyle({ textAlign: 'right' })
    expect(cells[2]).toHaveStyle({ textAlign: 'center' })
    expect(cells[2].querySelector('strong')).not.toBeNull()
    expect(within(rows[1]).getAllByRole('cell')[3].textContent).toBe('a | b')
    expect(screen.getByText('After the table.').tagName).toBe('P')
    expect(table.textContent).not.toMatch(/\|\s*---/)
  })
})
