import { useEffect, useState } from 'react'
import { fetchModels } from '../api/client'
import { ApiError } from '../api/errors'
import type { ModelInfo, ModelsResponse } from '../api/types'
import { accuracyByRace, accuracyIntervals, evaluatedFaces } from '../lib/metrics'
import { metricFacts, rateFacts, trainingFacts, type Fact } from '../lib/modelFacts'
import { AccuracyChart, type Series } from '../components/AccuracyChart'
import { ErrorBanner } from '../components/ErrorBanner'
import { ImbalanceSection } from '../components/ImbalanceSection'
import { Markdown } from '../components/Markdown'
import { PopulationGrid } from '../components/PopulationGrid'
import { SanityCurve } from '../components/SanityCurve'
import { METHODS, METHOD_NAMES } from '../api/types'
import { sanityOf } from '../lib/sanity'
import { cardForReaders, classLabel, modelTitle } from '../lib/format'

function Facts({ facts, label }: { facts: Fact[]; label: string }) {
  if (!facts.length) return null
  return (
    <dl className="facts" aria-label={label}>
      {facts.map(([key, value]) => (
        <div key={key} className="fact">
          <dt>{key}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  )
}

/** A model with labels of its own: which FairFace labels each stands for (comparisons and the audit use it). */
function LabelMapFacts({ labelMap, name }: { labelMap: Record<string, string[]>; name: string }) {
  return (
    <details data-testid="label-map">
      <summary>Its labels in FairFace&apos;s terms</summary>
      <Facts
        facts={Object.entries(labelMap).map(([label, fairface]): Fact => [
          classLabel(label),
          fairface.length ? fairface.map(classLabel).join(', ') : 'unmapped',
        ])}
        label={`${name} label map`}
      />
    </details>
  )
}

/** Do the model's maps depend on what it learned? One sentence and the curve per method (the committed sanity run). */
function SanitySection({ model }: { model: ModelInfo }) {
  const sanity = model.sanity
  if (!sanity) return null
  return (
    <details className="sanity" data-testid="sanity">
      <summary>
        Do its maps depend on what it learned?{' '}
        {METHODS.some((method) => sanityOf(model, method)?.passes === false) && <span className="badge warn">a method fails</span>}
      </summary>
      <p className="muted">
        Each block of the network&apos;s weights is randomised in turn, from the top down, and the map of the same class
        compared with the trained model&apos;s (rank correlation, 95% interval over {sanity.faces} validation faces;
        dashed red: {sanity.fail_above}, above which a map after every block is random counts as not depending on the
        weights). Integrated Gradients explains the change from a black image, so part of any IG map follows the
        photo&apos;s own contrast whatever the weights. {sanity.source}.
      </p>
      {METHODS.map((method) => {
        const result = sanityOf(model, method)
        if (!result) return null
        return (
          <div key={method} className="sanity-method" data-testid={`sanity-${method}`}>
            <h4>
              {METHOD_NAMES[method]}
              {!result.passes && <span className="badge warn">fails</span>}
              {!result.random_logit_passes && <span className="badge warn">another class&apos;s map is alike</span>}
            </h4>
            <p data-testid="sanity-summary">{result.summary.charAt(0).toUpperCase() + result.summary.slice(1)}</p>
            <SanityCurve
              result={result}
              failAbove={sanity.fail_above}
              title={`${model.display_name}, ${METHOD_NAMES[method]}: rank correlation with the trained map as blocks are randomised`}
            />
          </div>
        )
      })}
    </details>
  )
}

export function ModelCard({ model }: { model: ModelInfo }) {
  const byRace = accuracyByRace(model)
  return (
    <article className="model-card" aria-labelledby={`card-${model.name}`} data-testid="model-card">
      <header>
        <h3 id={`card-${model.name}`}>{model.display_name}</h3>
        {model.biased && <span className="badge warn">trained on race-imbalanced data</span>}
        {model.arm === 'control' && <span className="badge">control: race-balanced data of the same size</span>}
        {model.on_request && <span className="badge">run on request only</span>}
        {model.user_supplied && (
          <span className="badge user" data-testid="user-supplied">
            user-supplied
          </span>
        )}
      </header>
      <p>{model.description}</p>
      {model.user_supplied && (
        <p className="muted" data-testid="user-supplied-note">
          Added with <code>facexai models add</code>: not trained or evaluated by this project. Its card says what
          the checks on adding it measured; <code>facexai audit</code> measures its accuracy per race.
        </p>
      )}
      <p className="muted">
        Task <code>{model.task}</code> · {model.labels.length} classes · {model.architecture.replace(/_/g, ' ')} ·{' '}
        {model.input_size}×
        {model.input_size} input
      </p>
      <p className="labels">{model.labels.map(classLabel).join(' · ')}</p>
      {model.label_map && <LabelMapFacts labelMap={model.label_map} name={model.display_name} />}
      <Facts facts={metricFacts(model.metrics ?? {})} label={`${model.display_name} metrics`} />
      {!Object.keys(model.metrics ?? {}).length && <p className="muted">No metrics recorded for this model.</p>}
      {byRace && (
        <details>
          <summary>Accuracy by race</summary>
          <Facts facts={rateFacts(byRace)} label={`${model.display_name} accuracy by race`} />
        </details>
      )}
      {trainingFacts(model.training ?? {}).length > 0 && (
        <details>
          <summary>Training</summary>
          <Facts facts={trainingFacts(model.training ?? {})} label={`${model.display_name} training`} />
        </details>
      )}
      <SanitySection model={model} />
      {model.card_markdown && (
        <details>
          <summary>Model card</summary>
          <Markdown text={cardForReaders(model.card_markdown)} />
        </details>
      )}
    </article>
  )
}

/** The order of the race models in the chart: the full balanced model, the control, the biased model. */
function armRank(model: ModelInfo): number {
  if (model.arm === 'control') return 1
  if (model.arm === 'biased' || model.biased) return 2
  return 0
}

/**
 * The race models the page sets against each other: the biased model (compare_default's second, else
 * race_biased), its control (compare_default's first when it is of the control arm, else the first
 * control seed), race (the full balanced model), and the biased model's partner in the population
 * maps (the partner its audit statistics name, else compare_default's first, else race).
 */
function raceRoles(response: ModelsResponse) {
  const { models, compare_default: pair } = response
  const byName = (name: string | undefined) => (name ? models.find((model) => model.name === name) : undefined)
  const biased = byName(pair?.[1]) ?? byName('race_biased')
  const control =
    (byName(pair?.[0])?.arm === 'control' ? byName(pair?.[0]) : undefined) ??
    models.find((model) => model.arm === 'control' && !model.on_request)
  const race = byName('race')
  const partner = byName(biased?.mean_attribution_comparison?.partner) ?? byName(pair?.[0]) ?? race
  return { biased, control, race, partner }
}

function FairnessText({ race, biased, control, evaluated }: { race?: ModelInfo; biased?: ModelInfo; control?: ModelInfo; evaluated: string }) {
  const biasedName = biased?.display_name ?? 'the biased race model'
  if (control) {
    const controlName = control.display_name
    return (
      <p data-testid="fairness-text">
        The race models share an architecture. {biasedName} and {controlName} were trained with one recipe on subsets
        of the same size: {biasedName}&apos;s with some races deliberately under-represented, {controlName}&apos;s
        balanced across races, so the race mix is the only difference between them
        {race ? `; ${race.display_name} was trained on more balanced data, for a different number of epochs` : ''}. All
        are measured on the same {evaluated}. The gap between {controlName}&apos;s bars and {biasedName}&apos;s is what
        the imbalance does, give or take what retraining alone moves.
        {race
          ? ` ${race.display_name}'s bars differ from ${biasedName}'s in data size and training as well, so that gap is not the imbalance alone.`
          : ''}
      </p>
    )
  }
  return (
    <p data-testid="fairness-text">
      Both race models share an architecture; {biasedName} was trained on data with some races deliberately
      under-represented. Both are measured on the same {evaluated}. The gap between their bars is not the imbalance
      alone: the two models were also trained on different amounts of data for different numbers of epochs (see each
      card&apos;s Training).
    </p>
  )
}

export function ModelsPage() {
  const [response, setResponse] = useState<ModelsResponse>()
  const [error, setError] = useState<ApiError>()

  useEffect(() => {
    const abort = new AbortController()
    fetchModels(abort.signal)
      .then(setResponse)
      .catch((cause: unknown) => {
        if (!abort.signal.aborted) setError(cause instanceof ApiError ? cause : new ApiError(0, 'network_error', String(cause)))
      })
    return () => abort.abort()
  }, [])

  if (error) return <ErrorBanner error={error} />
  if (!response) return <p role="status">Loading the models…</p>

  const { models } = response
  const { race, biased, control, partner } = raceRoles(response)
  const nameOf = (name: string) => models.find((model) => model.name === name)?.display_name ?? modelTitle(name)
  // every race model POST /analyze runs (the further training seeds are in their cards only), in the
  // names the rest of the app uses: one name per model everywhere
  const series: Series[] = models
    .filter((model) => model.task === 'race' && !model.on_request)
    .sort((a, b) => armRank(a) - armRank(b))
    .flatMap((model): Series[] => {
      const values = accuracyByRace(model)
      return values ? [{ name: model.display_name, values, intervals: accuracyIntervals(model) }] : []
    })

  const evaluated = evaluatedFaces(race ?? control ?? biased, series)
  const shown = models.filter((model) => !model.on_request)
  const seeds = models.filter((model) => model.on_request)

  return (
    <div className="models-page">
      <section aria-labelledby="fairness-title" className="fairness">
        <h2 id="fairness-title">Accuracy of the race models, by race</h2>
        <FairnessText race={race} biased={biased} control={control} evaluated={evaluated} />
        {series.length ? (
          <>
            <AccuracyChart series={series} title={`Accuracy per race: ${series.map((s) => s.name).join(', ')}`} />
            {series.some((s) => s.intervals) && (
              <p className="muted">
                Whiskers: 95% Wilson interval of each accuracy.
              </p>
            )}
          </>
        ) : (
          <p className="muted" data-testid="no-chart">
            Per-race accuracy is not available for these models (they have not been evaluated; an untrained test bundle
            has none).
          </p>
        )}
      </section>
      {response.imbalance && <ImbalanceSection imbalance={response.imbalance} name={nameOf} races={response.races} />}
      {partner && biased && (
        <section aria-labelledby="population-title" className="population" data-testid="population">
          <h2 id="population-title">Where the race models look, by race</h2>
          <p>
            Each map is a model&apos;s mean Integrated Gradients map (of the face&apos;s labelled class, in maps made by{' '}
            <code>facexai audit</code>; of the predicted class in older ones), over validation faces of one race, every face
            counting equally; {partner.display_name} and {biased.display_name} share one colour scale, so
            their maps can be read against each other. The difference is red where {biased.display_name} relies more on
            a part of the face, blue where {partner.display_name} does.
          </p>
          <p className="muted" data-testid="population-scope">
            The maps and their tests compare these two trained networks on the same faces (faces as the only noise). A
            network trained again on the same data would differ from either too, so a difference here is not by itself
            an effect of the imbalance
            {response.imbalance ? '; the section above weighs the imbalance against retraining.' : '.'}
          </p>
          <PopulationGrid first={partner} second={biased} races={response.races} />
        </section>
      )}
      <section aria-labelledby="cards-title">
        <h2 id="cards-title">Models</h2>
        {Object.keys(response.failed ?? {}).length > 0 && (
          <div className="note error" role="alert" data-testid="failed-models">
            <p>Not served: these models of the manifest failed to load (the others work).</p>
            <ul>
              {Object.entries(response.failed ?? {}).map(([name, reason]) => (
                <li key={name}>
                  <code>{name}</code>: {reason}
                </li>
              ))}
            </ul>
          </div>
        )}
        <div className="card-grid">
          {shown.map((model) => (
            <ModelCard key={model.name} model={model} />
          ))}
        </div>
        {seeds.length > 0 && (
          <details className="further-seeds" data-testid="further-seeds">
            <summary>
              Further training seeds ({seeds.length}): the same recipes trained again, to measure what retraining alone
              moves; an analysis runs them only on request
            </summary>
            <div className="card-grid">
              {seeds.map((model) => (
                <ModelCard key={model.name} model={model} />
              ))}
            </div>
          </details>
        )}
      </section>
    </div>
  )
}
