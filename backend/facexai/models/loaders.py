"""Reading one manifest model into Keras: the only place models are loaded from disk.

A ``dlib_resnet`` entry is built from dlib's network in the installed face-recognition-models
package plus the weights training changed (facexai.models.dlib_tasks); any other entry is a ``.keras``
file, brought to the shape the explainers expect by :func:`standardize` (a person's own model, from
``facexai models add``, ends however it ends). :func:`check_backbones` verifies the backbone before
TensorFlow is imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from facexai.core.checksums import file_sha256
from facexai.models.dlib_resnet import BackboneError, verified_dat_path
from facexai.models.manifest import DLIB_RESNET, Manifest, ModelSpec


class ModelLoadError(ValueError):
    """A model file that loads but cannot be served as its entry says (the reason names what is wrong)."""


def check_backbones(manifest: Manifest) -> list[Path]:
    """Every backbone the manifest names, found and checked (BackboneError naming what to install)."""
    checked: dict[str, Path] = {}
    for spec in manifest.models:
        if spec.architecture == DLIB_RESNET:
            sha = str(spec.backbone.get("sha256", ""))
            if sha not in checked:
                checked[sha] = verified_dat_path(sha)
    return list(checked.values())


def load_model(manifest: Manifest, spec: ModelSpec) -> Any:
    """The model of ``spec`` as a Keras model: uint8-range RGB (after ``spec.preprocessing``) in,
    probabilities out, with a ``logits`` layer and ``spec.gradcam_layer``."""
    if spec.architecture == DLIB_RESNET:
        from facexai.models.dlib_tasks import build_task_model, dlib_network, read_weights

        net = dlib_network(str(spec.backbone.get("sha256", "")) or None)
        return build_task_model(
            net,
            read_weights(manifest.path_of(spec)),
            spec.head,
            input_size=spec.input_size,
            name=spec.name,
            mirror=spec.mirror_average,
        )
    import keras

    path = manifest.path_of(spec)
    expected = str(spec.supplied.get("sha256", ""))
    if expected and file_sha256(path) != expected:
        raise ModelLoadError(
            f"{path.name} is not the file that was added (sha256 {file_sha256(path)[:12]}…, the manifest says "
            f"{expected[:12]}…): add it again with facexai models add"
        )
    return standardize(keras.saving.load_model(path, compile=False), spec.input_size, spec.output)


def standardize(model: Any, input_size: int | None = None, output: str = "probabilities") -> Any:
    """A Keras model as the explainers take it: one image input of a fixed size (a model saved with
    ``(None, None, 3)`` is rebuilt at ``input_size``) and one probability output whose logits can be
    found (facexai.explain.base.Forward: a layer named ``logits``, or a softmax Dense at the end).

    ``output="logits"``: the model ends in logits; a softmax is added after them. A model ending in a
    Softmax layer or a softmax Activation gets its input named as the logits; any other softmax output
    gets the log of its probabilities as logits (they differ from the true logits by one constant per
    image, which softmax, Grad-CAM's class weights' ranking and IG on probabilities do not see)."""
    import keras

    inputs, outputs = getattr(model, "inputs", None), getattr(model, "outputs", None)
    if not inputs or not outputs:
        raise ModelLoadError(
            "the model has no symbolic inputs and outputs (a subclassed model): save a functional "
            "or Sequential Keras model"
        )
    if len(inputs) != 1 or len(outputs) != 1:
        raise ModelLoadError(f"the model has {len(inputs)} inputs and {len(outputs)} outputs; it needs one of each")
    shape = tuple(inputs[0].shape[1:])
    if len(shape) == 3 and shape[:2] == (None, None) and input_size:
        try:
            rebuilt = keras.models.clone_model(model, input_tensors=keras.Input((input_size, input_size, shape[2])))
            rebuilt.set_weights(model.get_weights())
        except Exception as exc:  # Keras raises many kinds for a graph it cannot rebuild
            raise ModelLoadError(
                f"the model's input has no fixed size and cannot be rebuilt at {input_size} px: {exc}"
            ) from None
        model = rebuilt
        inputs, outputs = model.inputs, model.outputs
    model = flatten_nested(model)
    inputs, outputs = model.inputs, model.outputs
    names = {layer.name for layer in model.layers}
    history = getattr(outputs[0], "_keras_history", None)
    last = history[0] if history else model.layers[-1]  # the layer that makes the output
    softmax_name = "probabilities" if "probabilities" not in names else None
    if output == "logits":
        if "logits" in names and model.get_layer("logits").output is outputs[0]:
            logits = outputs[0]
        elif "logits" in names:
            raise ModelLoadError(
                "the model has a layer named 'logits' that is not its output; with --logits the "
                "output is taken as the logits"
            )
        else:
            logits = keras.layers.Identity(name="logits")(outputs[0])
        return keras.Model(inputs, keras.layers.Softmax(name=softmax_name)(logits), name=model.name)
    if "logits" in names:
        return model
    if isinstance(last, keras.layers.Dense) and getattr(last.activation, "__name__", "") == "softmax":
        return model  # Forward recomputes the logits from the Dense layer's input and weights
    softmax_layer = isinstance(last, keras.layers.Softmax) or (
        isinstance(last, keras.layers.Activation) and getattr(last.activation, "__name__", "") == "softmax"
    )
    if softmax_layer:
        logits = keras.layers.Identity(name="logits")(last.input)
        return keras.Model(inputs, keras.layers.Softmax(name=softmax_name)(logits), name=model.name)
    log_probabilities = keras.layers.Lambda(lambda p: keras.ops.log(keras.ops.maximum(p, 1e-12)), name="logits")(
        outputs[0]
    )
    probabilities = keras.layers.Softmax(name=softmax_name)(log_probabilities)
    return keras.Model(inputs, probabilities, name=model.name)


def flatten_nested(model: Any) -> Any:
    """A model that holds another (a keras.applications backbone inside a classifier) rebuilt as one flat
    graph of fresh copies of its layers, weights copied: a nested model's ``output`` is its own graph's
    tensor, not the outer call's, so neither Grad-CAM nor the forward pass could read its layers. A model
    without nested models is returned as it is."""
    import keras
    from keras.src.models.functional import Functional

    if not any(isinstance(layer, Functional) for layer in model.layers):
        return model

    def copy_of(op: Any) -> Any:
        if isinstance(op, Functional):  # its graph, inlined
            return lambda *args, **kwargs: op._run_through_graph(args[0], operation_fn=copy_of)
        if isinstance(op, keras.layers.Layer) and not isinstance(op, keras.layers.InputLayer):
            fresh = op.__class__.from_config(op.get_config())

            def call(*args: Any, **kwargs: Any) -> Any:
                out = fresh(*args, **kwargs)
                fresh.set_weights(op.get_weights())  # built by the call: now it can take them
                return out

            return call
        return op  # a stateless operation (keras.ops in the graph)

    try:
        inputs = keras.Input(batch_shape=tuple(model.inputs[0].shape), dtype=model.inputs[0].dtype)
        flat = keras.Model(inputs, model._run_through_graph(inputs, operation_fn=copy_of), name=model.name)
    except Exception as exc:  # Keras raises many kinds for a graph it cannot rebuild
        raise ModelLoadError(f"the model holds a nested model that cannot be rebuilt as one graph: {exc}") from None
    return flat


__all__ = ["BackboneError", "ModelLoadError", "check_backbones", "flatten_nested", "load_model", "standardize"]
