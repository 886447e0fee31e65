import { describe, expect, it } from 'vitest'
import { ApiError } from '../api/errors'
import type { ClassGrid, Explanation, Method } from '../api/types'
import { analyzeResponse, comparison, FAITHFUL, gradCam, integratedGradients } from '../test/fixtures'
import {
  analysisExport,
  chosenPair,
  comparisonDue,
  comparisonKey,
  comparisonOf,
  expired,
  explainFor,
  explanationKey,
  gridKey,
  initialState,
  jobStatus,
  missingMethods,
  pendingJobs,
  progress,
  reducer,
  targetKey,
  type Action,
  type AnalysisState,
} from './analysisState'

function analyzed(): AnalysisState {
  return reducer(reducer(initialState, { type: 'start', fileName: 'p.jpg' }), { type: 'analyzed', result: analyzeResponse() })
}

describe('reducer', () => {
  it('seeds each model of each face with its explained class and the Grad-CAM it came with', () => {
    const state = analyzed()
    expect(state.phase).toBe('ready')
    expect(state.targets[targetKey(1, 'race_biased')]).toBe('Black')
    const slot = state.explanations[explanationKey(1, 'race_biased', 'Black')]
    expect(slot.status).toEqual({ grad_cam: 'done' })
    expect(slot.explanation?.grad_cam?.heatmap).toBe('GC-1-race_biased-Black')
    expect(missingMethods(slot, ['grad_cam', 'integrated_gradients'])).toEqual(['integrated_gradients'])
    // the chosen face's (the largest) Integrated Gradients is queued at once
    expect(state.face).toBe(0)
    expect(state.explanations[explanationKey(0, 'race', 'White')].status).toEqual({ grad_cam: 'done', integrated_gradients: 'queued' })
  })

  it('merges a later Integrated Gradients answer without losing Grad-CAM', () => {
    const key = explanationKey(0, 'race', 'White')
    let state = reducer(analyzed(), { type: 'explanationStatus', key, methods: ['integrated_gradients'], status: 'loading' })
    expect(state.explanations[key].status).toEqual({ grad_cam: 'done', integrated_gradients: 'loading' })
    state = reducer(state, {
      type: 'explanationLoaded',
      key,
      methods: ['integrated_gradients'],
      explanation: { target: 'White', target_probability: 0.6, integrated_gradients: integratedGradients(0, 'race', 'White'), grad_cam: null },
    })
    const explanation = state.explanations[key].explanation!
    expect(explanation.grad_cam?.heatmap).toBe('GC-0-race-White')
    expect(explanation.integrated_gradients?.heatmap).toBe('IG-0-race-White')
    expect(missingMethods(state.explanations[key], ['grad_cam', 'integrated_gradients'])).toEqual([])
  })

  it('retries a method that failed, but not one that is queued', () => {
    const key = explanationKey(0, 'age', '3-9')
    const error = new ApiError(404, 'analysis_not_found', '')
    let state = reducer(analyzed(), { type: 'explanationStatus', key, methods: ['grad_cam', 'integrated_gradients'], status: 'queued' })
    expect(missingMethods(state.explanations[key], ['grad_cam', 'integrated_gradients'])).toEqual([])
    state = reducer(state, { type: 'explanationStatus', key, methods: ['integrated_gradients'], status: 'error', error })
    expect(state.explanations[key].error).toBe(error)
    expect(missingMethods(state.explanations[key], ['grad_cam', 'integrated_gradients'])).toEqual(['integrated_gradients'])
  })

  it('forgets everything of the photo but the settings, and says whether the server forgot it too', () => {
    const ready = reducer(analyzed(), { type: 'settings', settings: { align: false, ig_steps: 64 } })
    const state = reducer(ready, { type: 'forgotten' })
    expect(state).toEqual({ ...initialState, settings: { align: false, ig_steps: 64 }, method: ready.method, forgotten: {} })
    const error = new ApiError(503, 'store_unavailable', '')
    expect(reducer(ready, { type: 'forgotten', error }).forgotten).toEqual({ error })
    expect(reducer(state, { type: 'start', fileName: 'next.jpg' }).forgotten).toBeUndefined()
  })

  it('ignores a face index out of range', () => {
    const state = analyzed()
    expect(reducer(state, { type: 'selectFace', face: 5 })).toBe(state)
    expect(reducer(state, { type: 'selectFace', face: 1 }).face).toBe(1)
  })
})

describe('progress', () => {
  it('counts the chosen face’s (model, method) pairs that are known', () => {
    let state = analyzed()
    expect(progress(state, ['grad_cam', 'integrated_gradients'])).toEqual({
      done: 4,
      total: 8,
      pending: ['age', 'gender', 'race', 'race_biased'],
    })
    state = reducer(state, {
      type: 'explanationStatus',
      key: explanationKey(0, 'age', '30-39'),
      methods: ['integrated_gradients'],
      status: 'error',
      error: new ApiError(500, 'x', ''),
    })
    expect(progress(state, ['grad_cam', 'integrated_gradients']).done).toBe(5)
    expect(progress(state, ['grad_cam', 'integrated_gradients']).pending).toEqual(['gender', 'race', 'race_biased'])
  })
})

describe('analysisExport', () => {
  it('holds the analysis, every fetched explanation and comparison', () => {
    let state = analyzed()
    state = reducer(state, { type: 'comparisonLoaded', key: comparisonKey(0, 'integrated_gradients', 'White', ['race', 'race_biased']), comparison: comparison('White') })
    const saved = analysisExport(state) as {
      analysis: { analysis_id: string }
      explanations: { face: number; model: string; target: string }[]
      comparisons: { target: string }[]
    }
    expect(saved.analysis.analysis_id).toBe('abc123')
    expect(saved.explanations).toHaveLength(8)
    expect(saved.explanations).toContainEqual(expect.objectContaining({ face: 1, model: 'race_biased', target: 'Black' }))
    expect(saved.comparisons.map((c) => c.target)).toEqual(['White'])
  })
})

const PAIR: [string, string] = ['race', 'race_biased']
const apply = (state: AnalysisState, ...actions: Action[]) => actions.reduce(reducer, state)

/** Each queued explanation of the chosen face answered, with Integrated Gradients and a measured Grad-CAM. */
function explained(state: AnalysisState): AnalysisState {
  const jobs = pendingJobs(state).filter((job) => job.kind === 'explanation')
  return apply(
    state,
    ...jobs.map((job): Action => {
      const { face, model, target } = job.request as { face: number; model: string; target: string }
      const explanation: Explanation = {
        target,
        target_probability: 0.5,
        integrated_gradients: integratedGradients(face, model, target),
        grad_cam: { ...gradCam(face, model, target)!, faithfulness: FAITHFUL },
      }
      return { type: 'explanationLoaded', key: job.slot, methods: job.kind === 'explanation' ? job.methods : [], explanation }
    }),
  )
}

describe('pendingJobs', () => {
  it('lists the chosen face’s Integrated Gradients in the analysis’s model order, Grad-CAM again for its faithfulness', () => {
    const jobs = pendingJobs(analyzed(), PAIR)
    expect(jobs.map((job) => job.slot)).toEqual(['0/age/30-39', '0/gender/Female', '0/race/White', '0/race_biased/White'])
    expect(jobs[0].request).toEqual({ analysisId: 'abc123', face: 0, model: 'age', target: '30-39', explain: 'both', faithfulness: true })
    // one entry per request: already handed to the queue, it is listed again under the same id while it waits
    expect(new Set(jobs.map((job) => job.id)).size).toBe(4)
    expect(pendingJobs(analyzed(), PAIR).map((job) => job.id)).toEqual(jobs.map((job) => job.id))
  })

  it('asks for another face’s explanations once it is chosen, failed ones again', () => {
    let state = apply(analyzed(), jobStatus(pendingJobs(analyzed())[0], 'error', new ApiError(500, 'x', '')))
    expect(pendingJobs(state).map((job) => job.slot)).not.toContain('0/age/30-39')
    state = apply(state, { type: 'selectFace', face: 1 })
    expect(pendingJobs(state).map((job) => job.slot).slice(0, 4)).toEqual(['1/age/60-69', '1/gender/Female', '1/race/White', '1/race_biased/Black'])
    state = apply(state, { type: 'selectFace', face: 0 })
    expect(pendingJobs(state)[0].slot).toBe('0/age/30-39')
  })

  it('asks for both methods of a class switched to, and recomputes Integrated Gradients with more steps', () => {
    let state = explained(analyzed())
    expect(pendingJobs(state, PAIR).map((job) => job.kind)).toEqual(['comparison'])
    state = apply(state, { type: 'comparisonStatus', key: comparisonKey(0, 'integrated_gradients', 'White', PAIR), status: 'loading' })
    state = apply(state, { type: 'setTarget', face: 0, model: 'age', target: '3-9' })
    expect(pendingJobs(state, PAIR).map((job) => job.request)).toEqual([
      { analysisId: 'abc123', face: 0, model: 'age', target: '3-9', explain: 'both', faithfulness: true },
    ])
    state = apply(state, { type: 'recompute', face: 0, model: 'race', target: 'White', steps: 64 })
    const recompute = pendingJobs(state, PAIR).find((job) => job.slot === '0/race/White')!
    expect(recompute.request).toEqual({
      analysisId: 'abc123',
      face: 0,
      model: 'race',
      target: 'White',
      explain: 'integrated_gradients',
      ig_steps: 64,
      faithfulness: true,
    })
    // the old map stays while the new one is computed
    expect(state.explanations['0/race/White'].explanation?.integrated_gradients?.heatmap).toBe('IG-0-race-White')
  })

  it('asks for everything Integrated Gradients again with new options, and keeps finished Grad-CAM', () => {
    let state = explained(analyzed())
    const gradCamKey = comparisonKey(0, 'grad_cam', 'White', PAIR)
    state = apply(
      state,
      { type: 'comparisonLoaded', key: comparisonKey(0, 'integrated_gradients', 'White', PAIR), comparison: comparison('White') },
      { type: 'comparisonLoaded', key: gradCamKey, comparison: comparison('White', 'grad_cam') },
      { type: 'igOptions', options: { ig_steps: 64 } },
    )
    expect(Object.keys(state.comparisons)).toEqual([gradCamKey])
    expect(state.settings).toEqual({ align: true, ig_steps: 64 })
    const jobs = pendingJobs(state, PAIR)
    expect(jobs.map((job) => job.slot)).toEqual(['0/age/30-39', '0/gender/Female', '0/race/White', '0/race_biased/White'])
    expect(jobs[0].request).toMatchObject({ explain: 'integrated_gradients', ig_steps: 64 })
    expect(state.explanations['0/age/30-39'].status).toEqual({ grad_cam: 'done', integrated_gradients: 'queued' })
  })
})

describe('explainFor', () => {
  it('asks for Grad-CAM beside Integrated Gradients only while its faithfulness is missing', () => {
    const measured = { ...gradCam(0, 'race', 'White')!, faithfulness: FAITHFUL }
    expect(explainFor(['integrated_gradients'], gradCam(0, 'race', 'White'))).toBe('both')
    expect(explainFor(['integrated_gradients'], measured)).toBe('integrated_gradients')
    expect(explainFor(['integrated_gradients'], undefined)).toBe('integrated_gradients')
    expect(explainFor(['grad_cam', 'integrated_gradients'], measured)).toBe('both')
    expect(explainFor(['grad_cam'], undefined)).toBe('grad_cam')
  })
})

describe('the comparison decision', () => {
  const due = (state: AnalysisState) => comparisonDue(state, PAIR)

  it('waits for the pair’s Integrated Gradients, then asks once', () => {
    let state = analyzed()
    expect(comparisonOf(state, PAIR)).toEqual({
      face: 0,
      models: PAIR,
      target: 'White',
      key: '0/race+race_biased/integrated_gradients/White',
      ready: false,
    })
    expect(due(state)).toBeUndefined()
    expect(pendingJobs(state, PAIR).some((job) => job.kind === 'comparison')).toBe(false)
    // one of the pair failed: the comparison explains that model itself
    state = apply(state, jobStatus(pendingJobs(state)[2], 'error', new ApiError(500, 'x', '')))
    expect(due(state)).toBeUndefined()
    state = explained(state)
    const job = due(state)!
    expect(job).toMatchObject({
      kind: 'comparison',
      slot: '0/race+race_biased/integrated_gradients/White',
      request: { analysisId: 'abc123', face: 0, models: PAIR, method: 'integrated_gradients', target: 'White' },
    })
    expect(pendingJobs(state, PAIR).at(-1)).toEqual(job)
    state = apply(state, jobStatus(job, 'queued'))
    expect(due(state)).toBeUndefined()
    // a failed comparison stays failed: it is not asked for again and again
    state = apply(state, jobStatus(job, 'error', new ApiError(500, 'x', '')))
    expect(due(state)).toBeUndefined()
  })

  it('follows the class and the method shown; Grad-CAM needs nothing before it', () => {
    let state = apply(analyzed(), { type: 'setMethod', method: 'grad_cam' })
    expect(comparisonOf(state, PAIR)?.ready).toBe(true)
    expect(due(state)?.request).toEqual({ analysisId: 'abc123', face: 0, models: PAIR, method: 'grad_cam', target: 'White' })
    state = apply(state, { type: 'setCompareTarget', face: 0, target: 'Indian' }, { type: 'igOptions', options: { ig_steps: 64 } })
    expect(due(state)?.slot).toBe('0/race+race_biased/grad_cam/Indian')
    state = explained(apply(state, { type: 'setMethod', method: 'integrated_gradients' }))
    expect(due(state)?.request).toMatchObject({ method: 'integrated_gradients', target: 'Indian', ig_steps: 64 })
  })

  it('waits for the class each of the pair explains, and names no comparison without a pair the analysis ran', () => {
    let state = explained(analyzed())
    state = apply(state, { type: 'setTarget', face: 0, model: 'race_biased', target: 'Indian' })
    expect(due(state)).toBeUndefined()
    expect(comparisonDue(state, undefined)).toBeUndefined()
    expect(comparisonOf(state, ['race_control', 'race_biased'])?.target).toBe('White') // from the first of the pair the analysis ran
    expect(comparisonOf(state, ['race_control', 'race_biased_2'])).toBeUndefined()
    state = explained(state)
    expect(due(state)?.slot).toBe('0/race+race_biased/integrated_gradients/White')
  })

  it('compares the pair chosen on the page instead, on every face and method, until a new photo', () => {
    const chosen: [string, string] = ['race_biased', 'race_control_2']
    let state = explained(analyzed())
    expect(due(state)?.request).toMatchObject({ models: PAIR })
    state = apply(state, { type: 'pair', models: chosen })
    expect(state.pair).toEqual(chosen)
    expect(chosenPair(state, PAIR)).toEqual(chosen)
    // the same decision and the same queue: the chosen pair's comparison is the job due, last
    const job = due(state)!
    expect(job).toMatchObject({
      kind: 'comparison',
      id: 'compare/0/race_biased+race_control_2/integrated_gradients/White',
      slot: '0/race_biased+race_control_2/integrated_gradients/White',
      request: { analysisId: 'abc123', face: 0, models: chosen, method: 'integrated_gradients', target: 'White' },
    })
    expect(pendingJobs(state, PAIR).at(-1)).toEqual(job)
    expect(comparisonDue(state, undefined)).toEqual(job) // a chosen pair needs no default
    state = apply(state, jobStatus(job, 'queued'))
    expect(due(state)).toBeUndefined()
    // a model is not compared with itself: the choice stays as it was
    expect(apply(state, { type: 'pair', models: ['race', 'race'] }).pair).toEqual(chosen)
    // it holds for another method and another face
    state = apply(state, { type: 'setMethod', method: 'grad_cam' }, { type: 'selectFace', face: 1 })
    expect(state.pair).toEqual(chosen)
    expect(due(state)?.request).toEqual({ analysisId: 'abc123', face: 1, models: chosen, method: 'grad_cam', target: 'Black' })
    // a new photo: the default pair again
    state = apply(state, { type: 'start', fileName: 'q.jpg' })
    expect(state.pair).toBeUndefined()
    expect(chosenPair(state, PAIR)).toEqual(PAIR)
    expect(apply(state, { type: 'pair', models: chosen }, { type: 'forgotten' }).pair).toBeUndefined()
  })

  it('keeps the class chosen for the comparison while the first of the pair has it, else takes its predicted class', () => {
    // a model of the race task with labels of its own (a label map to FairFace's)
    const result = analyzeResponse(1, ['race', 'race_biased', 'race4'])
    result.faces[0].predictions.race4 = { label: 'Asian', probabilities: { White: 0.2, Black: 0.1, Asian: 0.6, Indian: 0.1 } }
    let state = apply(initialState, { type: 'start', fileName: 'p.jpg' }, { type: 'analyzed', result })
    state = apply(state, { type: 'setCompareTarget', face: 0, target: 'Southeast Asian' })
    expect(comparisonOf(state, PAIR)?.target).toBe('Southeast Asian')
    state = apply(state, { type: 'pair', models: ['race_biased', 'race'] })
    expect(comparisonOf(state, PAIR)).toMatchObject({ models: ['race_biased', 'race'], target: 'Southeast Asian' })
    state = apply(state, { type: 'pair', models: ['race4', 'race'] })
    expect(comparisonOf(state, PAIR)).toMatchObject({ models: ['race4', 'race'], target: 'Asian' })
    state = apply(state, { type: 'pair', models: ['race', 'race4'] })
    expect(comparisonOf(state, PAIR)?.target).toBe('Southeast Asian')
  })
})

describe('class grids', () => {
  const grid = (method: Method): ClassGrid => ({ method, scale_max: 0.01, classes: {} })
  const grids = (state: AnalysisState) => pendingJobs(state).filter((job) => job.kind === 'grid')

  it('fetches every class of a model shown, for the method shown, once', () => {
    let state = apply(analyzed(), { type: 'toggleGrid', face: 0, model: 'race' })
    expect(state.gridsShown).toEqual([targetKey(0, 'race')])
    const [job] = grids(state)
    expect(job).toMatchObject({
      kind: 'grid',
      slot: '0/race/integrated_gradients',
      request: { analysisId: 'abc123', face: 0, model: 'race', method: 'integrated_gradients' },
    })
    state = apply(state, jobStatus(job, 'queued'))
    expect(state.grids[gridKey(0, 'race', 'integrated_gradients')]).toEqual({ status: 'queued', error: undefined })
    expect(grids(state)).toEqual([])
    state = apply(state, { type: 'gridLoaded', key: job.slot, grid: grid('integrated_gradients') })
    expect(state.grids[job.slot]).toEqual({ status: 'done', grid: grid('integrated_gradients') })
    // the other method: its own grid
    state = apply(state, { type: 'setMethod', method: 'grad_cam' })
    expect(grids(state).map((j) => j.request)).toEqual([{ analysisId: 'abc123', face: 0, model: 'race', method: 'grad_cam' }])
    // hidden: nothing more asked for; another face: not until its grid is shown
    state = apply(state, { type: 'toggleGrid', face: 0, model: 'race' })
    expect(state.gridsShown).toEqual([])
    expect(grids(state)).toEqual([])
    state = apply(state, { type: 'toggleGrid', face: 0, model: 'race' }, { type: 'selectFace', face: 1 })
    expect(grids(state)).toEqual([])
  })

  it('drops the Integrated Gradients grids with new options, keeps Grad-CAM’s, and counts a forgotten analysis', () => {
    let state = apply(
      analyzed(),
      { type: 'toggleGrid', face: 0, model: 'age' },
      { type: 'gridLoaded', key: gridKey(0, 'age', 'integrated_gradients'), grid: grid('integrated_gradients') },
      { type: 'gridLoaded', key: gridKey(0, 'age', 'grad_cam'), grid: grid('grad_cam') },
      { type: 'gridStatus', key: gridKey(0, 'race', 'grad_cam'), status: 'loading' },
      { type: 'igOptions', options: { ig_rule: 'left_riemann' } },
    )
    expect(Object.keys(state.grids)).toEqual([gridKey(0, 'age', 'grad_cam')])
    expect(grids(state)[0].request).toEqual({ analysisId: 'abc123', face: 0, model: 'age', method: 'integrated_gradients', ig_rule: 'left_riemann' })
    expect(expired(state)).toBe(false)
    const gone = new ApiError(404, 'analysis_not_found', '')
    state = apply(state, { type: 'gridStatus', key: gridKey(0, 'age', 'integrated_gradients'), status: 'error', error: gone })
    expect(expired(state)).toBe(true)
    // a new photo: nothing shown
    expect(apply(state, { type: 'start', fileName: 'q.jpg' })).toMatchObject({ gridsShown: [], grids: {}, settings: { ig_rule: 'left_riemann' } })
  })
})
