"""``facexai audit`` end to end on the untrained test bundle and a small synthetic labelled set:
local Ray with 2 workers, resume (a second run computes nothing), skipped rows, exit code 2, the
intervals in audit.json, and a two-node ``ray.cluster_utils.Cluster`` giving the local run's numbers.

Ray starts in a few seconds per run; the runs are module-scoped so the file starts it three times.
"""

from __future__ import annotations

import csv
import html
import json
import os
from pathlib import Path

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # Ray on the loopback only

import numpy as np
import pytest
from PIL import Image

pytest.importorskip("ray", reason="ray is not installed (make install)")

from facexai.commands import main as cli
from facexai.core.labels import TASK_LABELS

pytestmark = pytest.mark.slow  # Ray, started three times
RACES = TASK_LABELS["race"]


def write_set(root: Path, per_race: int = 2, bad_rows: bool = True, seed: int = 0) -> Path:
    """``per_race`` synthetic chips per race (noise: the models are untrained anyway), plus four bad rows."""
    rng = np.random.default_rng(seed)
    (root / "val").mkdir(parents=True)
    rows = []
    for i in range(per_race * len(RACES)):
        name = f"val/{i + 1}.jpg"
        Image.fromarray(rng.integers(0, 255, (80, 80, 3), dtype=np.uint8)).save(root / name)
        rows.append([name, TASK_LABELS["age"][i % 9], TASK_LABELS["gender"][i % 2], RACES[i % len(RACES)], "False"])
    if bad_rows:
        (root / "val/broken.jpg").write_bytes(b"not a jpeg at all")
        rows += [
            ["val/missing.jpg", "20-29", "Male", "White", "False"],
            ["val/broken.jpg", "20-29", "Male", "White", "False"],
            ["val/1.jpg", "20-29", "Robot", "White", "False"],
            ["val/2.jpg", "20-29", "Male", "Martian", "False"],
        ]
    labels = root / "labels.csv"
    with labels.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["file", "age", "gender", "race", "service_test"])
        w.writerows(rows)
    return labels


@pytest.fixture(scope="module")
def labelled(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("faces")
    return write_set(root), root


def audit_args(bundle: Path, labels: Path, images: Path, out: Path, *extra: str) -> list[str]:
    return [
        "audit", "--manifest", str(bundle), "--labels", str(labels), "--images", str(images), "--out", str(out),
        "--compare", "race", "race_biased", "--ig-steps", "4", "--bootstrap", "200", "--permutations", "200",
        "--no-progress", *extra,
    ]  # fmt: skip


@pytest.fixture(scope="module")
def local_run(untrained_bundle: Path, labelled: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    labels, images = labelled
    out = tmp_path_factory.mktemp("audit")
    assert cli(audit_args(untrained_bundle, labels, images, out, "--workers", "2")) == 0
    return out


def read(out: Path) -> dict:
    return json.loads((out / "audit.json").read_text())


def test_report_has_what_an_auditor_expects(local_run: Path) -> None:
    audit = read(local_run)
    assert audit["engine"]["name"] == "ray" and audit["engine"]["workers"] == 2 and audit["engine"]["nodes"] == 1
    assert audit["engine"]["address"] == "local"
    assert audit["throughput"]["faces_per_minute"] > 0
    for name in ("age", "gender", "race", "race_biased"):
        m = audit["models"][name]
        assert m["n"] == 2 * len(RACES)
        for key in ("by_race", "by_gender", "by_age", "by_race_gender"):
            assert m[key]
        white = m["by_race"]["White"]
        assert {"accuracy", "ci_low", "ci_high", "n", "ece", "tpr", "fpr", "small_n"} <= set(white)
        assert white["small_n"] is True  # n = 2 < 30
    for race in RACES:
        regions = audit["comparison"]["by_race"][race]["regions"]
        assert len(regions) >= 5
        for r in regions.values():
            assert {"difference", "ci_low", "ci_high", "p_value", "significant"} <= set(r)
    html = (local_run / "audit.html").read_text()
    assert "data:image/png;base64," in html and "<h1>facexai audit</h1>" in html


def test_intervals_lie_in_0_1_and_contain_their_estimate(local_run: Path) -> None:
    audit = read(local_run)
    for m in audit["models"].values():
        groups = [m] + [g for key in ("by_race", "by_gender", "by_age", "by_race_gender") for g in m[key].values()]
        for g in groups:
            if g["n"]:
                assert 0.0 <= g["ci_low"] <= g["accuracy"] <= g["ci_high"] <= 1.0
    for model in audit["attribution"].values():
        for entry in model.values():
            for r in entry["ig"].values():
                assert 0.0 <= r["ci_low"] <= r["share"] <= r["ci_high"] <= 1.0
    for entry in audit["comparison"]["by_race"].values():
        for r in entry["regions"].values():
            assert -1.0 <= r["ci_low"] <= r["difference"] <= r["ci_high"] <= 1.0


def test_bad_rows_are_skipped_with_their_reason(local_run: Path) -> None:
    reasons = {s["file"]: s["reason"] for s in read(local_run)["skipped"]}
    assert reasons["val/missing.jpg"] == "missing file"
    assert reasons["val/broken.jpg"].startswith("unreadable image")
    skipped = read(local_run)["skipped"]
    assert any("unknown gender label 'Robot'" in s["reason"] for s in skipped)
    assert any("unknown race label 'Martian'" in s["reason"] for s in skipped)
    assert len(skipped) == 4


def test_shards_hold_no_pixels(local_run: Path) -> None:
    shards = list((local_run / "shards").rglob("*.npz"))
    assert shards
    for p in shards:
        with np.load(p) as z:
            for key in z.files:
                assert (z[key].ndim <= 3 and z[key].shape[-1] != 3) or key in ("probs",), (p, key, z[key].shape)
                if z[key].ndim == 3:
                    assert z[key].shape[1:] == (28, 28)


def test_a_rerun_computes_nothing(local_run: Path, untrained_bundle: Path, labelled: tuple[Path, Path], capsys) -> None:
    labels, images = labelled
    before = sorted(p.name for p in (local_run / "shards").rglob("*.npz"))
    first = read(local_run)
    assert cli(audit_args(untrained_bundle, labels, images, local_run, "--workers", "2")) == 0
    assert "to compute: 0 predictions, 0 explanations" in capsys.readouterr().out
    assert sorted(p.name for p in (local_run / "shards").rglob("*.npz")) == before
    again = read(local_run)
    assert again["comparison"]["by_race"] == first["comparison"]["by_race"]
    assert again["models"] == first["models"]


def test_unknown_model_and_mismatched_pair_exit_2(
    untrained_bundle: Path, labelled: tuple[Path, Path], tmp_path: Path, capsys
) -> None:
    labels, images = labelled
    args = audit_args(untrained_bundle, labels, images, tmp_path)
    unknown = [*args[: args.index("--compare")], "--compare", "race", "nobody", *args[args.index("--compare") + 3 :]]
    assert cli(unknown) == 2
    assert "unknown model(s) ['nobody']" in capsys.readouterr().out
    mismatched = [*args[: args.index("--compare")], "--compare", "race", "gender", *args[args.index("--compare") + 3 :]]
    assert cli(mismatched) == 2
    assert "predict different labels" in capsys.readouterr().out
    assert cli([*args, "--models", "nobody"]) == 2
    assert not (tmp_path / "shards").exists()


def test_two_node_cluster_gives_the_local_numbers(
    local_run: Path, untrained_bundle: Path, labelled: tuple[Path, Path], tmp_path: Path
) -> None:
    from ray.cluster_utils import Cluster

    labels, images = labelled
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "object_store_memory": 80 * 1024 * 1024, "include_dashboard": False},
    )
    try:
        cluster.add_node(num_cpus=1, object_store_memory=80 * 1024 * 1024)
        cluster.wait_for_nodes()
        address = cluster.address
        assert cli(audit_args(untrained_bundle, labels, images, tmp_path, "--address", address)) == 0
    finally:
        cluster.shutdown()
    remote, local = read(tmp_path), read(local_run)
    assert remote["engine"]["nodes"] == 2 and remote["engine"]["workers"] == 2
    assert remote["engine"]["address"] == address
    assert remote["models"] == local["models"]
    for race, entry in local["comparison"]["by_race"].items():
        for region, r in entry["regions"].items():
            other = remote["comparison"]["by_race"][race]["regions"][region]
            assert other["difference"] == pytest.approx(r["difference"], abs=1e-6)
            assert other["p_value"] == pytest.approx(r["p_value"], abs=1e-9)


def test_stored_maps_reach_get_models_with_intervals_and_tests(
    local_run: Path, untrained_bundle: Path, app_settings, tmp_path: Path
) -> None:
    """The audit's population_maps.json (format v2) in a bundle: GET /models keeps the faces per race
    and adds each region's share with its interval and, for the biased model, the pair's tests."""
    import shutil

    from fastapi.testclient import TestClient

    from facexai.api.main import create_app
    from facexai.models.manifest import load_manifest

    bundle = tmp_path / "bundle"
    shutil.copytree(untrained_bundle.parent, bundle)
    shutil.copy(local_run / "population_maps.json", bundle / "population_maps.json")
    manifest = load_manifest(bundle / "manifest.json")
    manifest.population_maps = "population_maps.json"
    manifest.save(bundle / "manifest.json")
    settings = app_settings.model_copy(update={"models_manifest": bundle / "manifest.json"})
    with TestClient(create_app(settings)) as client:
        models = {m["name"]: m for m in client.get("/models").json()["models"]}
    race, biased = models["race"], models["race_biased"]
    assert race["mean_attribution_faces"] == {**dict.fromkeys(RACES, 2), "all": 2 * len(RACES)}
    assert list(race["mean_attribution_by_race"]) == list(RACES)
    share = race["mean_attribution_regions"]["White"]["eyes and brows"]
    assert 0 <= share["ci_low"] <= share["share"] <= share["ci_high"] <= 1
    comparison = biased["mean_attribution_comparison"]
    assert comparison["partner"] == "race" and comparison["tests"] == len(RACES) * 7
    assert set(comparison["by_race"]) == set(RACES)
    assert "significant" in comparison["by_race"]["White"]["regions"]["mouth"]
    assert comparison["summary"]
    assert list(biased["mean_attribution_difference_by_race"]) == list(RACES)
    assert race["mean_attribution_comparison"] is None and models["age"]["mean_attribution_by_race"] is None


def test_align_finds_the_face_in_photos_and_skips_photos_without_one(
    untrained_bundle: Path, images_dir: Path, tmp_path: Path
) -> None:
    """--align: photos (not chips) go through the service's detector and aligner in the workers; a
    photo without a face is skipped with the reason, never fatal."""
    labels = tmp_path / "photos.csv"
    rows = [
        ["astronaut.png", "40-49", "Female", "White"],
        ["grace_hopper.jpg", "70+", "Female", "White"],  # an unknown age label: skipped before any work
        ["exif_orientation_6_astronaut.jpg", "40-49", "Female", "White"],
        ["gen__noise_512.png", "20-29", "Male", "Black"],
    ]
    with labels.open("w", newline="") as f:
        csv.writer(f).writerows([["file", "age", "gender", "race"], *rows])
    out = tmp_path / "audit"
    extra = ("--workers", "1", "--align", "--models", "race", "race_biased")
    assert cli(audit_args(untrained_bundle, labels, images_dir, out, *extra)) == 0
    audit = read(out)
    reasons = {s["file"]: s["reason"] for s in audit["skipped"]}
    assert "unknown age label '70+'" in reasons["grace_hopper.jpg"]
    assert "no face" in reasons["gen__noise_512.png"]
    assert audit["models"]["race"]["n"] == 2  # the astronaut, upright and rotated by EXIF
    assert audit["comparison"]["by_race"]["White"]["n"] == 2


@pytest.fixture(scope="module")
def arms_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """race plus two seeds of each arm (untrained: what is tested is the section, not a finding)."""
    from facexai.models.untrained import IMBALANCE_MODELS, write_untrained_bundle

    return write_untrained_bundle(tmp_path_factory.mktemp("arms"), "lean", 64, IMBALANCE_MODELS)


def test_imbalance_section_has_numbers_for_every_race_region_and_accuracy(
    arms_bundle: Path, tmp_path: Path, capsys
) -> None:
    """Six faces per race, the manifest's seeds by default: every cell's five keys are numbers or
    booleans (never null), the effect lies in its interval, retraining >= 0; the HTML shows it and
    the stored population maps carry it to GET /models."""
    from facexai.core.regions import REGION_NAMES

    root = tmp_path / "faces"
    labels = write_set(root, per_race=6, bad_rows=False, seed=1)
    out = tmp_path / "out"
    args = [
        "audit", "--manifest", str(arms_bundle), "--labels", str(labels), "--images", str(root), "--out", str(out),
        "--imbalance", "--ig-steps", "4", "--bootstrap", "200", "--permutations", "200", "--no-progress",
        "--workers", "1", "--no-gradcam", "--models", "race", "race_biased", "race_control",
        "race_biased_2", "race_control_2",
    ]  # fmt: skip
    assert cli(args) == 0
    audit = read(out)
    imb = audit["imbalance"]
    assert imb["biased"] == ["race_biased", "race_biased_2"] and imb["control"] == ["race_control", "race_control_2"]
    assert audit["comparison"]["a"] == "race_control" and audit["comparison"]["b"] == "race_biased"
    assert list(imb["by_race"]) == list(RACES)
    for race, entry in imb["by_race"].items():
        assert entry["n"] == 6 and entry["n_accuracy"] == 6
        assert list(entry["regions"]) == list(REGION_NAMES)
        for c in [*entry["regions"].values(), entry["accuracy"]]:
            for key in ("effect", "ci_low", "ci_high", "retraining"):
                assert isinstance(c[key], float) and np.isfinite(c[key]), (race, key, c[key])
            assert isinstance(c["beyond_retraining"], bool)
            assert c["ci_low"] <= c["effect"] <= c["ci_high"] and c["retraining"] >= 0
    assert imb["cells"] == len(RACES) * len(REGION_NAMES) and 0 <= imb["calls"] <= imb["cells"]
    assert "_" not in imb["summary"] + imb["retraining_summary"]  # words a person reads, no ids
    assert [(p["arm"], p["a"], p["b"]) for p in imb["retraining"]] == [
        ("biased", "race_biased", "race_biased_2"),
        ("control", "race_control", "race_control_2"),
    ]
    page = (out / "audit.html").read_text()
    assert "with retraining in the error bar" in page and html.escape(imb["summary"]) in page
    assert json.loads((out / "population_maps.json").read_text())["imbalance"]["cells"] == imb["cells"]

    # one seed per arm says nothing about retraining: refused before any work
    refused = tmp_path / "refused"
    one = [str(refused) if a == str(out) else a for a in args[: args.index("--models")]]
    capsys.readouterr()
    assert cli([*one, "--biased", "race_biased", "--control", "race_control"]) == 2
    said = capsys.readouterr()
    assert "two seeds" in said.out + said.err
    assert not (refused / "audit.json").exists()
