import type { Prediction } from '../api/types'
import { classLabel, percent } from '../lib/format'
import { ClassName } from './ClassName'

interface Props {
  /** the model's display name */
  model: string
  prediction: Prediction
  /** the class whose explanation is shown */
  target: string
  onTarget: (label: string) => void
}

/**
 * Every class's probability as a bar. Each row is a button: choosing it explains that class
 * (a "class switch"), so a user can ask why the model did not say something else.
 */
export function ProbabilityBars({ model, prediction, target, onTarget }: Props) {
  const entries = Object.entries(prediction.probabilities)
  return (
    <ul className="bars" aria-label={`${model}: probability of each class`}>
      {entries.map(([label, probability]) => {
        const chosen = label === target
        const predicted = label === prediction.label
        return (
          <li key={label}>
            <button
              type="button"
              className={`bar-row${chosen ? ' chosen' : ''}${predicted ? ' predicted' : ''}`}
              aria-pressed={chosen}
              aria-label={`${classLabel(label)}: ${percent(probability)}${predicted ? ' (predicted)' : ''}. Explain this class`}
              onClick={() => onTarget(label)}
              data-testid="class-row"
            >
              <span className="bar-label">
                <ClassName label={label} />
              </span>
              <span className="bar-track" aria-hidden="true">
                <span className="bar-fill" style={{ width: `${Math.max(0, Math.min(1, probability)) * 100}%` }} />
              </span>
              <span className="bar-value">{percent(probability)}</span>
            </button>
          </li>
        )
      })}
    </ul>
  )
}
