"""Shared fixtures. Data folders come from settings; a test that needs one is marked by it
(``needs_fairface``, ``needs_images``: from the fixtures it uses, or by hand) and skips with what
is missing and where it was looked for. The run's summary says how many of them ran with data."""

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

#: marker -> (the fixture that hands the data out, its folder, the file or folder that must exist, what it is,
#: the variable that moves it)
DATA = {
    "needs_fairface": (
        "fairface_dir",
        FAIRFACE,
        FAIRFACE / "fairface_label_val.csv",
        "FairFace",
        "FACEXAI_FAIRFACE_DIR",
    ),
    "needs_images": ("images_dir", IMAGES, IMAGES, "the test photos", "FACEXAI_SHARED_IMAGES"),
}


def missing(marker: str) -> str | None:
    """Why the data ``marker`` names is absent, or None when it is there."""
    _, _, needed, what, variable = DATA[marker]
    if needed.exists():
        return None
    return f"{marker}: {what} not found at {needed} (set {variable} to the folder)"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        for marker, (fixture, *_) in DATA.items():
            if fixture in getattr(item, "fixturenames", ()) and not item.get_closest_marker(marker):
                item.add_marker(marker)


def pytest_runtest_setup(item: pytest.Item) -> None:
    for marker in DATA:
        if item.get_closest_marker(marker) and (reason := missing(marker)):
            pytest.skip(reason)


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    """One line per data folder: how many tests needed it, how many ran and how many skipped for want of it."""
    outcomes: dict[str, tuple[str, set[str]]] = {}
    for reports in terminalreporter.stats.values():
        for report in reports:
            keywords = set(getattr(report, "keywords", {})) & set(DATA)
            if not keywords or getattr(report, "when", None) not in ("setup", "call"):
                continue
            ran = report.when == "call" or report.failed
            previous = outcomes.get(report.nodeid, ("skipped", keywords))[0]
            outcomes[report.nodeid] = ("ran" if ran or previous == "ran" else "skipped", keywords)
    for marker, (_, folder, _, what, _) in DATA.items():
        tests = [outcome for outcome, keywords in outcomes.values() if marker in keywords]
        if not tests:
            continue
        ran = tests.count("ran")
        state = "present" if missing(marker) is None else "ABSENT"
        terminalreporter.write_line(
            f"data: {len(tests)} tests needed {what} at {folder} ({state}): {ran} ran, {len(tests) - ran} skipped"
        )


@pytest.fixture(scope="session")
def images_dir() -> Path:
    if reason := missing("needs_images"):
        pytest.skip(reason)
    return IMAGES


@pytest.fixture(scope="session")
def fairface_dir() -> Path:
    if reason := missing("needs_fairface"):
        pytest.skip(reason)
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
