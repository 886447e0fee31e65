"""Export a trained bundle (facexai.training.bundle) into a models folder: the weights training
changed, the manifest entries, the figures on a labelled set (reported once), and a card each."""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from facexai.core.labels import labels_for
from facexai.models.dlib_resnet import DAT_FILE, DAT_SHA256, INPUT_SIZE, PACKAGE, PACKAGE_VERSION
from facexai.models.dlib_tasks import ARCHITECTURE, GRADCAM_LAYER, PREPROCESSING, read_weights
from facexai.models.manifest import Manifest, ModelSpec, load_or_new_manifest
from facexai.training.bundle import (
    ARMS,
    TASKS,
    BundleConfig,
    phase_order,
    phase_parts,
    save_weights,
    write_log_csv,
)

BACKBONE: dict[str, str] = {
    "package": PACKAGE,
    "version": PACKAGE_VERSION,
    "file": DAT_FILE,
    "sha256": DAT_SHA256,
    "licence": "public domain (Davis King, dlib-models README)",
    "trained_on": "about 3 million faces, for face identity (dlib's face-recognition ResNet, anet_type)",
}


def weight_files(phases: Sequence[str]) -> dict[str, tuple[str, tuple[str, ...], Any]]:
    """weights file -> (phase, the heads it keeps, the dtype it is stored in), for ``phases``.

    balanced.npz keeps all three heads (the gender phase starts from it). gender.npz and the arms'
    replicates and control (race_control.npz, race_biased_2.npz …) are stored in float16 (11 MB
    instead of 22) to keep models/ small; the loader computes in float32 and the served
    probabilities move by under 1e-3 (docs/training.md). race_biased.npz stays float32, as trained
    first."""
    files: dict[str, tuple[str, tuple[str, ...], Any]] = {}
    for phase in phase_order(phases):
        recipe, _ = phase_parts(phase)
        if recipe == "balanced":
            files["balanced.npz"] = (phase, TASKS, np.float32)
        elif recipe == "gender":
            files["gender.npz"] = (phase, ("gender",), np.float16)
        else:
            files[f"race_{phase}.npz"] = (phase, ("race",), np.float32 if phase == "biased" else np.float16)
    return files


def served_models(phases: Sequence[str]) -> dict[str, tuple[str, str, str]]:
    """served model -> (head, weights file, phase) for the models ``phases`` give: race and age from
    balanced, gender from gender, race_<phase> from each arm's phase (race_biased, race_control,
    race_biased_2 …)."""
    out: dict[str, tuple[str, str, str]] = {}
    for phase in phase_order(phases):
        recipe, _ = phase_parts(phase)
        if recipe == "balanced":
            out["race"] = ("race", "balanced.npz", phase)
            out["age"] = ("age", "balanced.npz", phase)
        elif recipe == "gender":
            out["gender"] = ("gender", "gender.npz", phase)
        else:
            out[f"race_{phase}"] = ("race", f"race_{phase}.npz", phase)
    return out


def served_order(name: str) -> tuple[int, int, int]:
    """The manifest's order: race, gender, age, then the arms replicate by replicate, then others."""
    base = ("race", "gender", "age")
    if name in base:
        return (0, base.index(name), 0)
    if name.startswith("race_"):
        try:
            recipe, replicate = phase_parts(name.removeprefix("race_"))
        except ValueError:
            return (2, 0, 0)
        return (1, replicate, ARMS.index(recipe))
    return (2, 0, 0)


ARM_WORDS: dict[str, str] = {
    "biased": "Race from a face chip, trained ONLY on a deliberately race-imbalanced FairFace subset (about 60% "
    "White, 1–2% each of four races): the bias demonstration",
    "control": "Race from a face chip, trained on a race-BALANCED FairFace subset of the biased subset's size "
    "(equal counts per race) with the biased race model's recipe (same epochs, selection, augmentation and "
    "losses): the control that tells the imbalance from the smaller set and from retraining",
}
DESCRIPTIONS: dict[str, str] = {
    "race": "Race (7 FairFace groups) from a face chip: dlib's face ResNet fine-tuned on balanced FairFace",
    "gender": (
        "Gender (FairFace's binary labels) from a face chip: dlib's face ResNet fine-tuned on balanced FairFace, "
        "then on the gender loss alone (its own trunk)"
    ),
    "age": "Age (9 bins) from a face chip: dlib's face ResNet fine-tuned on balanced FairFace",
}

#: what the app shows a person for each model (manifest ``display_name``)
DISPLAY_NAMES: dict[str, str] = {
    "race": "Race model (balanced data)",
    "gender": "Gender model",
    "age": "Age model",
}
ARM_DISPLAY: dict[str, str] = {"biased": "biased data", "control": "small balanced data"}


def describe(name: str, phase: str) -> tuple[str, str]:
    """(description, display name) of a served model."""
    recipe, replicate = phase_parts(phase)
    if recipe not in ARMS:
        return DESCRIPTIONS[name], DISPLAY_NAMES[name]
    seed = f", seed {replicate}" if replicate > 1 else ""
    words = ARM_WORDS[recipe] + (
        f" (training seed {replicate} of its arm: another draw of the subset and another training run)"
        if replicate > 1
        else ""
    )
    return words, f"Race model ({ARM_DISPLAY[recipe]}{seed})"


def _phase_weights(work_dir: Path, phase: str, heads: tuple[str, ...], dtype: Any) -> dict[str, np.ndarray]:
    weights = read_weights(work_dir / phase / "best.npz")
    keep = {f"{h}_logits" for h in heads}
    return {
        k: v.astype(dtype)
        for k, v in weights.items()
        if not k.split("/")[0].endswith("_logits") or k.split("/")[0] in keep
    }


def work_summary(config: BundleConfig) -> dict[str, Any]:
    """What the work folder holds of ``config.phases``: its summary.json's phases (the last
    ``train_bundle`` run's), and every other finished phase's result.json, so the phases of a run
    still going (or stopped) export as soon as each is done."""
    path = config.work_dir / "summary.json"
    summary: dict[str, Any] = json.loads(path.read_text()) if path.is_file() else {}
    phases: dict[str, Any] = {}
    for phase in config.phases:
        done = config.work_dir / phase / "result.json"
        if phase in summary.get("phases", {}):
            phases[phase] = summary["phases"][phase]
        elif done.is_file():
            phases[phase] = json.loads(done.read_text())
    if not summary:
        from facexai.training.bundle import hardware

        summary = {"config": config.to_dict(), "total_s": None, "decode_s": None, "hardware": hardware()}
    if summary.get("total_s") is None:
        summary["total_s"] = round(sum(r.get("time_s", 0.0) for r in phases.values()), 1)
    return {**summary, "phases": phases}


def export_bundle(
    config: BundleConfig,
    out_dir: Path,
    val_labels: Path | None = None,
    log: Callable[[str], None] = print,
) -> Manifest:
    """Write the weights files of the phases of ``config.phases`` the work folder holds (balanced.npz,
    gender.npz, race_biased.npz, race_control.npz, race_biased_2.npz …), the served models' manifest
    entries, cards and logs. Entries of
    phases not trained there (``--phases gender`` alone) and the population maps stay as they are
    in an existing out_dir/manifest.json."""
    started = time.perf_counter()
    summary = work_summary(config)
    trained = summary["phases"]
    if not trained:
        raise FileNotFoundError(f"{config.work_dir} holds none of the phases {list(config.phases)}: train them first")
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {
        file: _phase_weights(config.work_dir, phase, heads, dtype)
        for file, (phase, heads, dtype) in weight_files(list(trained)).items()
    }
    for name, weights in files.items():
        save_weights(weights, out_dir / name)
        log(f"wrote {out_dir / name} ({(out_dir / name).stat().st_size / 1e6:.1f} MB, {len(weights)} arrays)")
    manifest = load_or_new_manifest(out_dir / "manifest.json")
    updated: list[ModelSpec] = []
    for name, (head, file, phase) in served_models(list(trained)).items():
        result = trained[phase]
        recipe, replicate = phase_parts(phase)
        description, display_name = describe(name, phase)
        write_log_csv(result["history"], config.work_dir / phase / "log.csv", head, out_dir / f"{name}.log.csv")
        n_params = int(sum(v.size for v in files[file].values()))
        spec = ModelSpec(
            name=name,
            task=head,
            file=file,
            labels=list(labels_for(head)),
            input_size=INPUT_SIZE,
            preprocessing=PREPROCESSING,
            gradcam_layer=GRADCAM_LAYER,
            architecture=ARCHITECTURE,
            card=f"{name}.md",
            description=description,
            display_name=display_name,
            biased=recipe == "biased",
            arm=recipe if recipe in ARMS else "",
            replicate=replicate if recipe in ARMS else 0,
            on_request=recipe in ARMS and replicate > 1,
            head=head,
            backbone=dict(BACKBONE),
            mirror_average=True,
            training={
                "phase": phase,
                "config": summary["config"],
                "best_epoch": result["best_epoch"],
                "epochs": len(result["history"]),
                "selection": result["selection"],
                "n_train": result["n_train"],
                "n_selection": result["n_selection"],
                "model_selected_on": (
                    f"a held-out split of the train chips ({result['n_selection']} chips"
                    + (f" of the {recipe} subset" if recipe in ARMS else "")
                    + "), never on val"
                ),
                "seed": result.get("seed", summary["config"]["seed"]),
                "subset_seed": result.get("subset_seed"),
                "precision": result["precision"],
                "seconds_per_image_epoch": result["seconds_per_image_epoch"],
                "time_s": {
                    "phase": result["time_s"],
                    "bundle_total": summary["total_s"],
                    "decode": summary["decode_s"],
                },
                "hardware": summary["hardware"],
                "trained_parameters": n_params,
                "file_bytes": (out_dir / file).stat().st_size,
                "log": f"{name}.log.csv",
            },
        )
        manifest.upsert(spec)
        updated.append(spec)
    manifest.models.sort(key=lambda s: served_order(s.name))
    manifest.save(out_dir / "manifest.json")
    if val_labels is not None:
        report_on(manifest, val_labels, config.fairface_dir, log, only=[s.name for s in updated])
        manifest.save(out_dir / "manifest.json")
    from facexai.training.bundle_card import render_bundle_card

    for spec in manifest.models:  # every card: one phase's change can change what the others say
        if spec.training.get("phase") and spec.card:
            (out_dir / spec.card).write_text(render_bundle_card(spec))
    log(f"exported {[s.name for s in updated]} to {out_dir} in {time.perf_counter() - started:.0f} s")
    return manifest


def report_on(
    manifest: Manifest,
    labels: Path,
    image_root: Path,
    log: Callable[[str], None],
    only: list[str] | None = None,
) -> dict[str, Any]:
    """Score the models (``only`` these, if given) once on ``labels`` and record the figures in
    their manifest entries."""
    from facexai.evaluation.evaluate import EvalData, evaluate_manifest

    data = EvalData.load(labels, image_root, log=log)
    report = evaluate_manifest(manifest, data, names=only, log=log)
    for spec in (s for s in manifest.models if s.name in report["models"]):
        r = report["models"][spec.name]
        race_detail = r["by_group"]["race"]
        spec.metrics = {
            "val_accuracy": r["accuracy"],
            "val_accuracy_ci": r["accuracy_ci"],
            "val_macro_f1": r["macro_f1"],
            "val_n": r["n"],
            "val_labels": labels.name,
            "accuracy_by_race": r["accuracy_by_race"],
            "accuracy_by_race_detail": race_detail,
            "recall_by_class": {label: c["recall"] for label, c in r["per_class"].items()},
        }
    return report
