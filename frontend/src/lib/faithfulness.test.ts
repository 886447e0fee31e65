import { describe, expect, it } from 'vitest'
import type { Faithfulness } from '../api/types'
import { faithfulnessFigures, faithfulnessSentence, isFaithful } from './faithfulness'

describe('faithfulness', () => {
  const base = { insertion_auc: 0.7051, random_deletion_auc: 0.481, margin: 0.052, random_orders: 6 }
  const good: Faithfulness = { ...base, deletion_auc: 0.2149, verdict: 'clearer_than_random' }
  const tie: Faithfulness = { ...base, deletion_auc: 0.45, verdict: 'no_clearer_than_random' }
  const poor: Faithfulness = { ...base, deletion_auc: 0.6, insertion_auc: 0.3, verdict: 'worse_than_random' }

  it('writes the areas compactly, deletion against random with its margin first', () => {
    expect(faithfulnessFigures(good)).toBe('deletion 0.21 vs random 0.48 ± 0.05 · insertion 0.71')
  })

  it('follows the service verdict: only a map clearer than random by more than the margin is faithful', () => {
    expect(isFaithful(good)).toBe(true)
    // 0.45 is below 0.48, but within the margin: no evidence either way
    expect(isFaithful(tie)).toBe(false)
    expect(isFaithful(poor)).toBe(false)
  })

  it('says each of the three answers in one sentence', () => {
    expect(faithfulnessSentence(good)).toMatch(/by more than the spread of 6 random orders: the map points at what the model uses\.$/)
    expect(faithfulnessSentence(tie)).toMatch(/within the spread of 6 random orders\): this map is no clearer than random\.$/)
    expect(faithfulnessSentence(poor)).toMatch(/the map does not show what the model uses\.$/)
    expect(faithfulnessSentence({ ...good, deletion_auc: Number.NaN })).toMatch(/could not be measured/)
    for (const f of [good, tie, poor]) expect(faithfulnessSentence(f).split('. ')).toHaveLength(1)
  })
})
