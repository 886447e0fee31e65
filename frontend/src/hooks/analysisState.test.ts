import { describe, expect, it } from 'vitest'
import { ApiError } from '../api/errors'
import { analyzeResponse, comparison, integratedGradients } from '../test/fixtures'
import {
  analysisExport,
  comparisonKey,
  explanationKey,
  initialState,
  missingMethods,
  progress,
  reducer,
  targetKey,
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
    const slot = state.explanations[explanationKey(0, 'race', 'White')]
    expect(slot.status).toEqual({ grad_cam: 'done' })
    expect(slot.explanation?.grad_cam?.heatmap).toBe('GC-0-race-White')
    expect(missingMethods(slot, ['grad_cam', 'integrated_gradients'])).toEqual(['integrated_gradients'])
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
