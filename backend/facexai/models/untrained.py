"""Small untrained model bundles for tests and for trying the service before trained models exist.

Their predictions mean nothing; they exercise the same loading, prediction and explanation code
as the trained bundle.
"""

from __future__ import annotations

from pathlib import Path

from facexai.core.labels import labels_for
from facexai.models.architectures import GRADCAM_LAYER, build_model
from facexai.models.manifest import Manifest, ModelSpec

DEFAULT_MODELS: tuple[tuple[str, str], ...] = (
    ("age", "age"),
    ("gender", "gender"),
    ("race", "race"),
    ("race_biased", "race"),
)


def write_untrained_bundle(
    out_dir: Path | str,
    architecture: str = "lean",
    input_size: int = 64,
    models: tuple[tuple[str, str], ...] = DEFAULT_MODELS,
    seed: int = 0,
) -> Path:
    """Write ``<name>.keras`` files and a ``manifest.json`` into ``out_dir``; return the manifest path."""
    import keras

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    manifest = Manifest([], root=out)
    for i, (name, task) in enumerate(models):
        keras.utils.set_random_seed(seed + i)
        labels = list(labels_for(task))
        model = build_model(architecture, len(labels), input_size=input_size)
        model.save(out / f"{name}.keras")
        manifest.upsert(
            ModelSpec(
                name=name,
                task=task,
                file=f"{name}.keras",
                labels=labels,
                input_size=input_size,
                preprocessing="resnet_v2",
                gradcam_layer=GRADCAM_LAYER[architecture],
                architecture=architecture,
                biased=name.endswith("_biased"),
                description=f"UNTRAINED {architecture} model with random weights, for tests only",
            )
        )
    path = out / "manifest.json"
    manifest.save(path)
    return path
