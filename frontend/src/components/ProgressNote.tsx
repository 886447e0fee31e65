import { useDisplayName } from '../hooks/modelNames'

interface Props {
  done: number
  total: number
  pending: string[]
}

/** How far the explanations of the chosen face have got; announced politely to screen readers. */
export function ProgressNote({ done, total, pending }: Props) {
  const displayName = useDisplayName()
  const complete = total > 0 && done >= total
  return (
    <div className="progress" role="status" aria-live="polite" data-testid="progress">
      {complete ? (
        <span>All explanations ready.</span>
      ) : (
        <>
          <progress value={done} max={Math.max(total, 1)} aria-label="Explanations computed" />
          <span>
            Explanations {done} of {total}
            {pending.length > 0 && ` — computing ${pending.map(displayName).join(', ')}`}
            …
          </span>
        </>
      )}
    </div>
  )
}
