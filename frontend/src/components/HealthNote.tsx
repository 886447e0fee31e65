import { useEffect, useState } from 'react'
import { fetchHealth } from '../api/client'
import { ApiError } from '../api/errors'
import type { HealthResponse } from '../api/types'

/** What GET /health's 503 body says, when it is one (the service loads its models in the background). */
function healthOf(error: unknown): HealthResponse | undefined {
  if (!(error instanceof ApiError) || error.status !== 503) return undefined
  const body = error.detail as Partial<HealthResponse> | undefined
  return body && typeof body.status === 'string' ? (body as HealthResponse) : undefined
}

/** Says so while the service is still loading its models (GET /health answers 503 until then), says
 *  why when loading failed, and names the models left out when some failed to load ("degraded"). */
export function HealthNote() {
  const [health, setHealth] = useState<HealthResponse | undefined>()
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    let stopped = false
    const check = async () => {
      try {
        const ok = await fetchHealth()
        if (!stopped) setHealth(ok)
      } catch (error) {
        if (stopped) return
        const body = healthOf(error)
        setHealth(body)
        if (body?.status === 'loading') timer = setTimeout(check, 2000)
      }
    }
    void check()
    return () => {
      stopped = true
      clearTimeout(timer)
    }
  }, [])
  if (!health || health.status === 'ok') return null
  if (health.status === 'degraded') {
    const failed = Object.keys(health.failed ?? {})
    return (
      <p className="note" role="status" data-testid="health-degraded">
        Not served: {failed.join(', ')} (failed to load; the models page says why). The other models work.
      </p>
    )
  }
  if (health.status === 'failed') {
    return (
      <p className="note error" role="alert">
        The service could not load its models ({health.detail}); see the service's log.
      </p>
    )
  }
  return (
    <p className="note" role="status">
      The models are still loading ({health.models_loaded} of {health.models_total}); analyses will work in a few
      seconds.
    </p>
  )
}
