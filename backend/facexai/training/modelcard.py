"""The model card: a markdown page per trained model, rendered from its manifest entry."""

from __future__ import annotations

import re
from typing import Any

from facexai.models.manifest import ModelSpec


def hardware_line(hw: dict[str, Any]) -> str:
    """The card's hardware bullet, from a manifest entry's ``training.hardware``."""
    return (
        f"- hardware: {hw.get('accelerator') or hw.get('cpu', '?')} ({hw.get('cpu_count', '?')} CPU cores), "
        f"Keras {hw.get('keras')} on {hw.get('backend')}"
    )


def metrics_line(m: dict[str, Any]) -> str:
    """The card's headline validation figures, from a manifest entry's ``metrics``."""
    return (
        f"Accuracy **{pct(m.get('val_accuracy'))}**, macro F1 {m.get('val_macro_f1', float('nan')):.3f}, "
        f"loss {m.get('val_loss')}, on {m.get('val_n')} images."
    )


#: what every card says of FairFace's labels, whatever the model
LIMITATIONS: tuple[str, ...] = (
    "- The labels are **perceived** attributes assigned by annotators from the photo, not self-reported "
    "identity; the model predicts how annotators would label a face, nothing more.",
    "- Gender is **binary** in FairFace (Male, Female); the model cannot represent anyone outside it.",
    "- Race categories are FairFace's seven social groupings; ages are coarse bins.",
)
NOT_FOR = "- Not for decisions about people: identification, screening, or any consequential use."


def card_header(spec: ModelSpec) -> list[str]:
    """The title, description and the task's classes: the first lines of every card."""
    return [
        f"# Model card: `{spec.name}`",
        "",
        f"{spec.description}.",
        "",
        "## Model",
        "",
        f"- task: **{spec.task}**, {len(spec.labels)} classes in this output order: "
        + ", ".join(f"`{label}`" for label in spec.labels),
    ]


def readable_label(label: str) -> str:
    """A class label as the app shows it: "Latino_Hispanic" -> "Latino/Hispanic" (frontend classLabel)."""
    return re.sub(r"([A-Za-z])_(?=[A-Z])", r"\1/", label).replace("_", " ")


def metrics_tables(spec: ModelSpec) -> list[str]:
    """Accuracy per race with its interval, then recall per class, from a manifest entry's metrics."""
    m: dict[str, Any] = spec.metrics
    lines = ["| race | faces | accuracy | 95% Wilson interval |", "| --- | ---: | ---: | --- |"]
    for race, g in m.get("accuracy_by_race_detail", {}).items():
        lines.append(
            f"| {readable_label(race)} | {g['n']} | {pct(g['accuracy'])} | {pct(g['ci_low'])} – {pct(g['ci_high'])} |"
        )
    lines += ["", f"| {spec.task} class | recall |", "| --- | ---: |"]
    for label, recall in m.get("recall_by_class", {}).items():
        lines.append(f"| {readable_label(label)} | {pct(recall)} |")
    return lines


def pct(x: float | None) -> str:
    return "–" if x is None or x != x else f"{100 * x:.1f}%"


def _counts_table(title: str, train: dict[str, int], val: dict[str, int]) -> list[str]:
    lines = [f"| {title} | train | val |", "| --- | ---: | ---: |"]
    for key in dict.fromkeys([*train, *val]):
        lines.append(f"| {key} | {train.get(key, 0):,} | {val.get(key, 0):,} |")
    lines.append(f"| **total** | {sum(train.values()):,} | {sum(val.values()):,} |")
    return lines


def render_model_card(spec: ModelSpec) -> str:
    t: dict[str, Any] = spec.training
    m: dict[str, Any] = spec.metrics
    data = t.get("data", {})
    train, val = data.get("train", {}), data.get("val", {})
    hw = t.get("hardware", {})
    times = t.get("time_s", {})
    lines = [
        *card_header(spec),
        f"- architecture: `{spec.architecture}`, {t.get('parameters', 0):,} parameters, "
        f"input {spec.input_size}×{spec.input_size} RGB, preprocessing `{spec.preprocessing}`",
        f"- file: `{spec.file}` ({t.get('file_bytes', 0) / 1e6:.1f} MB, no optimizer state); "
        f"Grad-CAM layer `{spec.gradcam_layer}`",
        f"- stem weights: {t.get('weights') or 'none (random initialisation)'}"
        + (", stem frozen" if t.get("freeze_stem") else ""),
        "",
        "## Data",
        "",
        f"FairFace (Kärkkäinen and Joo, WACV 2021; CC BY 4.0), face chips aligned at padding 0.25. "
        f"Train labels `{data.get('train_csv', '?')}`"
        + (
            f", **race-imbalanced subset** (`{data.get('subset')}`, seed {data.get('subset_seed')})"
            if data.get("subset") not in (None, "all")
            else ""
        )
        + f"; validation labels `{data.get('val_csv', '?')}`. Images missing on disk: "
        f"{train.get('missing', 0)} train, {val.get('missing', 0)} val (skipped).",
        "",
        *_counts_table(spec.task, train.get("by_class", {}), val.get("by_class", {})),
        "",
        *(
            []
            if spec.task == "race"  # the classes are the races
            else [*_counts_table("race", train.get("by_race", {}), val.get("by_race", {})), ""]
        ),
        "## Training",
        "",
        f"- optimizer {t.get('optimizer')}, learning rate {t.get('learning_rate')} (×{t['lr_schedule']['factor']} "
        f"after {t['lr_schedule']['patience']} epochs without a better {t.get('monitor')}; final "
        f"{t.get('final_learning_rate'):.3g}), batch {t.get('batch_size')}",
        f"- epochs: {t.get('epochs_run')} run of at most {t.get('max_epochs')}; early stopping patience "
        f"{t.get('early_stopping_patience')} on {t.get('monitor')}, best epoch {t.get('best_epoch')} kept"
        + (" (stopped by the time limit)" if t.get("stopped_by_time_limit") else ""),
        f"- augmentation (training only): rotation ±{t['augmentation']['rotation_degrees']}°, horizontal flip "
        f"{t['augmentation']['horizontal_flip']}, vertical flip {t['augmentation']['vertical_flip']}; "
        f"seed {t.get('seed')}",
        hardware_line(hw),
        f"- time: {times.get('total')} s in all ({times.get('decode')} s decoding, {times.get('fit')} s fitting, "
        f"median epoch {times.get('median_epoch')} s, {t.get('images_per_s')} images/s); started {t.get('started')}",
        "",
        "## Metrics (validation set)",
        "",
        metrics_line(m),
        "",
        "**Which set chose the model:** the validation set, through early stopping on "
        f"{t.get('monitor')} (and the learning-rate schedule). These figures are therefore optimistic; "
        "use `facexai evaluate` on a held-out set for unbiased ones.",
        "",
        *metrics_tables(spec),
        "",
        "## Limitations",
        "",
        *LIMITATIONS,
        "- Trained on aligned face chips at padding 0.25; other crops, poses, lighting or image quality "
        "reduce accuracy in ways these figures do not show.",
    ]
    if spec.biased:
        lines.append(
            "- **This model is biased on purpose**: it was trained on a race-imbalanced subset (about 60% White, "
            "1–2% each of East Asian, Southeast Asian, Indian and Middle Eastern) to demonstrate how training "
            "data skews accuracy by group. Do not use it for anything but that demonstration."
        )
    lines.append(NOT_FOR)
    return "\n".join(lines) + "\n"
