// The sanity checks of a model's maps (GET /models `sanity`, from the bundle's committed
// `facexai audit --sanity`): does the map change when the model's weights are randomised, and when
// another class is explained? (Adebayo et al. 2018)
import type { MethodSanity, ModelInfo, ModelsResponse, SanitySimilarity } from '../api/types'
import type { Method } from '../api/types'

/** One method's result for a model, if the bundle has one. */
export function sanityOf(model: ModelInfo | undefined, method: Method): MethodSanity | undefined {
  return model?.sanity?.[method] ?? undefined
}

/** The result for a model by name, from GET /models's answer. */
export function sanityFor(response: ModelsResponse | undefined, model: string, method: Method): MethodSanity | undefined {
  return sanityOf(response?.models.find((m) => m.name === model), method)
}

/** "0.12 (0.08–0.16)": a similarity with its 95% interval. */
export function similarityText(value: SanitySimilarity): string {
  return `${value.mean.toFixed(2)} (${value.ci_low.toFixed(2)}–${value.ci_high.toFixed(2)})`
}

/** A point of the curve: the step's name and its rank correlation (the trained model first, at 1). */
export interface CurvePoint {
  label: string
  spearman: SanitySimilarity
  ssim: SanitySimilarity
}

const ONE: SanitySimilarity = { mean: 1, ci_low: 1, ci_high: 1 }

export function curvePoints(result: MethodSanity): CurvePoint[] {
  return [
    { label: 'trained', spearman: ONE, ssim: ONE },
    ...result.cascading.map((step, k) => ({ label: `${k ? '+' : ''}${step.block}`, spearman: step.spearman, ssim: step.ssim })),
  ]
}

/**
 * The plain warning shown beside a method's maps when it fails a check for that model: the map hardly
 * changes when every weight is randomised, or another class's map looks much the same.
 */
export function sanityWarning(result: MethodSanity | undefined, methodName: string, classes = 0): string | undefined {
  if (!result) return undefined
  const notes: string[] = []
  if (!result.passes) {
    const last = result.cascading[result.cascading.length - 1]
    notes.push(
      `Careful: this model's ${methodName} map hardly changes when every weight of the model is randomised ` +
        `(rank correlation ${last ? similarityText(last.spearman) : '?'} with the trained map), so it shows the photo ` +
        'more than what the model learned.',
    )
  }
  if (!result.random_logit_passes && classes === 2 && result.random_logit.spearman.ci_low > 0.99) {
    notes.push(
      `${notes.length ? 'And' : 'Note:'} with two classes, one's probability is one minus the other's, so the ` +
        `${methodName} map of the other class is this map with its sign flipped: the signed view tells the classes ` +
        'apart, the plain map cannot.',
    )
  } else if (!result.random_logit_passes) {
    notes.push(
      `${notes.length ? 'And' : 'Careful:'} its ${methodName} map of another class looks much like the predicted ` +
        `class's (rank correlation ${similarityText(result.random_logit.spearman)}): it says where the face has ` +
        'evidence more than for which class.',
    )
  }
  return notes.length ? notes.join(' ') : undefined
}
