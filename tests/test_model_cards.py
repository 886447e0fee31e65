"""The committed model cards (models/*.md) are exactly what the bundle's card generator writes from
models/manifest.json, and read as cards for people: percentages, no local paths, the truth about the
validation set's spread over the races."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from facexai.training import bundle_card
from facexai.training.bundle_card import faces_per_race, render_bundle_card
from facexai.training.modelcard import readable_label

REPO = Path(__file__).resolve().parents[1]
MANIFEST = REPO / "models" / "manifest.json"


def served_specs():
    if not MANIFEST.is_file():
        pytest.skip("no models/manifest.json")
    # the manifest's entries as the card generator takes them (ModelSpec, wherever its module lives)
    return [bundle_card.ModelSpec.from_dict(entry) for entry in json.loads(MANIFEST.read_text())["models"]]


def test_committed_cards_are_the_generators_output() -> None:
    for spec in served_specs():
        card = (MANIFEST.parent / f"{spec.name}.md").read_text()
        assert card == render_bundle_card(spec), f"models/{spec.name}.md is stale: regenerate it from the manifest"


def test_cards_read_for_people() -> None:
    for spec in served_specs():
        card = render_bundle_card(spec)
        assert "../shared" not in card and "`make " not in card
        assert "| race | faces | accuracy |" in card and "Latino_Hispanic |" not in card
        assert "selection accuracy race 0." not in card  # held-out accuracies are percentages too
        # the validation faces are not balanced across races: the card says how they spread
        assert "not balanced across races: 412 to 775 per race" in card


def test_faces_per_race_and_labels() -> None:
    detail = {"A": {"n": 5}, "B": {"n": 9}}
    assert faces_per_race({"accuracy_by_race_detail": detail}) == "not balanced across races: 5 to 9 per race"
    assert faces_per_race({"accuracy_by_race_detail": {"A": {"n": 7}, "B": {"n": 7}}}) == "7 per race"
    assert faces_per_race({}) == ""
    assert readable_label("Latino_Hispanic") == "Latino/Hispanic" and readable_label("East Asian") == "East Asian"
