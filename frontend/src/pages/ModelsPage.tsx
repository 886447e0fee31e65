import { useEffect, useState } from 'react'
import { fetchModels } from '../api/client'
import { ApiError } from '../api/errors'
import type { ModelInfo } from '../api/types'
import { accuracyByRace, accuracyIntervals, isRate } from '../lib/metrics'
import { AccuracyChart, type Series } from '../components/AccuracyChart'
import { ErrorBanner } from '../components/ErrorBanner'
import { Markdown } from '../components/Markdown'
import { PopulationGrid } from '../components/PopulationGrid'
import { cardForReaders, classLabel, percent } from '../lib/format'

function scalar(key: string, value: unknown): string | undefined {
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) return undefined
    if (isRate(key) && value >= 0 && value <= 1) return percent(value)
    return Number.isInteger(value) ? value.toLocaleString('en') : value.toPrecision(4)
  }
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  return undefined
}

function Facts({ values, label }: { values: Record<string, unknown>; label: string }) {
  const rows = Object.entries(values)
    .map(([key, value]) => [key, scalar(key, value)] as const)
    .filter((row): row is readonly [string, string] => row[1] !== undefined)
  if (!rows.length) return null
  return (
    <dl className="facts" aria-label={label}>
      {rows.map(([key, value]) => (
        <div key={key} className="fact">
          <dt>{classLabel(key)}</dt>
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
      <Facts values={model.metrics ?? {}} label={`${model.display_name} metrics`} />
      {!Object.keys(model.metrics ?? {}).length && <p className="muted">No metrics recorded for this model.</p>}
      {byRace && (
        <details>
          <summary>Accuracy by race</summary>
          <Facts values={byRace} label={`${model.display_name} accuracy by race`} />
        </details>
      )}
      {Object.keys(model.training ?? {}).length > 0 && (
        <details>
          <summary>Training</summary>
          <Facts values={model.training} label={`${model.display_name} training`} />
          {Object.entries(model.training)
            .filter(([, value]) => value !== null && typeof value === 'object')
            .map(([key, value]) => (
              <details key={key} className="nested">
                <summary>{key.replace(/_/g, ' ')}</summary>
                <pre>{JSON.stringify(value, null, 2)}</pre>
              </details>
            ))}
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

  return (
    <div className="models-page">
      <section aria-labelledby="fairness-title" className="fairness">
        <h2 id="fairness-title">Accuracy of the race models, by race</h2>
        <p>
          Both race models share an architecture; {biased?.display_name ?? 'the biased race model'} was trained on
          data with some races deliberately under-represented. Both are measured on the same faces, balanced across races: the gap between
          their bars shows whom the imbalance hurts.
        </p>
        {series.length ? (
          <>
            <AccuracyChart series={series} title="Accuracy per race: balanced vs biased race model" />
            {series.some((s) => s.intervals) && (
              <p className="muted">Whiskers: bootstrap interval of each accuracy (hover a bar for the number of faces).</p>
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
            Each map is a model&apos;s mean Integrated Gradients map of the class it predicted, over validation faces of one
            race, every face counting equally; {race.display_name} and {biased.display_name} share one colour scale, so
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
