// Faithfulness of a map in a line: its deletion and insertion areas against random deletion with the
// random orders' margin, and the service's verdict in one plain sentence (the app reads the verdict the
// API gives; it does not decide one of its own).
import type { Faithfulness } from '../api/types'
import { decimal } from './format'

/** Only a map whose deletion beats the random orders by more than their margin counts as faithful. */
export function isFaithful(f: Faithfulness): boolean {
  return f.verdict === 'clearer_than_random'
}

/** "deletion 0.21 vs random 0.48 ± 0.05 · insertion 0.71" */
export function faithfulnessFigures(f: Faithfulness): string {
  return (
    `deletion ${decimal(f.deletion_auc)} vs random ${decimal(f.random_deletion_auc)} ± ${decimal(f.margin)}` +
    ` · insertion ${decimal(f.insertion_auc)}`
  )
}

/** What the verdict means, in one plain sentence. */
export function faithfulnessSentence(f: Faithfulness): string {
  if (![f.deletion_auc, f.random_deletion_auc, f.margin].every(Number.isFinite))
    return 'The faithfulness could not be measured for this map.'
  const orders = `${f.random_orders} random orders`
  switch (f.verdict) {
    case 'clearer_than_random':
      return `Removing the pixels this map ranks highest lowers the probability faster than removing random pixels, by more than the spread of ${orders}: the map points at what the model uses.`
    case 'worse_than_random':
      return `Removing the pixels this map ranks highest lowers the probability more slowly than removing random pixels, beyond the spread of ${orders}: the map does not show what the model uses.`
    default:
      return `Removing the pixels this map ranks highest lowers the probability about as fast as removing random pixels (within the spread of ${orders}): this map is no clearer than random.`
  }
}
