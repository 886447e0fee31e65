"""The model card of a model of the dlib-ResNet bundle (facexai.training.export)."""

from __future__ import annotations

from typing import Any

from facexai.models.manifest import ModelSpec
from facexai.training.modelcard import LIMITATIONS, NOT_FOR, card_header, metrics_tables, pct


def faces_per_race(m: dict[str, Any]) -> str:
    """How the evaluation's faces spread over the races, e.g. "not balanced across races: 412 to 775 per race"."""
    counts = [int(g["n"]) for g in m.get("accuracy_by_race_detail", {}).values() if "n" in g]
    if len(counts) < 2:
        return ""
    if min(counts) == max(counts):
        return f"{counts[0]:,} per race"
    return f"not balanced across races: {min(counts):,} to {max(counts):,} per race"


def render_bundle_card(spec: ModelSpec) -> str:
    t: dict[str, Any] = spec.training
    m: dict[str, Any] = spec.metrics
    c: dict[str, Any] = t.get("config", {})
    hw: dict[str, Any] = t.get("hardware", {})
    b: dict[str, Any] = spec.backbone
    times: dict[str, Any] = t.get("time_s", {})
    biased = spec.biased
    control = spec.arm == "control"
    own_gender = t.get("phase") == "gender"
    subset_seed = t.get("subset_seed") or c.get("biased_seed")
    if spec.arm:
        trunk = ", its own trunk" + (", stored in float16)" if spec.file != "race_biased.npz" else ")")
    elif own_gender:
        trunk = ", its own trunk, stored in float16)"
    else:
        trunk = ", one trunk shared by race and age, and the start of gender's own trunk)"
    lines = [
        *card_header(spec),
        f"- backbone: dlib's face-recognition ResNet (`{b.get('file')}` from `{b.get('package')}=={b.get('version')}`, "
        f"sha256 `{b.get('sha256', '')[:16]}…`), {b.get('trained_on')}; licence: {b.get('licence')}. "
        "Read from the installed package at start-up, never copied into this repository.",
        "- this model: the backbone's stem and first stage kept at dlib's weights"
        + (" (frozen)" if c.get("freeze_stem") else "")
        + f"; every later layer and the `{spec.head}` head fine-tuned ({t.get('trained_parameters', 0):,} trained "
        f"parameters in `{spec.file}`, {t.get('file_bytes', 0) / 1e6:.1f} MB" + trunk,
        f"- input {spec.input_size}×{spec.input_size} RGB, a FairFace-geometry chip (dlib `get_face_chip`, padding "
        "0.25) resized; each face is scored together with its mirror image and the two logits averaged "
        "(the explanations explain that average)",
        f"- Grad-CAM layer `{spec.gradcam_layer}` (8×8×128 at 150 px)",
        "",
        "## Data",
        "",
        "FairFace (Kärkkäinen and Joo, WACV 2021; CC BY 4.0): its 40,000 train chips"
        + (
            f", of which only the **race-imbalanced subset** (seed {subset_seed}: about 60% White, "
            "1–2% each of East Asian, Southeast Asian, Indian and Middle Eastern) was used; no other chip reached "
            "any weight of this model"
            if biased
            else ""
        )
        + (
            f", of which only the **race-balanced control subset** (seed {subset_seed}: the same number of chips "
            "of each race, as many in all as the biased subset, as near as equal counts allow) was used; no other "
            "chip reached any weight of this model"
            if control
            else ""
        )
        + f". {t.get('n_train', 0):,} chips trained on, {t.get('n_selection', 0):,} held out for selection.",
        "",
        "## Training",
        "",
        f"- one trunk with three heads (race, gender, age) trained together, loss = sum of the three "
        f"cross-entropies with label smoothing {c.get('label_smoothing')}; "
        f"dropout {c.get('dropout')} on the 256-D pool",
        f"- AdamW (weight decay {c.get('weight_decay')}), learning rate {c.get('trunk_lr')} for the trunk and "
        f"×{c.get('head_lr_multiplier')} for the heads, {c.get('warmup_steps')} warm-up steps then cosine decay, "
        f"batch {c.get('batch_size')}, {c.get('epochs') if own_gender else t.get('epochs')} epochs, "
        f"{t.get('precision')} compute",
        f"- augmentation inside the training step: mirror, zoom ±{c.get('zoom')}, shift ±{c.get('shift')}, "
        f"brightness ±{c.get('brightness')}, contrast ±{c.get('contrast')}; seed {c.get('seed')}",
        *(
            [
                f"- then a trunk of its own: the balanced trunk's chosen epoch trained on for {t.get('epochs')} more "
                f"epochs on the **gender loss alone** (learning rate {c.get('gender_lr')}, "
                f"{c.get('gender_warmup_steps')} warm-up steps then cosine decay; same rows, augmentation and "
                "selection split)"
            ]
            if own_gender
            else []
        ),
        f"- **selection**: the epoch was chosen on {t.get('model_selected_on')}; best epoch {t.get('best_epoch')} "
        f"of {t.get('epochs')} (accuracy on those held-out chips: "
        + ", ".join(f"{k} {pct(v)}" for k, v in t.get("selection", {}).items() if not own_gender or k == spec.head)
        + "); per-epoch figures in the training log "
        f"`{t.get('log')}`",
        f"- hardware: {hw.get('cpu')} ({hw.get('cpu_count')} CPU cores, no GPU), Keras {hw.get('keras')} on "
        f"{hw.get('backend')}; {t.get('seconds_per_image_epoch', 0) * 1000:.1f} ms per face chip and epoch; "
        + (
            f"this phase took {times.get('phase', 0) / 60:.1f} min on top of the balanced phase it continues"
            if own_gender
            else f"this model's training took {times.get('phase', 0) / 60:.1f} min (on a machine shared with other "
            "work)"
            if spec.arm and spec.name != "race_biased"
            else f"this model's training took {times.get('phase', 0) / 60:.1f} min, all the models together "
            f"{times.get('bundle_total', 0) / 60:.1f} min (on a machine shared with other work)"
        ),
        "",
        *(differences(spec) if spec.task == "race" else []),
        "## Metrics",
        "",
    ]
    if m:
        low, high = m.get("val_accuracy_ci", [None, None])
        lines += [
            f"On the first {m.get('val_n', 0):,} faces of FairFace's validation set"
            + (f" ({spread})" if (spread := faces_per_race(m)) else "")
            + ", measured once after training and used for no choice: accuracy "
            f"**{pct(m.get('val_accuracy'))}** (95% Wilson interval {pct(low)} – {pct(high)}), "
            f"macro F1 {m.get('val_macro_f1', float('nan')):.3f}.",
            "",
            *metrics_tables(spec),
        ]
    else:
        lines.append("Not yet evaluated (`facexai evaluate`).")
    lines += [
        "",
        "## Limitations",
        "",
        *LIMITATIONS,
        "- The backbone was trained for face identity on dlib's own data set, whose make-up by group is not "
        "published; its biases are inherited by every model here.",
        "- Aligned chips at padding 0.25; other crops, poses, lighting or image quality reduce accuracy in ways "
        "these figures do not show.",
    ]
    if biased:
        lines.append(
            "- **This model is biased on purpose**: trained only on a race-imbalanced subset to demonstrate how "
            "training data skews accuracy by group. Do not use it for anything but that demonstration."
        )
    lines.append(NOT_FOR)
    return "\n".join(lines) + "\n"


def differences(spec: ModelSpec) -> list[str]:
    """What differs between the bundle's race models, said plainly (issue 26): their data's race mix
    and size, epochs, the tasks their trunk learned, and seeds."""
    c: dict[str, Any] = spec.training.get("config", {})
    t: dict[str, Any] = spec.training
    rows = t.get("n_train", 0) + t.get("n_selection", 0)
    epochs = c.get("biased_epochs") if spec.arm else c.get("epochs")
    seeds = f"training seed {t.get('seed', c.get('seed'))}" + (
        f", subset seed {t.get('subset_seed') or c.get('biased_seed')}" if spec.arm else ""
    )
    mix = {
        "biased": "race-imbalanced (about 60% White, 1–2% each of four races)",
        "control": "race-balanced (equal counts per race)",
    }.get(spec.arm, "FairFace's own mix (11% to 19% per race)")
    return [
        "## How it differs from the other race models",
        "",
        f"- this model: {mix}, {rows:,} chips ({t.get('n_selection', 0):,} of them held out for selection), "
        f"{epochs} epochs, one trunk trained on race, gender and age together (only the race head is served); "
        f"{seeds}",
        "- `race` (balanced data): FairFace's mix (11% to 19% per race), 40,000 chips of which 4,000 held out for "
        "selection, 10 epochs; its trunk also serves age and is where gender's own trunk starts",
        "- `race_biased` (biased data) and `race_control` (small balanced data): the same recipe as each other "
        "(the same epochs, selection fraction, augmentation and losses) on subsets of the same size, differing "
        "only in the race mix; both differ from `race` in data size (about a third), epochs (8, not 10) and mix. "
        "Compare race_biased with race_control to see the imbalance; `race_biased_2` and `race_control_2` are "
        "second training seeds (another draw of the subset, another run) that say what retraining alone moves",
        "",
    ]
