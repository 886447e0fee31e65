// What the whole app needs from GET /models, fetched once: the names people read for the models
// (display_name), the most Integrated Gradients steps the service accepts (ig_max_steps, a setting
// read at run time, so never the build's copy of the default), the pair the per-face comparison
// uses (compare_default) and the thresholds its summary words the figures with (rules). Until it
// answers (or if it fails), modelTitle derives a name from the id the same way the backend does, the
// step limit and the thresholds are unknown and the comparison falls back to race vs race_biased.
// While the service still loads its models (503), it is asked again a few seconds later.
import { createContext, createElement, useContext, useEffect, useMemo, useState, type ReactNode } from 'react'
import { fetchModels } from '../api/client'
import { ApiError } from '../api/errors'
import type { ModelsResponse, SummaryRules } from '../api/types'
import { modelTitle } from '../lib/format'

export type DisplayName = (model: string) => string

export function displayNames(names: Record<string, string>): DisplayName {
  return (model) => names[model] || modelTitle(model)
}

export const ModelNamesContext = createContext<DisplayName>(modelTitle)

/** The most ig_steps a request may ask for, as the service says (undefined until it has). */
export const IgMaxStepsContext = createContext<number | undefined>(undefined)

/** GET /models's whole answer (undefined until it has answered, or without a provider). */
export const ModelsResponseContext = createContext<ModelsResponse | undefined>(undefined)

/** The display name of a model id, for visible text; API keys stay ids. */
export function useDisplayName(): DisplayName {
  return useContext(ModelNamesContext)
}

export function useIgMaxSteps(): number | undefined {
  return useContext(IgMaxStepsContext)
}

/** What GET /models said, once it has: compare_default, the models the service serves. */
export function useModelsResponse(): ModelsResponse | undefined {
  return useContext(ModelsResponseContext)
}

/** The thresholds the service's comparison summary words its figures with (undefined until GET /models answers). */
export function useSummaryRules(): SummaryRules | undefined {
  return useContext(ModelsResponseContext)?.rules
}

/** GET /models again this long after a 503 (the service still loading its models) … */
export const MODELS_RETRY_MS = 3000
/** … this many times at most (about three minutes). */
export const MODELS_RETRIES = 60

/** Loads GET /models once; the returned display-name function is stable until it answers. */
export function useModelsLoader(): { displayName: DisplayName; igMaxSteps: number | undefined; response: ModelsResponse | undefined } {
  const [response, setResponse] = useState<ModelsResponse>()
  useEffect(() => {
    const abort = new AbortController()
    let timer: ReturnType<typeof setTimeout> | undefined
    let tries = 0
    const load = () =>
      fetchModels(abort.signal)
        .then(setResponse)
        .catch((error: unknown) => {
          if (abort.signal.aborted) return
          // the models still loading: ask again; meanwhile the derived names stand in, no recompute is offered
          tries += 1
          if (error instanceof ApiError && error.status === 503 && tries < MODELS_RETRIES) timer = setTimeout(load, MODELS_RETRY_MS)
        })
    void load()
    return () => {
      abort.abort()
      clearTimeout(timer)
    }
  }, [])
  const displayName = useMemo(
    () => displayNames(Object.fromEntries((response?.models ?? []).map((m) => [m.name, m.display_name]))),
    [response],
  )
  return { displayName, igMaxSteps: response?.ig_max_steps, response }
}

/** Gives the whole app what GET /models says (display names, the IG step limit, the comparison's pair). */
export function ModelsProvider({ children }: { children: ReactNode }) {
  const { displayName, igMaxSteps, response } = useModelsLoader()
  return createElement(
    ModelsResponseContext.Provider,
    { value: response },
    createElement(
      ModelNamesContext.Provider,
      { value: displayName },
      createElement(IgMaxStepsContext.Provider, { value: igMaxSteps }, children),
    ),
  )
}
