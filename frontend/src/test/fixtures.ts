// Responses shaped by the generated OpenAPI types, so a schema change breaks the tests at compile time.
import type { AnalyzeResponse, Comparison, Explanation, Face, Faithfulness, Imbalance, ImbalanceCell, ModelInfo, ModelsResponse, SummaryRules } from '../api/types'

export const LABELS: Record<string, string[]> = {
  age: ['0-2', '3-9', '10-19', '20-29', '30-39', '40-49', '50-59', '60-69', 'more than 70'],
  gender: ['Male', 'Female'],
  race: ['White', 'Black', 'Latino_Hispanic', 'East Asian', 'Southeast Asian', 'Indian', 'Middle Eastern'],
  race_biased: ['White', 'Black', 'Latino_Hispanic', 'East Asian', 'Southeast Asian', 'Indian', 'Middle Eastern'],
}
export const MODELS = Object.keys(LABELS)
/** GET /models's `races` (the service's facexai.core.labels.RACE): the race models' labels. */
export const RACES: readonly string[] = LABELS.race
/** GET /models's `rules`: the thresholds of the service's comparison summary (facexai.service.comparison). */
export const RULES: SummaryRules = { strength_ratio: 1.5, region_gap: 0.05 }

/** A model's labels: the race models of the imbalance experiment (race_control, race_biased_2 …) have race's. */
export function labelsOf(model: string): string[] {
  return LABELS[model] ?? LABELS.race
}

/** Probabilities that put `top` first and share the rest evenly. */
export function probabilities(model: string, top: string, p = 0.6): Record<string, number> {
  const labels = labelsOf(model)
  const rest = (1 - p) / (labels.length - 1)
  return Object.fromEntries(labels.map((label) => [label, label === top ? p : rest]))
}

export function gradCam(face: number, model: string, target: string): Explanation['grad_cam'] {
  return { image: `GCIMG-${face}-${model}-${target}`, heatmap: `GC-${face}-${model}-${target}`, layer: 'block4_relu', max_value: 1.5, elapsed_ms: 3 }
}

/** A map's faithfulness as the service gives it: deletion clearer than random by more than the margin. */
export const FAITHFUL: Faithfulness = {
  deletion_auc: 0.21,
  insertion_auc: 0.71,
  random_deletion_auc: 0.48,
  margin: 0.05,
  random_orders: 6,
  verdict: 'clearer_than_random',
}

export function integratedGradients(
  face: number,
  model: string,
  target: string,
  completeness_error = 0.012,
): NonNullable<Explanation['integrated_gradients']> {
  return {
    image: `IGIMG-${face}-${model}-${target}`,
    heatmap: `IG-${face}-${model}-${target}`,
    signed_image: `IGS-${face}-${model}-${target}`,
    completeness_error,
    completeness_error_abs: completeness_error * 1.8,
    steps: 32,
    rule: 'gauss_legendre',
    output: 'logit',
    baseline: 'black',
    clip_percentile: 99,
    score_input: 2.1,
    score_baseline: 0.3,
    elapsed_ms: 2500,
  }
}

const TOP: Record<string, string[]> = {
  age: ['30-39', '60-69'],
  gender: ['Female', 'Female'],
  race: ['White', 'White'],
  race_biased: ['White', 'Black'],
}

const topOf = (model: string, index: number) => (TOP[model] ?? TOP.race)[index % 2]

export function face(
  index: number,
  box = { left: 100 + 400 * index, top: 50, right: 200 + 400 * index, bottom: 170 },
  models: readonly string[] = MODELS,
): Face {
  const predictions = Object.fromEntries(
    models.map((model) => [model, { label: topOf(model, index), probabilities: probabilities(model, topOf(model, index)) }]),
  )
  const explanations = Object.fromEntries(
    models.map((model) => {
      const target = topOf(model, index)
      return [model, { target, target_probability: 0.6, integrated_gradients: null, grad_cam: gradCam(index, model, target) }]
    }),
  )
  return { index, box, aligned_image: `CHIP-${index}`, predictions, explanations }
}

/** POST /analyze's answer for `models` (the models it ran: never the on-request seeds). */
export function analyzeResponse(faces = 2, models: readonly string[] = MODELS): AnalyzeResponse {
  return {
    analysis_id: 'abc123',
    expires_in_s: 600,
    image: { width: 1000, height: 500, format: 'jpeg' },
    aligned: true,
    faces_found: faces,
    faces_skipped: 0,
    models: [...models],
    faces: Array.from({ length: faces }, (_, i) => face(i, undefined, models)),
    timings_ms: { total: 120 },
  }
}

/**
 * The compare follow-up's answer for `models` (default race and race_biased); with `reference` (another
 * seed of the first model) its shares join the regions and the largest differences are given.
 */
export function comparison(
  target: string,
  method: Comparison['method'] = 'integrated_gradients',
  models: [string, string] = ['race', 'race_biased'],
  reference?: string,
): Comparison {
  const [a, b] = models
  const name = (model: string) => modelInfo(model).display_name
  const shares = (x: number, y: number, r: number) => ({ [a]: x, [b]: y, ...(reference ? { [reference]: r } : {}) })
  return {
    target,
    method,
    models: [a, b],
    scale_max: 0.0421,
    images: { [a]: `CMPIMG-${a}-${target}`, [b]: `CMPIMG-${b}-${target}` },
    heatmaps: { [a]: `CMP-${a}-${target}`, [b]: `CMP-${b}-${target}` },
    difference_image: `DIFF-${target}`,
    raw: { [a]: [[0.1, 0.2], [0.3, 0.4]], [b]: [[0.4, 0.3], [0.2, 0.1]] },
    grid_size: 2,
    correlation: -0.42,
    regions: [
      { region: 'eyes and brows', shares: shares(0.31, 0.12, 0.27) },
      { region: 'hair, ears and background', shares: shares(0.1, 0.35, 0.13) },
    ],
    summary:
      `Explaining “${target}”: ${name(a)} rates it 61% likely, ${name(b)} 22%. On one scale, ${name(b)}'s map is 2.6× weaker than ${name(a)}'s.` +
      (reference
        ? ` Against retraining: ${name(reference)} (the same data and recipe, another seed) moves a region's share on this face by up to 4 points (eyes and brows); ${name(b)}'s largest difference from ${name(a)} is 25 points (more on the hair, ears and background), larger than retraining alone moves here.`
        : ''),
    probabilities: { [a]: 0.61, [b]: 0.22 },
    strength: { [a]: 0.21, [b]: 0.08 },
    ...(reference ? { reference, largest_difference: 0.25, largest_retraining: 0.04 } : {}),
  }
}

/** The arm and training seed of a model, as the bundle names them: race_control_2 -> control, 2. */
function armOf(name: string): { arm: string; replicate: number } {
  const match = /^race_(biased|control)(?:_(\d+))?$/.exec(name)
  return match ? { arm: match[1], replicate: Number(match[2] ?? 1) } : { arm: '', replicate: 0 }
}

const ARM_NAMES: Record<string, string> = { biased: 'biased training', control: 'small balanced data' }

export function modelInfo(name: string, metrics: Record<string, unknown> = {}): ModelInfo {
  const { arm, replicate } = armOf(name)
  const display = arm
    ? `Race (${ARM_NAMES[arm]}${replicate > 1 ? `, seed ${replicate}` : ''})`
    : name.charAt(0).toUpperCase() + name.slice(1)
  return {
    name,
    display_name: display,
    task: name.startsWith('race') ? 'race' : name,
    labels: labelsOf(name),
    input_size: 224,
    preprocessing: 'resnet_v2',
    gradcam_layer: 'block4_relu',
    architecture: 'seed',
    biased: arm === 'biased',
    arm,
    replicate,
    on_request: replicate > 1,
    user_supplied: false,
    description: `${name} model`,
    metrics,
    training: { epochs: 12 },
    card_markdown: `# ${name}\n\n- trained on **FairFace**\n- input \`224\``,
  }
}

/**
 * GET /models's answer: the untrained test bundle's shape unless told otherwise (no imbalance result; its
 * compare_default race and race_biased, as the service names them for that bundle, when both are served).
 */
export function modelsResponse(models: ModelInfo[], extra: Partial<ModelsResponse> = {}): ModelsResponse {
  const names = models.map((model) => model.name)
  const pair = names.includes('race') && names.includes('race_biased') ? ['race', 'race_biased'] : null
  return { models, races: [...RACES], rules: RULES, ig_steps: 32, ig_max_steps: 256, compare_default: pair, imbalance: null, ...extra }
}

function cell(effect: number, retraining: number, beyond: boolean): ImbalanceCell {
  return { effect, ci_low: effect - 0.01, ci_high: effect + 0.01, retraining, beyond_retraining: beyond, p_value: beyond ? 0.004 : 0.4, df: 2 }
}

/**
 * The audit's imbalance result (GET /models `imbalance`) for two seeds per arm: with `calls`, Indian
 * faces' mouth (+3.1 points) is the one region cell beyond retraining, and Black faces' accuracy
 * (−12 points) is beyond it too; every other cell moves no more than retraining alone. Without,
 * nothing is beyond retraining.
 */
export function imbalance(calls = true): Imbalance {
  const races = LABELS.race
  return {
    biased: ['race_biased', 'race_biased_2'],
    control: ['race_control', 'race_control_2'],
    faces_per_race: 200,
    method: 'biased arm minus control arm, each arm the mean over its seeds; t test with the seeds as the unit',
    summary: calls
      ? 'Beyond retraining (2 biased and 2 control seeds, 200 faces per race; 1 of 14 cells, 0.7 expected by chance): on Indian faces the biased models put 3.1 points more on the mouth (95% CI +2.1 to +4.1; retraining alone moves it 0.9).'
      : 'No region’s share of the attribution moves beyond what retraining alone moves (2 biased and 2 control seeds, 200 faces per race, 14 race × region cells): measured against a control of the same size and recipe, the imbalance does not change where the race model looks by more than another training seed does.',
    retraining_summary: 'Retraining alone (another seed of the same arm: 2 pair(s)) moves a region’s share by 0.9 points on average and by up to 1.4; a race’s accuracy by up to 2.0 points.',
    calls: calls ? 1 : 0,
    cells: races.length * 2,
    expected_false_calls: 0.7,
    by_race: Object.fromEntries(
      races.map((race) => [
        race,
        {
          n: 200,
          n_accuracy: 400,
          regions: {
            mouth: race === 'Indian' && calls ? cell(0.031, 0.009, true) : cell(0.004, 0.012, false),
            nose: cell(-0.006, 0.01, false),
          },
          accuracy: race === 'Black' && calls ? cell(-0.12, 0.02, true) : cell(-0.01, 0.015, false),
        },
      ]),
    ),
    retraining: [
      { arm: 'control', a: 'race_control', b: 'race_control_2', regions: { Indian: { mouth: 0.009 } }, accuracy: { Black: 0.02 } },
      { arm: 'biased', a: 'race_biased', b: 'race_biased_2', regions: { Indian: { mouth: -0.008 } }, accuracy: { Black: -0.015 } },
    ],
  }
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}
