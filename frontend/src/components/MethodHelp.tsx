import type { Method } from '../api/types'

/** Plain-language help on reading the maps, beside the controls that choose them. */
export function MethodHelp({ method }: { method: Method }) {
  return (
    <details className="help" data-testid="method-help">
      <summary>How to read this</summary>
      <dl>
        <dt className={method === 'integrated_gradients' ? 'current' : undefined}>Integrated Gradients</dt>
        <dd>
          Bright pixels are the ones that moved the model towards the explained class the most, measured by fading the
          photo in from black. It shows which pixels mattered, not why.
        </dd>
        <dt className={method === 'grad_cam' ? 'current' : undefined}>Grad-CAM</dt>
        <dd>
          A coarse map of the regions a late layer of the network found evidence for the class in: red is most, blue is
          none. It is blurry by design and can miss small details.
        </dd>
        <dt>Signed view</dt>
        <dd>
          Integrated Gradients with its sign kept: red pixels pushed towards the class, blue pixels pushed away from it.
        </dd>
        <dt>Completeness error</dt>
        <dd>
          A check on Integrated Gradients: the attributions should add up to the change in the model&apos;s score. A
          large error (over 5%) means the map is approximate; recomputing it with more steps usually lowers it.
        </dd>
        <dt>Faithfulness</dt>
        <dd>
          A test of whether a map shows what the model really uses. The photo&apos;s pixels are removed in the order the
          map ranks them, brightest first, while the model&apos;s probability for the class is tracked. Deletion is the
          average probability along the way: lower is better. The random figure is the same deletion in six random
          orders, and &plusmn; is their spread (95% of random orders fall within it): a map counts as faithful only when
          its deletion is lower than random by more than that margin; within it, the map is no clearer than random.
          Insertion adds the pixels back in the same order: higher is better. All the areas lie between 0 and 1.
        </dd>
        <dt>Every class</dt>
        <dd>
          &ldquo;Show every class&rdquo; draws the maps of all of a model&apos;s classes on one colour scale, so a class whose
          map is brighter has more evidence in the face than a class whose map is faint.
        </dd>
      </dl>
    </details>
  )
}
