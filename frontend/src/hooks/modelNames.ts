// The names people read for the models: GET /models's display_name, fetched once for the whole app.
// Until it answers (or if it fails), modelTitle derives a name from the id the same way the backend does.
import { createContext, useContext, useEffect, useMemo, useState } from 'react'
import { fetchModels } from '../api/client'
import { modelTitle } from '../lib/format'

export type DisplayName = (model: string) => string

export function displayNames(names: Record<string, string>): DisplayName {
  return (model) => names[model] || modelTitle(model)
}

export const ModelNamesContext = createContext<DisplayName>(modelTitle)

/** The display name of a model id, for visible text; API keys stay ids. */
export function useDisplayName(): DisplayName {
  return useContext(ModelNamesContext)
}

/** Loads the display names once; the returned function is stable until they arrive. */
export function useModelNamesLoader(): DisplayName {
  const [names, setNames] = useState<Record<string, string>>({})
  useEffect(() => {
    const abort = new AbortController()
    fetchModels(abort.signal)
      .then((response) => setNames(Object.fromEntries(response.models.map((m) => [m.name, m.display_name]))))
      .catch(() => undefined) // the derived names stand in
    return () => abort.abort()
  }, [])
  return useMemo(() => displayNames(names), [names])
}
