"""The bundle's training on dlib's face ResNet, end to end on a few real chips: the split is honest,
an interrupted run resumes from its last epoch, and the export is what the service loads."""

from __future__ import annotations

import json
from dataclasses import replace

import keras
import numpy as np
import pytest

from facexai.core.fairface import load_image, read_labels
from facexai.core.labels import labels_for
from facexai.training.bundle import BundleConfig, phase_data, phase_order, phase_parts, phase_seeds, train_bundle


class Interrupt(keras.callbacks.Callback):
    """Stops the process-level run after the first epoch, as a kill would (after its checkpoint)."""

    def on_epoch_end(self, epoch, logs=None):
        if epoch == 0:
            raise KeyboardInterrupt("simulated interruption")


def test_biased_phase_sees_only_the_biased_subset_and_splits_are_disjoint(fairface_dir):
    table = read_labels(fairface_dir / "fairface_label_train.csv")
    config = BundleConfig(fairface_dir=fairface_dir)
    balanced = phase_data(table, "balanced", config)
    biased = phase_data(table, "biased", config)
    assert len(balanced.selection_rows) == 4000 and len(balanced.train_rows) == len(table) - 4000
    assert not set(balanced.train_rows) & set(balanced.selection_rows)
    assert not set(biased.train_rows) & set(biased.selection_rows)
    races = np.array(table.column("race"))
    seen = races[biased.train_rows + biased.selection_rows]
    share = {r: float((seen == r).mean()) for r in labels_for("race")}
    assert share["White"] == pytest.approx(0.601, abs=0.01) and share["Indian"] == pytest.approx(0.012, abs=0.003)


def test_control_phase_has_the_biased_size_every_race_equally_and_seeds_change_the_draw(fairface_dir):
    """race_control differs from race_biased in the race mix alone: the same number of rows (as near as
    equal counts allow), the same selection fraction; a second seed of an arm draws other rows."""
    table = read_labels(fairface_dir / "fairface_label_train.csv")
    config = BundleConfig(fairface_dir=fairface_dir)
    races = np.array(table.column("race"))
    biased = phase_data(table, "biased", config)
    control = phase_data(table, "control", config)
    n_biased = len(biased.train_rows) + len(biased.selection_rows)
    n_control = len(control.train_rows) + len(control.selection_rows)
    assert n_biased - len(labels_for("race")) < n_control <= n_biased
    assert len(control.selection_rows) == len(biased.selection_rows)
    assert not set(control.train_rows) & set(control.selection_rows)
    counts = {r: int((races[control.train_rows + control.selection_rows] == r).sum()) for r in labels_for("race")}
    assert len(set(counts.values())) == 1, counts
    second = phase_data(table, "control_2", config)
    assert set(second.train_rows) != set(control.train_rows)
    assert phase_seeds("control_2", config) == (config.seed + 1, config.biased_seed + 1)
    assert phase_seeds("biased", config) == (config.seed, config.biased_seed)


@pytest.mark.parametrize("bad", ["control_1", "control_02", "biased_x", "unbalanced", "gender_2"])
def test_phase_names_are_checked(bad: str) -> None:
    with pytest.raises(ValueError, match="unknown phase"):
        phase_parts(bad)
    assert phase_order(["control_2", "biased", "gender", "balanced", "control", "biased_3"]) == [
        "balanced", "gender", "biased", "control", "control_2", "biased_3",
    ]  # fmt: skip


@pytest.mark.slow
def test_train_interrupt_resume_export_and_serve(fairface_dir, tmp_path, images_dir):
    config = BundleConfig(
        fairface_dir=fairface_dir,
        work_dir=tmp_path / "work",
        epochs=2,
        biased_epochs=1,
        gender_epochs=1,
        gender_warmup_steps=1,
        batch_size=6,
        # 48 chips: 44 train (7 steps an epoch) and 4 selection for the balanced phase, 10 (1 step) and 1 for
        # the biased one (about the fewest whose biased draw has every race), 6 (1 step) and 1 for each control
        # (one chip per race); enough to interrupt, resume, export
        limit=48,
        warmup_steps=4,
        precision="float32",
    )
    with pytest.raises(KeyboardInterrupt):
        train_bundle(config, log=lambda m: None, callbacks=[Interrupt()])
    first = json.loads((config.work_dir / "balanced" / "selection.json").read_text())
    assert [h["epoch"] for h in first] == [1]
    assert (config.work_dir / "balanced" / "backup").is_dir()  # the checkpoint the rerun resumes from

    messages: list[str] = []
    summary = train_bundle(config, log=messages.append)
    balanced = summary["phases"]["balanced"]
    assert [h["epoch"] for h in balanced["history"]] == [1, 2]
    assert not any("epoch 1/2" in m for m in messages), "the resumed run trained epoch 1 again"
    assert any("epoch 2/2" in m for m in messages)
    assert summary["phases"]["biased"]["n_train"] < balanced["n_train"]
    for arm in ("control", "biased_2", "control_2"):  # the same recipe: biased's epochs and selection fraction
        assert len(summary["phases"][arm]["history"]) == 1
        assert summary["phases"][arm]["n_selection"] == summary["phases"]["biased"]["n_selection"]
    assert summary["phases"]["biased_2"]["seed"] == config.seed + 1
    assert summary["phases"]["control"]["subset_seed"] == config.biased_seed
    gender = summary["phases"]["gender"]
    assert [h["epoch"] for h in gender["history"]] == [1] and gender["n_train"] == balanced["n_train"]
    assert any(m.startswith("[gender] starts from") and "balanced" in m for m in messages)

    from facexai.models.registry import ModelRegistry
    from facexai.training.export import export_bundle

    out = tmp_path / "models"
    manifest = export_bundle(config, out, log=lambda m: None)
    assert manifest.names == ["race", "gender", "age", "race_biased", "race_control", "race_biased_2", "race_control_2"]
    assert sorted(p.name for p in out.glob("*.npz")) == [
        "balanced.npz", "gender.npz", "race_biased.npz", "race_biased_2.npz", "race_control.npz", "race_control_2.npz",
    ]  # fmt: skip
    control = manifest.get("race_control")
    assert (control.arm, control.replicate, control.biased, control.on_request) == ("control", 1, False, False)
    second = manifest.get("race_biased_2")
    assert (second.arm, second.replicate, second.biased, second.on_request) == ("biased", 2, True, True)
    assert manifest.compare_default() == ["race_control", "race_biased"]
    assert manifest.reference_for("race_control") == "race_control_2"
    with np.load(out / "race_control.npz") as w:
        assert w["conv8/kernel"].dtype == np.float16 and "gender_logits/kernel" not in w.files
    assert manifest.get("gender").file == "gender.npz" and manifest.get("race").file == "balanced.npz"
    with np.load(out / "gender.npz") as w:
        assert w["conv8/kernel"].dtype == np.float16 and "race_logits/kernel" not in w.files
        gender_conv20 = w["conv20/kernel"]
    with np.load(out / "balanced.npz") as w:
        assert w["conv8/kernel"].dtype == np.float32
        # the gender phase trained on from the balanced trunk: close to it, not equal
        assert not np.array_equal(gender_conv20, w["conv20/kernel"].astype(np.float16))
        assert np.abs(gender_conv20.astype(np.float32) - w["conv20/kernel"]).max() < 0.01
    with np.load(out / "race_biased.npz") as w:
        assert "race_logits/kernel" in w.files and "age_logits/kernel" not in w.files
        assert "conv1/kernel" not in w.files and "conv8/kernel" in w.files  # the frozen stem stays dlib's
    card = (out / "race_biased.md").read_text()
    assert "race-imbalanced subset" in card and "never on val" in card and "same recipe as race" not in card
    assert "How it differs from the other race models" in card
    assert "race-balanced control subset" in (out / "race_control.md").read_text()

    registry = ModelRegistry.load(out / "manifest.json")
    chip = load_image(fairface_dir / "val/1.jpg", 150)
    for name in registry.names:
        m = registry.get(name)
        probs, cams, _ = m.gradcam.maps(m.prepare(chip)[None])
        assert probs.shape == (1, len(m.spec.labels)) and cams.shape == (1, 8, 8)
        np.testing.assert_allclose(probs.sum(), 1.0, rtol=1e-5)
    # training the gender phase again (it is done: skipped) and exporting only it leaves the other
    # entries and files as they were
    before = {n: manifest.get(n).training for n in ("race", "age", "race_biased")}
    balanced_mtime = (out / "balanced.npz").stat().st_mtime_ns
    train_bundle(replace(config, phases=("gender",)), log=lambda m: None)
    again = export_bundle(replace(config, phases=("gender",)), out, log=lambda m: None)
    assert again.names == manifest.names
    assert {n: again.get(n).training for n in before} == before
    assert (out / "balanced.npz").stat().st_mtime_ns == balanced_mtime

    # race and race_biased were trained on different data: their trunks differ
    race, biased = registry.get("race").model, registry.get("race_biased").model
    assert not np.allclose(race.get_layer("conv20").get_weights()[0], biased.get_layer("conv20").get_weights()[0])
    np.testing.assert_array_equal(race.get_layer("conv3").get_weights()[0], biased.get_layer("conv3").get_weights()[0])


def test_the_gender_phase_needs_the_balanced_weights(fairface_dir, tmp_path):
    config = BundleConfig(fairface_dir=fairface_dir, work_dir=tmp_path, limit=48, phases=("gender",))
    with pytest.raises(FileNotFoundError, match="train --phases balanced first"):
        train_bundle(config, log=lambda m: None)
