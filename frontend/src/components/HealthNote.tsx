import { useEffect, useState } from 'react'
import { fetchHealth } from '../api/client'
import { ApiError } from '../api/errors'

/** Says so while the service is still loading its models (GET /health answers 503 until then). */
export function HealthNote() {
  const [loading, setLoading] = useState(false)
  useEffect(() => {
    let timer: ReturnType<typeof setTimeout> | undefined
    let stopped = false
    const check = async () => {
      try {
        const health = await fetchHealth()
        if (stopped) return
        setLoading(health.status !== 'ok')
        if (health.status !== 'ok') timer = setTimeout(check, 2000)
      } catch (error) {
        if (stopped) return
        const stillLoading = error instanceof ApiError && error.status === 503
        setLoading(stillLoading)
        if (stillLoading) timer = setTimeout(check, 2000)
      }
    }
    void check()
    return () => {
      stopped = true
      clearTimeout(timer)
    }
  }, [])
  if (!loading) return null
  return (
    <p className="note" role="status">
      The models are still loading; analyses will work in a few seconds.
    </p>
  )
}
