/** A fraction as a percentage; 'n/a' for what is not a finite number (JSON turns NaN into null). */
export function percent(p: number | null | undefined, digits = 1): string {
  return typeof p === 'number' && Number.isFinite(p) ? `${(p * 100).toFixed(digits)}%` : 'n/a'
}

export function decimal(value: number | null | undefined, digits = 2): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toFixed(digits) : 'n/a'
}

/**
 * A model's name for people when the service has not (yet) said its display name: the same rule as
 * the backend's default_display_name ("race" -> "Race", "race_biased" -> "Race (biased training)").
 */
export function modelTitle(name: string): string {
  const [base, ...rest] = name.split('_')
  const capital = (word: string) => word.charAt(0).toUpperCase() + word.slice(1)
  if (rest.join('_') === 'biased') return `${capital(base)} (biased training)`
  return capital(name.replace(/_/g, ' ').trim()) || name
}

/** A class label as people read it: "Latino_Hispanic" -> "Latino/Hispanic"; API values stay as they are. */
export function classLabel(label: string): string {
  return label.replace(/([A-Za-z])_(?=[A-Z])/g, '$1/').replace(/_/g, ' ')
}

/**
 * The two models the per-face comparison puts side by side unless the page picks others: GET /models's
 * compare_default (the biased model and its control, race_control and race_biased, in the bundle), once it
 * has answered; none while it has not, or where the service names no pair.
 */
export function comparedPair(compareDefault: readonly string[] | null | undefined): [string, string] | undefined {
  if (compareDefault?.length === 2 && compareDefault[0] !== compareDefault[1]) return [compareDefault[0], compareDefault[1]]
  return undefined
}

/** What the pair picker needs to know of a model served (GET /models). */
export interface Servable {
  name: string
  task: string
  on_request: boolean
}

/** The models each select of the comparison's pair picker offers. */
export interface PairChoices {
  /** "Compare": the models the analysis ran that have another model of their task to be compared with (the
   * comparison explains this model's class) */
  first: string[]
  /** "with": the first's task's other models, analysed or served on request (another training seed, which the
   * comparison runs itself) */
  second: string[]
  /** the pair to ask for when "Compare" becomes `model`: the same second model when it shares the task,
   * else the first model of the task the second select would offer */
  withFirst: (model: string) => [string, string]
}

/**
 * The pair picker's choices for `pair`. "Compare" offers every analysed model that has a partner of its task
 * (so a second gender model makes gender pairs reachable); "with" the first's task's other models, never the
 * first itself (a model is not compared with itself). The current choices are always listed. Undefined while
 * the models' tasks are unknown (GET /models not answered).
 */
export function pairChoices(
  pair: readonly [string, string],
  analysed: readonly string[],
  served: readonly Servable[] | undefined,
): PairChoices | undefined {
  if (!served) return undefined
  const taskOf = new Map(served.map((model) => [model.name, model.task]))
  const onRequest = served.filter((model) => model.on_request && !analysed.includes(model.name)).map((model) => model.name)
  const partners = (model: string) => {
    const task = taskOf.get(model)
    return [...analysed, ...onRequest].filter((other) => other !== model && task !== undefined && taskOf.get(other) === task)
  }
  const withCurrent = (names: string[], current: string) => (names.includes(current) ? names : [current, ...names])
  const [first, second] = pair
  return {
    first: withCurrent(
      analysed.filter((model) => partners(model).length > 0),
      first,
    ),
    second: withCurrent(partners(first), second),
    withFirst: (model) => {
      const options = partners(model)
      return [model, options.includes(second) ? second : (options[0] ?? second)]
    },
  }
}

/**
 * The panels' order: the compared pair first, side by side (the comparison below them sets their
 * maps against each other), then the other models in the service's order.
 */
export function panelOrder(models: readonly string[], pair: readonly string[] | undefined): string[] {
  if (!pair || !pair.every((model) => models.includes(model))) return [...models]
  return [...pair, ...models.filter((model) => !pair.includes(model))]
}

/** Lines of a model card that are notes for its authors, not its readers (issue numbers, for one). */
const INTERNAL_NOTE = /\b(issue|ticket|TODO|FIXME)\s*#?\d*/i

/** A model card for the app: without its own title (the card already has one) and internal notes. */
export function cardForReaders(markdown: string): string {
  return markdown
    .split('\n')
    .filter((line, i) => !(i === 0 && /^#\s/.test(line)))
    .filter((line) => !INTERNAL_NOTE.test(line))
    .join('\n')
    .trim()
}

/** `keys` in the model's label order (as the probability bars show them), any others after. */
export function inModelOrder(labels: readonly string[], keys: readonly string[]): string[] {
  return [...labels.filter((label) => keys.includes(label)), ...keys.filter((key) => !labels.includes(key))]
}
