"""The committed bundle in models/: every model loads as the service loads it and matches its entry."""

from pathlib import Path

import keras
import numpy as np
import pytest

from facexai.labels import labels_for
from facexai.manifest import load_manifest

MODELS = Path(__file__).resolve().parents[1] / "models"
MB = 1_000_000


@pytest.fixture(scope="module")
def manifest():
    if not (MODELS / "manifest.json").is_file():
        pytest.skip("no model bundle committed in models/ yet")
    return load_manifest(MODELS / "manifest.json")


def test_the_service_models_are_all_there(manifest):
    assert {"age", "gender", "race", "race_biased"} <= set(manifest.names)
    assert not manifest.missing_files()
    sizes = [manifest.path_of(s).stat().st_size for s in manifest.models]
    assert max(sizes) <= 10 * MB and sum(sizes) <= 60 * MB
    for spec in manifest.models:
        card = manifest.card_path(spec)
        assert card is not None and card.is_file(), spec.name
        assert "val_accuracy" in spec.metrics and set(spec.metrics["accuracy_by_race"]) == set(labels_for("race"))


def test_every_model_loads_and_predicts_its_labels(manifest):
    for spec in manifest.models:
        model = keras.saving.load_model(manifest.path_of(spec), compile=False)
        assert spec.labels == list(labels_for(spec.task))
        x = np.zeros((2, spec.input_size, spec.input_size, 3), np.float32)
        probs = np.asarray(model(x, training=False))
        assert probs.shape == (2, len(spec.labels)), spec.name
        np.testing.assert_allclose(probs.sum(axis=1), 1.0, rtol=1e-5)
        assert model.get_layer(spec.gradcam_layer) is not None
        assert getattr(model, "optimizer", None) is None, f"{spec.name} was saved with optimizer state"
