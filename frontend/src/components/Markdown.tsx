import type { ReactNode } from 'react'

/**
 * Just enough Markdown for a model card (headings, lists, tables as text, paragraphs, `code`,
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
      blocks.push(<pre key={blocks.length}>{table.join('\n')}</pre>)
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

function inline(text: string): ReactNode[] {
  return text.split(/(`[^`]+`|\*\*[^*]+\*\*)/g).map((part, i) => {
    if (part.startsWith('`') && part.endsWith('`') && part.length > 1) return <code key={i}>{part.slice(1, -1)}</code>
    if (part.startsWith('**') && part.endsWith('**') && part.length > 3) return <strong key={i}>{part.slice(2, -2)}</strong>
    return part
  })
}
