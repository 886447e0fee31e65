import { describe, expect, it } from 'vitest'
import { factValue, metricFacts, rateFacts, trainingFacts } from './modelFacts'

describe('model facts in words', () => {
  it('shows every accuracy by race as a percentage, whatever its key', () => {
    expect(rateFacts({ White: 0.9367741935483871, Latino_Hispanic: 0.4817391304347826, Indian: 0 })).toEqual([
      ['White', '93.7%'],
      ['Latino/Hispanic', '48.2%'],
      ['Indian', '0.0%'],
    ])
  })

  it('gives rates as percentages, counts with separators and a loss as a number', () => {
    expect(factValue('val_accuracy', 0.68425)).toBe('68.4%')
    expect(factValue('val_n', 4000)).toBe('4,000')
    expect(factValue('val_loss', 0.68852)).toBe('0.6885')
    expect(factValue('x', [1, 2])).toBeUndefined()
  })

  it('names the headline metrics, with the accuracy interval, and leaves out file names', () => {
    const facts = metricFacts({
      val_accuracy: 0.68425,
      val_accuracy_ci: [0.66949375, 0.69775],
      val_macro_f1: 0.674523904802151,
      val_n: 4000,
      val_labels: 'fairface_label_val.csv',
    })
    expect(facts).toEqual([
      ['Accuracy (validation)', '68.4% (95% interval 66.9%–69.8%)'],
      ['Macro F1 (validation)', '67.5%'],
      ['Validation faces', '4,000'],
    ])
  })

  it('words the training record: no seconds per image epoch, file bytes or local paths', () => {
    const facts = trainingFacts({
      phase: 'balanced',
      config: { fairface_dir: '../shared/fairface', epochs: 10 },
      best_epoch: 10,
      epochs: 10,
      selection: { race: 0.6815, gender: 0.90675 },
      n_train: 36000,
      n_selection: 4000,
      model_selected_on: 'a held-out split of the train chips (4000 chips), never on val',
      precision: 'bfloat16',
      seconds_per_image_epoch: 0.007167482206405694,
      time_s: { phase: 2794.3, bundle_total: 3773.1, decode: 39.3 },
      hardware: { cpu: 'AMD EPYC', cpu_count: 2 },
      trained_parameters: 5519122,
      file_bytes: 22089366,
      log: 'race.log.csv',
      fairface_dir: '../shared/fairface',
    })
    const text = facts.map(([label, value]) => `${label}: ${value}`)
    expect(text).toEqual([
      'Trained on: 36,000 face chips (4,000 more held out to choose the epoch)',
      'Epochs: 10 (the best, epoch 10, kept)',
      'Epoch chosen on: a held-out split of the train chips (4000 chips), never on val',
      'Accuracy on the held-out chips: race 68.2% · gender 90.7%',
      'Training time: 46.6 min (all the models together: 62.9 min)',
      'Time per face chip: 7.2 ms per chip and epoch',
      'Hardware: AMD EPYC, 2 CPU cores, no GPU',
      'Arithmetic: bfloat16 (16-bit)',
      'Trained parameters: 5,519,122',
      'Weights file: 22.1 MB',
    ])
    expect(text.join(' ')).not.toMatch(/shared\/fairface|bytes|seconds per image epoch|log\.csv/)
  })
})
