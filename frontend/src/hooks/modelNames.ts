// What the whole app needs from GET /models, fetched once: the names people read for the models
// (display_name) and the most Integrated Gradients steps the service accepts (ig_max_steps, a setting
// read at run time, so never the build's copy of the default). Until it answers (or if it fails),
// modelTitle derives a name from the id the same way the backend does, and the step limit is unknown.
import { createContext, createElement, useContext, useEffect, useMemo, useState, type ReactNode } from 'react'
import { fetchModels } from '../api/client'
import { modelTitle } from '../lib/format'

export type DisplayName = (model: string) => string

export function displayNames(names: Record<string, string>): DisplayName {
  return (model) => names[model] || modelTitle(model)
}

export const ModelNamesContext = createContext<DisplayName>(modelTitle)

/** The most ig_steps a request may ask for, as the service says (undefined until it has). */
export const IgMaxStepsContext = createContext<number | undefined>(undefined)

/** The display name of a model id, for visible text; API keys stay ids. */
export function useDisplayName(): DisplayName {
  return useContext(ModelNamesContext)
}

export function useIgMaxSteps(): number | undefined {
  return useContext(IgMaxStepsContext)
}

/** Loads GET /models once; the returned display-name function is stable until it answers. */
export function useModelsLoader(): { displayName: DisplayName; igMaxSteps: number | undefined } {
  const [names, setNames] = useState<Record<string, string>>({})
  const [igMaxSteps, setIgMaxSteps] = useState<number | undefined>()
  useEffect(() => {
    const abort = new AbortController()
    fetchModels(abort.signal)
      .then((response) => {
        setNames(Object.fromEntries(response.models.map((m) => [m.name, m.display_name])))
        setIgMaxSteps(response.ig_max_steps)
      })
      .catch(() => undefined) // the derived names stand in; no recompute is offered
    return () => abort.abort()
  }, [])
  const displayName = useMemo(() => displayNames(names), [names])
  return { displayName, igMaxSteps }
}

/** Gives the whole app what GET /models says (display names, the IG step limit). */
export function ModelsProvider({ children }: { children: ReactNode }) {
  const { displayName, igMaxSteps } = useModelsLoader()
  return createElement(
    ModelNamesContext.Provider,
    { value: displayName },
    createElement(IgMaxStepsContext.Provider, { value: igMaxSteps }, children),
  )
}
