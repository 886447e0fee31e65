"""Model cards for models made by run_bundle.py: the pipeline's card with a truthful training section.

facexai.training.modelcard renders the model, data, per-race metrics and limitations sections
from the manifest entry; its training section and its "which set chose the model" paragraph
describe the pipeline's own schedule (ReduceLROnPlateau, early stopping on val), which this run
does not use. Those two parts are replaced here; everything else is the pipeline's text.
"""

from __future__ import annotations

from typing import Any

from facexai.manifest import ModelSpec
from facexai.training.modelcard import hardware_line, metrics_line, render_model_card

TRAINING = "## Training\n"
METRICS_TABLE = "| race | n | accuracy |"


def training_section(spec: ModelSpec) -> list[str]:
    t: dict[str, Any] = spec.training
    m: dict[str, Any] = spec.metrics
    hw, times, aug, sched = t.get("hardware", {}), t.get("time_s", {}), t["augmentation"], t["lr_schedule"]
    mt = t.get("multitask", {})
    others = [n for n in mt.get("models", []) if n != spec.name]
    lines = [TRAINING.strip(), ""]
    if mt.get("shared_trunk"):
        lines.append(
            f"- trained in one network with {', '.join(f'`{n}`' for n in others)}: a shared `{spec.architecture}` "
            "trunk with one head per task, one loss per head, summed. This file is that trunk plus this task's head, "
            f"a plain `{spec.architecture}` model (its outputs matched the joint network's to "
            f"{mt.get('export_check_max_abs_diff', 0):.1e} on validation chips)"
        )
    lines += [
        f"- optimizer AdamW, weight decay {t.get('weight_decay')}, batch {t.get('batch_size')}; learning rate "
        f"{sched['kind']}: {sched['warmup_epochs']} warm-up epoch(s) to {sched['peak']}, down to {sched['final']:.3g}",
        f"- loss: cross-entropy with label smoothing {t.get('label_smoothing')}",
        f"- epochs: {t.get('epochs_run')} of {t.get('max_epochs')} planned"
        + (" (stopped early by the time budget)" if t.get("stopped_by_time_guard") else "")
        + "; the schedule was sized to the run's time budget before training",
        f"- augmentation (training only): horizontal flip, rotation ±{aug['rotation_degrees']}°, zoom "
        f"±{100 * aug['zoom']:.0f}%, shift ±{100 * aug['translate']:.0f}%, contrast {aug['contrast']}, "
        f"brightness ±{100 * aug['brightness']:.0f}%; seed {t.get('seed')}",
        hardware_line(hw),
        f"- time: {times.get('fit')} s fitting (median epoch {times.get('median_epoch')} s, "
        f"{t.get('images_per_s')} images/s for the whole network), {times.get('compile')} s compiling, "
        f"{times.get('decode')} s decoding; {times.get('total')} s into the run when saved; started {t.get('started')}",
        "",
        "## Metrics (validation set)",
        "",
        metrics_line(m),
        "",
        "**Which set chose the model:** none. The weights are the last epoch's of a schedule fixed before "
        "training; the validation set was only watched (the per-epoch curves in "
        f"`{t.get('log')}`), never used to stop training or pick weights. Validation loss was lowest at epoch "
        f"{t.get('best_epoch')}.",
        "",
    ]
    return lines


def render_bundle_card(spec: ModelSpec) -> str:
    base = render_model_card(spec)
    head, found, rest = base.partition(TRAINING)
    at = rest.find(METRICS_TABLE)
    if not found or at < 0:  # the pipeline's template changed: keep it whole and add ours
        return base + "\n" + "\n".join(training_section(spec)).replace(TRAINING.strip(), "## Training as run") + "\n"
    return head + "\n".join(training_section(spec)) + "\n" + rest[at:]
