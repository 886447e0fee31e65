import { isDemo } from '../demo'
import { useDisplayName, useModelsResponse } from '../hooks/modelNames'
import { pairChoices } from '../lib/format'

interface Props {
  /** the pair compared now */
  models: readonly [string, string]
  /** the models the analysis ran */
  analysed: readonly string[]
  onPair: (models: [string, string]) => void
}

/**
 * Which two models the comparison sets side by side: a model the analysis ran, and another of its
 * task (an analysed one, or another training seed served on request); choosing a first model of another
 * task picks a second of that task. Shown once GET /models has said each model's task.
 */
export function PairPicker({ models, analysed, onPair }: Props) {
  const displayName = useDisplayName()
  const served = useModelsResponse()?.models
  const choices = pairChoices(models, analysed, served)
  if (!choices || isDemo()) return null // the static demo recorded the default pair's comparison only
  const [first, second] = models
  const options = (names: readonly string[]) =>
    names.map((name) => (
      <option key={name} value={name}>
        {displayName(name)}
      </option>
    ))
  return (
    <div className="pair-picker" data-testid="pair-picker">
      <label className="target-select">
        Compare
        <select value={first} onChange={(event) => onPair(choices.withFirst(event.currentTarget.value))}>
          {options(choices.first)}
        </select>
      </label>
      <label className="target-select">
        with
        <select value={second} onChange={(event) => onPair([first, event.currentTarget.value])}>
          {options(choices.second)}
        </select>
      </label>
      {analysed.includes(second) && (
        <button type="button" className="small" onClick={() => onPair([second, first])}>
          Swap
        </button>
      )}
    </div>
  )
}
