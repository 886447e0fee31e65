import { useEffect, useState } from 'react'
import { populationMapsOf, type ModelInfo } from '../api/types'
import { classLabel } from '../lib/format'
import { pngDataUrl } from '../lib/images'
import { auditSentence } from '../lib/audit'
import { comparePngs, populationSentence, type PairFigures, type RaceFigures } from '../lib/population'
import { ClassName } from './ClassName'
import { ColourScale } from './ColourScale'
import { PopulationStats } from './PopulationStats'

interface Props {
  /** the biased model's partner: its control (race_control) in a bundle that has one, else race */
  first: ModelInfo
  /** the race model trained on race-imbalanced data */
  second: ModelInfo
  /** the race labels, in FairFace's order (GET /models `races`) */
  races: readonly string[]
}

const ALL = 'all'

function MapImage({ src, alt, kind, testId }: { src?: string; alt: string; kind: 'map' | 'difference'; testId: string }) {
  return (
    <div className={`population-map ${kind}`}>
      {src ? <img src={src.startsWith('data:') ? src : pngDataUrl(src)} alt={alt} data-testid={testId} /> : <span className="muted">…</span>}
    </div>
  )
}

/**
 * Where two race models look, on average, for the faces of each race: both models' mean maps on
 * one scale and their difference, one row per race, and in words where they differ most. These are
 * two trained networks compared on the same faces: whether a difference is the imbalance's, and not
 * retraining's, is the imbalance section's question.
 */
export function PopulationGrid({ first, second, races: order }: Props) {
  const a = populationMapsOf(first)
  const b = populationMapsOf(second)
  const [figures, setFigures] = useState<Record<string, PairFigures>>({})
  const [failed, setFailed] = useState(false)
  // the service's own difference maps (the biased model's minus its partner's), else drawn here
  const given = second.mean_attribution_difference_by_race ?? undefined
  const counts = second.mean_attribution_faces ?? {}
  const races = order.filter((race) => a?.byRace?.[race] && b?.byRace?.[race])

  useEffect(() => {
    if (!a || !b) return
    let cancelled = false
    const pairs: [string, string, string][] = races.map((race) => [race, a.byRace![race], b.byRace![race]])
    if (a.all && b.all) pairs.push([ALL, a.all, b.all])
    Promise.all(pairs.map(async ([key, x, y]) => [key, await comparePngs(x, y)] as const))
      .then((done) => {
        if (!cancelled) setFigures(Object.fromEntries(done))
      })
      .catch(() => {
        if (!cancelled) setFailed(true)
      })
    return () => {
      cancelled = true
    }
    // the maps change only with the models' answer
  }, [first, second]) // oxlint-disable-line react-hooks/exhaustive-deps

  if (!a || !b || !races.length) {
    return (
      <p className="muted" data-testid="no-population">
        Mean attribution maps by race are not available for these models: the model bundle has none.
      </p>
    )
  }

  const rows: RaceFigures[] = races.flatMap((race) => {
    const f = figures[race]
    return f ? [{ race, first: f.first, second: f.second, change: f.change }] : []
  })
  // the audit's tests when the bundle has them: then only significant differences are named
  const comparison = second.mean_attribution_comparison ?? undefined
  const sentence = comparison
    ? auditSentence(comparison, first.display_name, second.display_name)
    : rows.length === races.length
      ? populationSentence(rows, first.display_name, second.display_name)
      : ''
  const keys = [...races, ...(a.all && b.all ? [ALL] : [])]

  return (
    <>
      <p className="summary-label" data-testid="population-summary-label">
        Between these two networks (faces as the only noise):
      </p>
      <p className="summary" data-testid="population-summary" aria-live="polite">
        {sentence || (failed ? 'The maps could not be compared in this browser.' : 'Comparing the maps…')}
      </p>
      <div className="population-grid" role="table" aria-label={`Mean attribution by race: ${first.display_name}, ${second.display_name} and their difference`}>
        <div className="population-row head" role="row">
          <span role="columnheader">Faces</span>
          <span role="columnheader">{first.display_name}</span>
          <span role="columnheader">{second.display_name}</span>
          <span role="columnheader">{comparison ? 'Difference (significant cells only)' : 'Difference'}</span>
        </div>
        {keys.map((key) => {
          const name = key === ALL ? 'All faces' : classLabel(key)
          const [x, y] = key === ALL ? [a.all, b.all] : [a.byRace?.[key], b.byRace?.[key]]
          const difference = (key !== ALL && given?.[key]) || figures[key]?.differenceUrl
          return (
            <div className={`population-row${key === ALL ? ' all' : ''}`} role="row" key={key} data-testid="population-row" data-race={key}>
              <span role="rowheader" className="population-race">
                {key === ALL ? name : <ClassName label={key} />}
                {counts[key] !== undefined && <span className="muted"> ({counts[key]} faces)</span>}
              </span>
              <span role="cell">
                <MapImage src={x} alt={`${first.display_name}: mean map for ${name}`} kind="map" testId="population-first" />
              </span>
              <span role="cell">
                <MapImage src={y} alt={`${second.display_name}: mean map for ${name}`} kind="map" testId="population-second" />
              </span>
              <span role="cell">
                <MapImage
                  src={difference}
                  alt={`Difference for ${name}: red where ${second.display_name} relies more, blue where ${first.display_name} does`}
                  kind="difference"
                  testId="population-difference"
                />
              </span>
            </div>
          )
        })}
      </div>
      {comparison && <PopulationStats first={first} second={second} comparison={comparison} races={races} />}
      <div className="population-keys">
        <ColourScale
          map="inferno"
          low="0"
          high="most"
          label={`Mean maps, one scale for ${first.display_name} and ${second.display_name}`}
          caption="mean |IG attribution| of the explained class (the face's labelled class in the audit's maps), each face's map divided by its sum (a share of that face's attribution); one scale for both models"
          over="#000004"
        />
        <ColourScale
          map="RdBu_r"
          low={first.display_name}
          high={second.display_name}
          label="Difference: where each relies more"
          caption={`${second.display_name}'s mean map minus ${first.display_name}'s, on a scale of its own`}
        />
      </div>
    </>
  )
}
