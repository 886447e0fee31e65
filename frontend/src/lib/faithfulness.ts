// Faithfulness of a map in a line: its deletion and insertion areas against random deletion, and
// what they mean in one sentence.
import type { Faithfulness } from '../api/types'
import { decimal } from './format'

/** A faithful map's ranking removes the evidence faster than random pixels do. */
export function isFaithful(f: Faithfulness): boolean {
  return f.deletion_auc < f.random_deletion_auc
}

/** "deletion 0.21 vs random 0.48 · insertion 0.71" */
export function faithfulnessFigures(f: Faithfulness): string {
  return `deletion ${decimal(f.deletion_auc)} vs random ${decimal(f.random_deletion_auc)} · insertion ${decimal(f.insertion_auc)}`
}

/** What the figures mean, in one plain sentence. */
export function faithfulnessSentence(f: Faithfulness): string {
  if (![f.deletion_auc, f.random_deletion_auc].every(Number.isFinite)) return 'The faithfulness could not be measured for this map.'
  return isFaithful(f)
    ? 'Removing the pixels this map ranks highest lowers the probability faster than removing random pixels: the map points at what the model uses.'
    : 'Removing the pixels this map ranks highest lowers the probability no faster than removing random pixels: the map may not show what the model uses.'
}
