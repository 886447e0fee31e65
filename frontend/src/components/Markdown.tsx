import type { ReactNode } from 'react'

/**
 * Just enough Markdown for a model card (headings, lists, GFM tables, paragraphs, `code`,
 * **bold**), rendered as React elements: the card is data from the server, never raw HTML.
 */
export function Markdown({ text }: { text: string }) {
  const blocks: ReactNode[] = []
  let list: string[] = []
  let paragraph: string[] = []
  let table: string[] = []
  let code: string[] | null = null
  const flush = () => {
    if (table.length) {
      blocks.push(tableBlock(table, blocks.length))
      table = []
    }
    if (list.length) {
      blocks.push(
        <ul key={blocks.length}>
          {list.map((item, i) => (
            <li key={i}>{inline(item)}</li>
          ))}
        </ul>,
      )
      list = []
    }
    if (paragraph.length) {
      blocks.push(<p key={blocks.length}>{inline(paragraph.join(' '))}</p>)
      paragraph = []
    }
  }
  for (const line of text.split('\n')) {
    if (code !== null) {
      if (line.startsWith('```')) {
        blocks.push(<pre key={blocks.length}>{code.join('\n')}</pre>)
        code = null
      } else code.push(line)
      continue
    }
    if (line.startsWith('```')) {
      flush()
      code = []
      continue
    }
    const heading = /^(#{1,6})\s+(.*)$/.exec(line)
    const item = /^\s*[-*]\s+(.*)$/.exec(line)
    if (heading) {
      flush()
      const level = Math.min(6, heading[1].length + 2)
      const Tag = `h${level}` as 'h3'
      blocks.push(<Tag key={blocks.length}>{inline(heading[2])}</Tag>)
    } else if (item) {
      if (paragraph.length || table.length) flush()
      list.push(item[1])
    } else if (line.startsWith('|')) {
      if (list.length || paragraph.length) flush()
      table.push(line)
    } else if (line.trim() === '') {
      flush()
    } else {
      if (list.length || table.length) flush()
      paragraph.push(line.trim())
    }
  }
  if (code !== null) blocks.push(<pre key={blocks.length}>{(code as string[]).join('\n')}</pre>)
  flush()
  return <div className="markdown">{blocks}</div>
}

type Align = 'left' | 'right' | 'center' | undefined

/** The cells of a table row: "| a | b |" -> ["a", "b"] (a backslash-escaped pipe stays in its cell). */
function tableCells(line: string): string[] {
  const body = line.trim().replace(/^\|/, '').replace(/\|$/, '')
  return body.split(/(?<!\\)\|/).map((cell) => cell.trim().replace(/\\\|/g, '|'))
}

const SEPARATOR = /^:?-{1,}:?$/

function alignOf(cell: string): Align {
  const left = cell.startsWith(':')
  const right = cell.endsWith(':')
  return left && right ? 'center' : right ? 'right' : left ? 'left' : undefined
}

/**
 * A GFM table (a header row, a |---|---:| row, body rows) as a <table>, wrapped so a wide one
 * scrolls inside its card; lines that only look like a table stay as text.
 */
function tableBlock(lines: string[], key: number): ReactNode {
  const separator = lines.length >= 2 ? tableCells(lines[1]) : []
  if (!separator.length || !separator.every((cell) => SEPARATOR.test(cell))) return <pre key={key}>{lines.join('\n')}</pre>
  const header = tableCells(lines[0])
  const align = header.map((_, i) => alignOf(separator[i] ?? ''))
  const rows = lines.slice(2).map(tableCells)
  return (
    <div className="table-scroll" key={key}>
      <table>
        <thead>
          <tr>
            {header.map((cell, i) => (
              <th key={i} scope="col" style={align[i] ? { textAlign: align[i] } : undefined}>
                {inline(cell)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row, r) => (
            <tr key={r}>
              {header.map((_, i) => (
                <td key={i} style={align[i] ? { textAlign: align[i] } : undefined}>
                  {inline(row[i] ?? '')}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  )
}

function inline(text: string): ReactNode[] {
  return text.split(/(`[^`]+`|\*\*[^*]+\*\*)/g).map((part, i) => {
    if (part.startsWith('`') && part.endsWith('`') && part.length > 1) return <code key={i}>{part.slice(1, -1)}</code>
    if (part.startsWith('**') && part.endsWith('**') && part.length > 3) return <strong key={i}>{part.slice(2, -2)}</strong>
    return part
  })
}
