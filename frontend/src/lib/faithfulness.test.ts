import { describe, expect, it } from 'vitest'
import { faithfulnessFigures, faithfulnessSentence, isFaithful } from './faithfulness'

describe('faithfulness', () => {
  const good = { deletion_auc: 0.2149, insertion_auc: 0.7051, random_deletion_auc: 0.481 }
  const poor = { deletion_auc: 0.52, insertion_auc: 0.3, random_deletion_auc: 0.48 }

  it('writes the three areas compactly, deletion against random first', () => {
    expect(faithfulnessFigures(good)).toBe('deletion 0.21 vs random 0.48 · insertion 0.71')
  })

  it('calls a map faithful only when deletion beats random deletion', () => {
    expect(isFaithful(good)).toBe(true)
    expect(isFaithful(poor)).toBe(false)
    expect(isFaithful({ ...good, deletion_auc: good.random_deletion_auc })).toBe(false) // a tie is no evidence
  })

  it('says what the numbers mean in one sentence', () => {
    expect(faithfulnessSentence(good)).toMatch(/faster than removing random pixels: the map points at what the model uses\.$/)
    expect(faithfulnessSentence(poor)).toMatch(/no faster than removing random pixels: the map may not show what the model uses\.$/)
    expect(faithfulnessSentence({ ...good, deletion_auc: Number.NaN })).toMatch(/could not be measured/)
    for (const f of [good, poor]) expect(faithfulnessSentence(f).split('. ')).toHaveLength(1)
  })
})
