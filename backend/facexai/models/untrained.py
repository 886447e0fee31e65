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


#: the imbalance experiment's arms as the bundle names them (race_biased, race_control_2 …)
IMBALANCE_MODELS: tuple[tuple[str, str], ...] = (
    ("race", "race"),
    ("race_biased", "race"),
    ("race_control", "race"),
    ("race_biased_2", "race"),
    ("race_control_2", "race"),
)


def arm_of(name: str) -> tuple[str, int]:
    """("biased", 1) for race_biased, ("control", 2) for race_control_2, ("", 0) for the others."""
    _, _, rest = name.partition("_")
    arm, _, number = rest.partition("_")
    if arm in ("biased", "control") and (not number or number.isdigit()):
        return arm, int(number) if number else 1
    return "", 0


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
        arm, replicate = arm_of(name)
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
                biased=arm == "biased",
                arm=arm,
                replicate=replicate,
                on_request=replicate > 1,
                description=f"UNTRAINED {architecture} model with random weights, for tests only",
            )
        )
    path = out / "manifest.json"
    manifest.save(path)
    return path
