// Short names for the generated OpenAPI types (src/api/schema.ts is generated, never edited).
import { explainMethodValues, type components } from './schema'

export { explainMethodValues, explainedOutputValues, quadratureRuleValues } from './schema'

type Schemas = components['schemas']

export type AnalyzeResponse = Schemas['AnalyzeResponse']
export type Face = Schemas['Face']
export type Box = Schemas['Box']
export type Prediction = Schemas['Prediction']
export type Explanation = Schemas['Explanation']
export type IntegratedGradientsResult = Schemas['IntegratedGradientsResult']
export type GradCamResult = Schemas['GradCamResult']
export type Comparison = Schemas['Comparison']
export type ExplainMethod = Schemas['ExplainMethod']
export type ExplainMode = Schemas['ExplainMode']
export type Detector = Schemas['Detector']
export type QuadratureRule = Schemas['QuadratureRule']
export type ExplainedOutput = Schemas['ExplainedOutput']
export type ModelInfo = Schemas['ModelInfo']
export type ModelsResponse = Schemas['ModelsResponse']
/** The imbalance experiment's population result (GET /models `imbalance`): biased arm vs control arm, retraining in the error bar */
export type Imbalance = Schemas['Imbalance']
export type ImbalanceRace = Schemas['ImbalanceRace']
export type ImbalanceCell = Schemas['ImbalanceCell']
/** GET /analyses/{id}/faces/{i}/grid/{model}: every class of a model on one colour scale */
export type ClassGrid = Schemas['ClassGrid']
export type ClassMap = Schemas['ClassMap']
export type HealthResponse = Schemas['HealthResponse']
/** GET /models `sanity`: do a model's maps depend on its weights and on the class explained (facexai audit --sanity) */
export type ModelSanity = Schemas['ModelSanity']
export type MethodSanity = Schemas['MethodSanity']
export type SanitySimilarity = Schemas['SanitySimilarity']
export type ErrorResponse = Schemas['ErrorResponse']

/**
 * The explanation methods the service offers, in the order the app shows them: the service's one list
 * (its `ExplainMethod` enum, generated into ./schema), never listed by hand here.
 */
export type Method = ExplainMethod
export const METHODS: readonly Method[] = explainMethodValues
export const METHOD_NAMES: Record<Method, string> = {
  integrated_gradients: 'Integrated Gradients',
  grad_cam: 'Grad-CAM',
}

/** Options for Integrated Gradients that a researcher may change; undefined: the service's default. */
export interface IgOptions {
  ig_steps?: number
  ig_rule?: QuadratureRule
  ig_output?: ExplainedOutput
}

// ---- issue 11: faithfulness, population maps, strength

/**
 * How well a map predicts what the model uses: areas under the deletion and insertion curves, each
 * in [0, 1]; a faithful map's deletion_auc is below random_deletion_auc.
 */
export type Faithfulness = Schemas['Faithfulness']

/** A map result's faithfulness, when it was asked for (`faithfulness=true`) and measured. */
export function faithfulnessOf(result: IntegratedGradientsResult | GradCamResult | null | undefined): Faithfulness | undefined {
  return result?.faithfulness ?? undefined
}

/** The thresholds the service's comparison summary words its figures with (GET /models `rules`). */
export type SummaryRules = Schemas['SummaryRules']

/** A model's mean attribution over many faces (GET /models): per race and over all faces, base64 PNGs. */
export interface PopulationMaps {
  byRace?: Record<string, string>
  all?: string
}

export function populationMapsOf(model: ModelInfo | undefined): PopulationMaps | undefined {
  const byRace = model?.mean_attribution_by_race ?? undefined
  const all = model?.mean_attribution_all ?? undefined
  return byRace || all ? { byRace, all } : undefined
}

/** A comparison's strength figures (model -> mean of its map on the shared scale). */
export function strengthOf(comparison: Comparison): Record<string, number> | undefined {
  return comparison.strength ?? undefined
}
