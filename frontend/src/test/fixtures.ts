// Responses shaped by the generated OpenAPI types, so a schema change breaks the tests at compile time.
import type { AnalyzeResponse, Comparison, Explanation, Face, Faithfulness, ModelInfo } from '../api/types'

export const LABELS: Record<string, string[]> = {
  age: ['0-2', '3-9', '10-19', '20-29', '30-39', '40-49', '50-59', '60-69', 'more than 70'],
  gender: ['Male', 'Female'],
  race: ['White', 'Black', 'Latino_Hispanic', 'East Asian', 'Southeast Asian', 'Indian', 'Middle Eastern'],
  race_biased: ['White', 'Black', 'Latino_Hispanic', 'East Asian', 'Southeast Asian', 'Indian', 'Middle Eastern'],
}
export const MODELS = Object.keys(LABELS)

/** Probabilities that put `top` first and share the rest evenly. */
export function probabilities(model: string, top: string, p = 0.6): Record<string, number> {
  const labels = LABELS[model]
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

export function face(index: number, box = { left: 100 + 400 * index, top: 50, right: 200 + 400 * index, bottom: 170 }): Face {
  const predictions = Object.fromEntries(
    MODELS.map((model) => [model, { label: TOP[model][index % 2], probabilities: probabilities(model, TOP[model][index % 2]) }]),
  )
  const explanations = Object.fromEntries(
    MODELS.map((model) => {
      const target = TOP[model][index % 2]
      return [model, { target, target_probability: 0.6, integrated_gradients: null, grad_cam: gradCam(index, model, target) }]
    }),
  )
  return { index, box, aligned_image: `CHIP-${index}`, predictions, explanations }
}

export function analyzeResponse(faces = 2): AnalyzeResponse {
  return {
    analysis_id: 'abc123',
    expires_in_s: 600,
    image: { width: 1000, height: 500, format: 'jpeg' },
    aligned: true,
    faces_found: faces,
    faces_skipped: 0,
    models: [...MODELS],
    faces: Array.from({ length: faces }, (_, i) => face(i)),
    timings_ms: { total: 120 },
  }
}

export function comparison(target: string, method: Comparison['method'] = 'integrated_gradients'): Comparison {
  return {
    target,
    method,
    models: ['race', 'race_biased'],
    scale_max: 0.0421,
    images: { race: `CMPIMG-race-${target}`, race_biased: `CMPIMG-race_biased-${target}` },
    heatmaps: { race: `CMP-race-${target}`, race_biased: `CMP-race_biased-${target}` },
    difference_image: `DIFF-${target}`,
    raw: { race: [[0.1, 0.2], [0.3, 0.4]], race_biased: [[0.4, 0.3], [0.2, 0.1]] },
    grid_size: 2,
    correlation: -0.42,
    regions: [
      { region: 'eyes and brows', shares: { race: 0.31, race_biased: 0.12 } },
      { region: 'hair, ears and background', shares: { race: 0.1, race_biased: 0.35 } },
    ],
    summary: `Explaining “${target}”: Race rates it 61% likely, Race (biased training) 22%. On one scale, Race (biased training)'s map is 2.6× weaker than Race's.`,
    probabilities: { race: 0.61, race_biased: 0.22 },
    strength: { race: 0.21, race_biased: 0.08 },
  }
}

export function modelInfo(name: string, metrics: Record<string, unknown> = {}): ModelInfo {
  return {
    name,
    display_name: name === 'race_biased' ? 'Race (biased training)' : name.charAt(0).toUpperCase() + name.slice(1),
    task: name === 'race_biased' ? 'race' : name,
    labels: LABELS[name],
    input_size: 224,
    preprocessing: 'resnet_v2',
    gradcam_layer: 'block4_relu',
    architecture: 'seed',
    biased: name === 'race_biased',
    description: `${name} model`,
    metrics,
    training: { epochs: 12 },
    card_markdown: `# ${name}\n\n- trained on **FairFace**\n- input \`224\``,
  }
}

export function jsonResponse(body: unknown, status = 200): Response {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } })
}
