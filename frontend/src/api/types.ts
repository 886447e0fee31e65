// Short names for the generated OpenAPI types (src/api/schema.ts is generated, never edited).
import type { components } from './schema'

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
export type QuadratureRule = Schemas['QuadratureRule']
export type ExplainedOutput = Schemas['ExplainedOutput']
export type ModelInfo = Schemas['ModelInfo']
export type ModelsResponse = Schemas['ModelsResponse']
export type HealthResponse = Schemas['HealthResponse']
export type ErrorResponse = Schemas['ErrorResponse']

/** The two explanation methods the service offers, in the order the app shows them. */
export type Method = ExplainMethod
export const METHODS: readonly Method[] = ['integrated_gradients', 'grad_cam'] // display order
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
