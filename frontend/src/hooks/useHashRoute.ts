import { useEffect, useState } from 'react'

export type Route = 'analyze' | 'models'

/**
 * Hash routes (`#/`, `#/models`): the service serves this app at `/` and its API beside it
 * (`/models`, `/analyze`), so client-side paths must never look like API paths.
 */
export function routeOf(hash: string): Route {
  return hash.replace(/^#\/?/, '').split(/[/?]/)[0] === 'models' ? 'models' : 'analyze'
}

export function useHashRoute(): Route {
  const [route, setRoute] = useState<Route>(() => routeOf(window.location.hash))
  useEffect(() => {
    const onChange = () => setRoute(routeOf(window.location.hash))
    window.addEventListener('hashchange', onChange)
    return () => window.removeEventListener('hashchange', onChange)
  }, [])
  return route
}
