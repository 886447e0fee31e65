"""Shared fixtures. Data folders come from settings and tests skip with a reason when absent."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("FACEXAI_SHARED_DIR", REPO.parent / "shared"))
IMAGES = Path(os.environ.get("FACEXAI_SHARED_IMAGES", SHARED / "images"))
FAIRFACE = Path(os.environ.get("FACEXAI_FAIRFACE_DIR", SHARED / "fairface"))


@pytest.fixture(scope="session")
def images_dir() -> Path:
    if not IMAGES.is_dir():
        pytest.skip(f"test photos not found at {IMAGES} (set FACEXAI_SHARED_IMAGES)")
    return IMAGES


@pytest.fixture(scope="session")
def fairface_dir() -> Path:
    if not (FAIRFACE / "fairface_label_val.csv").is_file():
        pytest.skip(f"FairFace data not found at {FAIRFACE} (set FACEXAI_FAIRFACE_DIR)")
    return FAIRFACE


@pytest.fixture(scope="session")
def untrained_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Four small untrained models (age, gender, race, race_biased) and their manifest."""
    from facexai.models.untrained import write_untrained_bundle

    return write_untrained_bundle(tmp_path_factory.mktemp("bundle"), architecture="lean", input_size=64)


@pytest.fixture(scope="session")
def app_settings(untrained_bundle: Path):
    from facexai.service.settings import Settings

    return Settings(
        models_manifest=untrained_bundle,
        frontend_dist=Path("/nonexistent"),
        ig_steps=8,
        warm_up=False,
        load_in_background=False,
    )


@pytest.fixture(scope="session")
def client(app_settings) -> Iterator:
    from fastapi.testclient import TestClient

    from facexai.api.main import create_app

    with TestClient(create_app(app_settings)) as c:
        yield c
