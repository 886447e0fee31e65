"""The service with the imbalance experiment's models (untrained, 64 px): POST /analyze runs the
arms' first seeds and not the extra ones, GET /models lists every seed with its arm and the default
pair, and the compare follow-up pairs race_biased with race_control by default and explains the
other control seed as what retraining alone moves on this face."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture(scope="module")
def arms_client(tmp_path_factory: pytest.TempPathFactory) -> Iterator:
    from fastapi.testclient import TestClient

    from facexai.api.main import create_app
    from facexai.models.untrained import IMBALANCE_MODELS, write_untrained_bundle
    from facexai.service.settings import Settings

    manifest = write_untrained_bundle(tmp_path_factory.mktemp("arms"), "lean", 64, IMBALANCE_MODELS)
    settings = Settings(
        models_manifest=manifest, frontend_dist=Path("/nonexistent"), ig_steps=4, warm_up=False,
        load_in_background=False,
    )  # fmt: skip
    with TestClient(create_app(settings)) as c:
        yield c


@pytest.mark.slow
@pytest.mark.needs_images
def test_analyze_runs_the_first_seeds_and_compare_uses_the_control_with_a_reference(arms_client, images_dir):
    models = arms_client.get("/models").json()
    arms = {m["name"]: (m["arm"], m["replicate"], m["on_request"]) for m in models["models"]}
    assert arms == {
        "race": ("", 0, False),
        "race_biased": ("biased", 1, False),
        "race_control": ("control", 1, False),
        "race_biased_2": ("biased", 2, True),
        "race_control_2": ("control", 2, True),
    }
    assert models["compare_default"] == ["race_control", "race_biased"] and models["imbalance"] is None

    with (images_dir / "multi_face_astronaut_hopper.jpg").open("rb") as f:
        r = arms_client.post("/analyze", files={"file": ("p.jpg", f, "image/jpeg")}, params={"explain": "grad_cam"})
    assert r.status_code == 200, r.text
    analysis = r.json()
    assert analysis["models"] == ["race", "race_biased", "race_control"]
    assert set(analysis["faces"][0]["predictions"]) == {"race", "race_biased", "race_control"}

    url = f"/analyses/{analysis['analysis_id']}/faces/0"
    c = arms_client.get(f"{url}/compare", params={"target": "Indian"}).json()
    assert c["models"] == ["race_control", "race_biased"] and c["reference"] == "race_control_2"
    for row in c["regions"]:
        assert set(row["shares"]) == {"race_control", "race_biased", "race_control_2"}
    largest = max(abs(r["shares"]["race_biased"] - r["shares"]["race_control"]) for r in c["regions"])
    retrained = max(abs(r["shares"]["race_control_2"] - r["shares"]["race_control"]) for r in c["regions"])
    assert c["largest_difference"] == pytest.approx(largest) and c["largest_retraining"] == pytest.approx(retrained)
    assert "Against retraining" in c["summary"] and "Race model (small balanced data, seed 2)" not in c["summary"]
    assert "Race control 2" in c["summary"]  # the untrained bundle's display name of race_control_2
    plain = arms_client.get(f"{url}/compare", params={"target": "Indian", "reference": False}).json()
    assert plain["reference"] is None and "Against retraining" not in plain["summary"]
    # an extra seed is not in the analysis, but its follow-ups run it
    e = arms_client.get(f"{url}/explanations/race_biased_2", params={"explain": "grad_cam"})
    assert e.status_code == 200 and e.json()["target"]
