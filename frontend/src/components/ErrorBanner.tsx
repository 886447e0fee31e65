import { ApiError, errorMessage, extraDetail } from '../api/errors'

/** A failed upload or request, in words a user can act on, with the server's own detail below. */
export function ErrorBanner({ error, onDismiss }: { error: ApiError; onDismiss?: () => void }) {
  const detail = extraDetail(error)
  return (
    <div className="error" role="alert" data-testid="error" data-code={error.code}>
      <p className="error-title">{errorMessage(error)}</p>
      {detail && <p className="error-detail">{detail}</p>}
      {onDismiss && (
        <button type="button" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  )
}
