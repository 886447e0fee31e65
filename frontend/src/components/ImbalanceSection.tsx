import type { Imbalance, ImbalanceCell } from '../api/types'
import { points } from '../lib/audit'
import { classLabel } from '../lib/format'
import { ClassName } from './ClassName'

interface Props {
  imbalance: Imbalance
  /** a model id's display name */
  name: (model: string) => string
  /** the race labels, in FairFace's order (GET /models `races`) */
  races: readonly string[]
}

/** A cell's effect in points with its 95% interval: "+3.1 [+2.1, +4.1]". */
function effectText(cell: ImbalanceCell): string {
  return `${points(cell.effect)} [${points(cell.ci_low)}, ${points(cell.ci_high)}]`
}

/** What retraining alone moves, in points (never negative): "0.9". */
function retrainingText(cell: ImbalanceCell): string {
  return (Math.abs(cell.retraining) * 100).toFixed(1)
}

/** The service's sentences name races by label ("Latino_Hispanic"): as people read them. */
function readable(text: string, races: readonly string[]): string {
  return races.reduce((out, race) => (race.includes('_') ? out.split(race).join(classLabel(race)) : out), text)
}

function list(names: string[]): string {
  if (names.length <= 1) return names.join('')
  return `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}`
}

/** The races of the result in the service's order (FairFace's), any others after. */
function racesOf(imbalance: Imbalance, order: readonly string[]): string[] {
  const keys = Object.keys(imbalance.by_race)
  return [...order.filter((race) => keys.includes(race)), ...keys.filter((key) => !order.includes(key))]
}

const EFFECT = 'Effect, biased − control (points, 95% CI)'
const RETRAINING = 'Retraining alone moves (points)'

/**
 * The imbalance experiment's population result (GET /models `imbalance`, from `facexai audit
 * --imbalance`): the biased arm's training seeds against the control arm's (one recipe and data size,
 * only the race mix differs), with what retraining alone moves in the error bar. The service's
 * sentences are the headline; the tables hold only the cells beyond retraining, and the accuracy of
 * every race.
 */
export function ImbalanceSection({ imbalance, name, races: order }: Props) {
  const races = racesOf(imbalance, order)
  const calls = races.flatMap((race) =>
    Object.entries(imbalance.by_race[race].regions)
      .filter(([, cell]) => cell.beyond_retraining)
      .sort(([, a], [, b]) => Math.abs(b.effect) - Math.abs(a.effect))
      .map(([region, cell]) => ({ race, region, cell })),
  )
  const seeds = (models: string[]) => `${list(models.map(name))} (${models.length} training seed${models.length === 1 ? '' : 's'})`
  return (
    <section aria-labelledby="imbalance-title" className="imbalance" data-testid="imbalance">
      <h2 id="imbalance-title">Is it the imbalance, or just another training run?</h2>
      <p className="muted" data-testid="imbalance-arms">
        The biased arm, {seeds(imbalance.biased)}, and the control arm, {seeds(imbalance.control)}, share one recipe
        and one amount of training data; only the race mix differs. Training a network again (another seed) also
        moves where it looks, so an effect counts only where it is larger than what retraining alone moves.
      </p>
      <p className="summary" data-testid="imbalance-summary">
        {readable(imbalance.summary, order)}
      </p>
      <p data-testid="imbalance-retraining">{readable(imbalance.retraining_summary, order)}</p>
      {calls.length ? (
        <table className="imbalance-table stacks" data-testid="imbalance-calls">
          <caption>Face regions whose share of the attribution moves beyond retraining</caption>
          <thead>
            <tr>
              <th scope="col">Race</th>
              <th scope="col" className="text">
                Region
              </th>
              <th scope="col">{EFFECT}</th>
              <th scope="col">{RETRAINING}</th>
            </tr>
          </thead>
          <tbody>
            {calls.map(({ race, region, cell }) => (
              <tr key={`${race}/${region}`} data-testid="imbalance-call" data-race={race} data-region={region}>
                <th scope="row">
                  <ClassName label={race} />
                </th>
                <td data-label="Region" className="text">
                  {region}
                </td>
                <td data-label={EFFECT}>{effectText(cell)}</td>
                <td data-label={RETRAINING}>{retrainingText(cell)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p data-testid="imbalance-no-calls">
          No face region of any race moves beyond what retraining alone moves ({imbalance.cells} race × region cells
          tested).
        </p>
      )}
      <table className="imbalance-table stacks" data-testid="imbalance-accuracy">
        <caption>Accuracy by race: biased arm minus control arm</caption>
        <thead>
          <tr>
            <th scope="col">Race</th>
            <th scope="col">Faces</th>
            <th scope="col">{EFFECT}</th>
            <th scope="col">{RETRAINING}</th>
            <th scope="col">Beyond retraining</th>
          </tr>
        </thead>
        <tbody>
          {races.map((race) => {
            const { accuracy, n_accuracy } = imbalance.by_race[race]
            return (
              <tr key={race} className={accuracy.beyond_retraining ? 'significant' : undefined} data-testid="imbalance-accuracy-row" data-race={race}>
                <th scope="row">
                  <ClassName label={race} />
                </th>
                <td data-label="Faces">{n_accuracy}</td>
                <td data-label={EFFECT}>{effectText(accuracy)}</td>
                <td data-label={RETRAINING}>{retrainingText(accuracy)}</td>
                <td data-label="Beyond retraining">{accuracy.beyond_retraining ? 'yes' : 'no'}</td>
              </tr>
            )
          })}
        </tbody>
      </table>
      <details>
        <summary>How this is computed</summary>
        <p className="muted" data-testid="imbalance-method">
          {readable(imbalance.method, order).replace(/\.\s*$/, '')}. {imbalance.faces_per_race} faces per race; {imbalance.calls} of {imbalance.cells} race ×
          region cells are beyond retraining, where chance alone would give about {imbalance.expected_false_calls.toFixed(1)}.
        </p>
      </details>
    </section>
  )
}
