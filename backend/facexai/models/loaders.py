"""Reading one manifest model into Keras: the only place models are loaded from disk.

A ``dlib_resnet`` entry is built from dlib's network in the installed face-recognition-models
package plus the weights training changed (facexai.models.dlib_tasks); any other entry is a ``.keras``
file. :func:`check_backbones` verifies the backbone before TensorFlow is imported.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from facexai.models.dlib_resnet import BackboneError, verified_dat_path
from facexai.models.manifest import DLIB_RESNET, Manifest, ModelSpec


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

    return keras.saving.load_model(manifest.path_of(spec), compile=False)


__all__ = ["BackboneError", "check_backbones", "load_model"]
