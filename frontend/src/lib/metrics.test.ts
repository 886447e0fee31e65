import { describe, expect, it } from 'vitest'
import { modelInfo } from '../test/fixtures'
import { accuracyByRace, accuracyIntervals, isRate } from './metrics'

describe('metrics from GET /models', () => {
  it('reads per-race accuracy and intervals, skipping what is not a finite number', () => {
    const model = modelInfo('race', {
      accuracy_by_race: { White: 0.8, Black: null, Indian: 'n/a' },
      accuracy_by_race_detail: {
        White: { accuracy: 0.8, n: 66, ci_low: 0.7, ci_high: 0.9 },
        Black: { accuracy: null, n: 0, ci_low: null, ci_high: null },
      },
    })
    expect(accuracyByRace(model)).toEqual({ White: 0.8 })
    expect(accuracyIntervals(model)).toEqual({ White: { low: 0.7, high: 0.9, n: 66 } })
  })

  it('is undefined for an untrained bundle', () => {
    expect(accuracyByRace(modelInfo('race'))).toBeUndefined()
    expect(accuracyIntervals(modelInfo('race'))).toBeUndefined()
    expect(accuracyByRace(undefined)).toBeUndefined()
  })

  it('tells rates from losses and counts', () => {
    expect(['val_accuracy', 'val_macro_f1', 'recall'].map(isRate)).toEqual([true, true, true])
    expect(['val_loss', 'val_n', 'epochs'].map(isRate)).toEqual([false, false, false])
  })
})
