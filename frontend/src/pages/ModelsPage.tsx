import { useEffect, useState } from 'react'
import { fetchModels } from '../api/client'
import { ApiError } from '../api/errors'
import type { ModelInfo } from '../api/types'
import { accuracyByRace, accuracyIntervals, evaluatedFaces } from '../lib/metrics'
import { metricFacts, rateFacts, trainingFacts, type Fact } from '../lib/modelFacts'
import { AccuracyChart, type Series } from '../components/AccuracyChart'
import { ErrorBanner } from '../components/ErrorBanner'
import { Markdown } from '../components/Markdown'
import { PopulationGrid } from '../components/PopulationGrid'
import { cardForReaders, classLabel } from '../lib/format'

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

export function ModelCard({ model }: { model: ModelInfo }) {
  const byRace = accuracyByRace(model)
  return (
    <article className="model-card" aria-labelledby={`card-${model.name}`} data-testid="model-card">
      <header>
        <h3 id={`card-${model.name}`}>{model.display_name}</h3>
        {model.biased && <span className="badge warn">trained on race-imbalanced data</span>}
      </header>
      <p>{model.description}</p>
      <p className="muted">
        Task <code>{model.task}</code> · {model.labels.length} classes · {model.architecture.replace(/_/g, ' ')} ·{' '}
        {model.input_size}×
        {model.input_size} input
      </p>
      <p className="labels">{model.labels.map(classLabel).join(' · ')}</p>
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
      {model.card_markdown && (
        <details>
          <summary>Model card</summary>
          <Markdown text={cardForReaders(model.card_markdown)} />
        </details>
      )}
    </article>
  )
}

export function ModelsPage() {
  const [models, setModels] = useState<ModelInfo[]>()
  const [error, setError] = useState<ApiError>()

  useEffect(() => {
    const abort = new AbortController()
    fetchModels(abort.signal)
      .then((response) => setModels(response.models))
      .catch((cause: unknown) => {
        if (!abort.signal.aborted) setError(cause instanceof ApiError ? cause : new ApiError(0, 'network_error', String(cause)))
      })
    return () => abort.abort()
  }, [])

  if (error) return <ErrorBanner error={error} />
  if (!models) return <p role="status">Loading the models…</p>

  const race = models.find((model) => model.name === 'race')
  const biased = models.find((model) => model.name === 'race_biased')
  const series: Series[] = [
    // the names the rest of the app uses: one name per model everywhere
    { model: race, name: race?.display_name ?? '' },
    { model: biased, name: biased?.display_name ?? '' },
  ]
    .flatMap(({ model, name }): Series[] => {
      const values = accuracyByRace(model)
      return values ? [{ name, values, intervals: accuracyIntervals(model) }] : []
    })

  const evaluated = evaluatedFaces(race, series)

  return (
    <div className="models-page">
      <section aria-labelledby="fairness-title" className="fairness">
        <h2 id="fairness-title">Accuracy of the race models, by race</h2>
        <p data-testid="fairness-text">
          Both race models share an architecture; {biased?.display_name ?? 'the biased race model'} was trained on
          data with some races deliberately under-represented. Both are measured on the same {evaluated}. The gap
          between their bars shows whom the imbalance hurts.
        </p>
        {series.length ? (
          <>
            <AccuracyChart series={series} title="Accuracy per race: balanced vs biased race model" />
            {series.some((s) => s.intervals) && (
              <p className="muted">
                Whiskers: 95% bootstrap interval of each accuracy.
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
      {race && biased && (
        <section aria-labelledby="population-title" className="population" data-testid="population">
          <h2 id="population-title">Where the race models look, by race</h2>
          <p>
            Each map is a model&apos;s mean Integrated Gradients map (of the face&apos;s labelled class, in maps made by{' '}
            <code>facexai audit</code>; of the predicted class in older ones), over validation faces of one race, every face
            counting equally; {race.display_name} and {biased.display_name} share one colour scale, so
            their maps can be read against each other. The difference is red where {biased.display_name} relies more on
            a part of the face, blue where {race.display_name} does.
          </p>
          <PopulationGrid first={race} second={biased} />
        </section>
      )}
      <section aria-labelledby="cards-title">
        <h2 id="cards-title">Models</h2>
        <div className="card-grid">
          {models.map((model) => (
            <ModelCard key={model.name} model={model} />
          ))}
        </div>
      </section>
    </div>
  )
}
