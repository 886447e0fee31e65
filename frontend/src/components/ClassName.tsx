import { Fragment } from 'react'
import { classLabel } from '../lib/format'

/**
 * A class label as people read it ("Latino/Hispanic"), free to wrap after its slash on a narrow
 * screen but never inside a word ("Latino/Hispani|c"); the text itself is unchanged.
 */
export function ClassName({ label }: { label: string }) {
  const parts = classLabel(label).split('/')
  return (
    <>
      {parts.map((part, i) => (
        <Fragment key={i}>
          {i > 0 && (
            <>
              /<wbr />
            </>
          )}
          {part}
        </Fragment>
      ))}
    </>
  )
}
