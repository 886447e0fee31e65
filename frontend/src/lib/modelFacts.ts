// A model's metrics and training record (GET /models, from models/manifest.json) in words a
// reader of the models page understands: accuracies as percentages, times in minutes and
// milliseconds, sizes in MB, and no local paths or file names of the training machine.
import { classLabel, percent } from './format'
import { isRate } from './metrics'

export type Fact = readonly [label: string, value: string]

const finite = (value: unknown): value is number => typeof value === 'number' && Number.isFinite(value)
const count = (value: number) => (Number.isInteger(value) ? value.toLocaleString('en') : value.toPrecision(4))

/** A scalar for a fact list: rates as percentages, counts with separators; undefined for what is not a scalar. */
export function factValue(key: string, value: unknown, rate = isRate(key)): string | undefined {
  if (finite(value)) return rate && value >= 0 && value <= 1 ? percent(value) : count(value)
  if (typeof value === 'string') return value
  if (typeof value === 'boolean') return value ? 'yes' : 'no'
  return undefined
}

const METRIC_NAMES: Record<string, string> = {
  val_accuracy: 'Accuracy (validation)',
  val_macro_f1: 'Macro F1 (validation)',
  val_n: 'Validation faces',
  val_loss: 'Loss (validation)',
  accuracy: 'Accuracy',
}
/** File names and the like: not for a reader */
const METRIC_HIDDEN = new Set(['val_labels'])

/** The headline metrics, the accuracy with its interval where recorded. */
export function metricFacts(metrics: Record<string, unknown>): Fact[] {
  const facts: Fact[] = []
  for (const [key, value] of Object.entries(metrics)) {
    if (METRIC_HIDDEN.has(key)) continue
    let text = factValue(key, value)
    if (text === undefined) continue
    const ci = metrics[`${key}_ci`]
    if (Array.isArray(ci) && finite(ci[0]) && finite(ci[1])) text += ` (95% interval ${percent(ci[0])}–${percent(ci[1])})`
    facts.push([METRIC_NAMES[key] ?? classLabel(key), text])
  }
  return facts
}

/** {race: accuracy} as facts: every value a percentage, whatever its key. */
export function rateFacts(values: Record<string, number>): Fact[] {
  return Object.entries(values).map(([key, value]) => [classLabel(key), percent(value)] as const)
}

const record = (value: unknown): Record<string, unknown> =>
  value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : {}
const minutes = (seconds: number) => `${(seconds / 60).toFixed(1)} min`

/** Keys the training facts word themselves, or leave out (paths, log file names, the raw records). */
const TRAINING_DONE = new Set([
  'phase', 'config', 'selection', 'time_s', 'hardware', 'log', 'file_bytes', 'seconds_per_image_epoch', 'n_train',
  'n_selection', 'best_epoch', 'epochs', 'model_selected_on', 'trained_parameters', 'precision',
])

/** The training record in words: what it was trained on, how long, on what, and how the epoch was chosen. */
export function trainingFacts(training: Record<string, unknown>): Fact[] {
  const t = training
  const facts: Fact[] = []
  if (finite(t.n_train))
    facts.push([
      'Trained on',
      `${count(t.n_train)} face chips` + (finite(t.n_selection) ? ` (${count(t.n_selection)} more held out to choose the epoch)` : ''),
    ])
  if (finite(t.epochs)) facts.push(['Epochs', finite(t.best_epoch) ? `${t.epochs} (the best, epoch ${t.best_epoch}, kept)` : String(t.epochs)])
  if (typeof t.model_selected_on === 'string') facts.push(['Epoch chosen on', t.model_selected_on])
  const selection = Object.entries(record(t.selection)).filter((entry): entry is [string, number] => finite(entry[1]))
  if (selection.length)
    facts.push(['Accuracy on the held-out chips', selection.map(([task, value]) => `${task} ${percent(value)}`).join(' · ')])
  const time = record(t.time_s)
  if (finite(time.phase))
    facts.push(['Training time', minutes(time.phase) + (finite(time.bundle_total) ? ` (all the models together: ${minutes(time.bundle_total)})` : '')])
  if (finite(t.seconds_per_image_epoch))
    facts.push(['Time per face chip', `${(t.seconds_per_image_epoch * 1000).toFixed(1)} ms per chip and epoch`])
  const hw = record(t.hardware)
  if (typeof hw.cpu === 'string')
    facts.push(['Hardware', `${hw.cpu}` + (finite(hw.cpu_count) ? `, ${hw.cpu_count} CPU cores` : '') + (hw.accelerator ? `, ${String(hw.accelerator)}` : ', no GPU')])
  if (typeof t.precision === 'string') facts.push(['Arithmetic', t.precision === 'bfloat16' ? 'bfloat16 (16-bit)' : t.precision])
  if (finite(t.trained_parameters)) facts.push(['Trained parameters', count(t.trained_parameters)])
  if (finite(t.file_bytes)) facts.push(['Weights file', `${(t.file_bytes / 1e6).toFixed(1)} MB`])
  // anything else a bundle records, as it is named
  for (const [key, value] of Object.entries(t)) {
    if (TRAINING_DONE.has(key) || key.endsWith('_dir') || key.endsWith('_csv')) continue
    const text = factValue(key, value)
    if (text !== undefined && !/[\\/]/.test(text)) facts.push([classLabel(key), text])
  }
  return facts
}
