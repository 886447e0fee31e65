#!/usr/bin/env python
"""Issue 22 screening: for gender, is a second trunk worth more as a second *view* than the mirror
image is? Scores weight files (the bundle's and warm-start continuations from
scripts/screen_warm_start.py) on the bundle's 4,000 held-out TRAIN selection rows S, one view and
mirror-averaged, alone and averaged in pairs (logits). Val is never read.

    PYTHONPATH=backend nice .venv/bin/python scripts/screen_gender_views.py \
        models/balanced.npz runs/screen_warm/gender_only_lr3e-5/epoch3.npz

Two trunks, one view each, cost what one trunk with its mirror image costs today (two passes of
the network per face), so that pair is the fair comparison with the served model.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from facexai.core.fairface import decode_images, keep_present, read_labels
from facexai.evaluation.metrics import bootstrap_ci, paired_gap
from facexai.models.dlib_resnet import DAT_SHA256, INPUT_SIZE, read_dat, verified_dat_path
from facexai.models.dlib_tasks import build_task_model, read_weights
from facexai.training.bundle import BundleConfig, class_targets, phase_data


def soup(spec: str) -> dict[str, np.ndarray]:
    """The weights of one file, or the mean of several joined by "+" (a "model soup" of runs that
    started from the same weights)."""
    parts = [read_weights(Path(p)) for p in spec.split("+")]
    return {k: np.mean([w[k] for w in parts], axis=0) for k in parts[0]}


def logits_of(net, weights: str, images: np.ndarray, task: str) -> np.ndarray:
    """(2, N, K): the head's logits for the chips, then for their mirror images."""
    import keras

    model = build_task_model(net, soup(weights), task, mirror=False)
    logit_model = keras.Model(model.inputs, model.get_layer("logits").output)
    out = []
    for view in (images, images[:, :, ::-1]):
        parts = [
            np.asarray(logit_model(view[i : i + 128].astype(np.float32), training=False))
            for i in range(0, len(view), 128)
        ]
        out.append(np.concatenate(parts))
    return np.stack(out)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("weights", nargs="+", help='weights files; "a.npz+b.npz" averages them (a soup)')
    p.add_argument("--fairface", type=Path, default=Path("../shared/fairface"))
    p.add_argument("--task", default="gender")
    p.add_argument("--pairs", action="store_true", help="also score every pair averaged (two trunks as two views)")
    p.add_argument("--out", type=Path, default=Path("runs/screen_warm/views.json"))
    args = p.parse_args()

    config = BundleConfig(fairface_dir=args.fairface)
    table = keep_present(read_labels(args.fairface / config.train_csv), args.fairface).table
    data = phase_data(table, "balanced", config)
    images = decode_images([args.fairface / table.rows[i]["file"] for i in data.selection_rows], INPUT_SIZE, 8)
    truth = class_targets(table, data.selection_rows)[args.task]
    net = read_dat(verified_dat_path(DAT_SHA256))
    logits = {w: logits_of(net, w, images, args.task) for w in args.weights}
    pairs = list(itertools.combinations(logits, 2)) if args.pairs else []

    def correct(parts: list[np.ndarray]) -> np.ndarray:
        return np.mean(parts, axis=0).argmax(1) == truth

    rows: dict[str, np.ndarray] = {}
    for name, lg in logits.items():
        rows[f"{name}: one view"] = correct([lg[0]])
        rows[f"{name}: + mirror (served)"] = correct([lg[0], lg[1]])
    for a, b in pairs:
        rows[f"{a} + {b}: one view each"] = correct([logits[a][0], logits[b][0]])
        rows[f"{a} + {b}: both + mirrors"] = correct([logits[a][0], logits[a][1], logits[b][0], logits[b][1]])
    reference = rows[f"{args.weights[0]}: + mirror (served)"]
    report = {}
    for label, flags in rows.items():
        low, high = bootstrap_ci(flags)
        gap = paired_gap(flags, reference)
        report[label] = {"accuracy": float(flags.mean()), "ci": [low, high], "gap_to_first_served": gap}
        print(
            f"{flags.mean():.4f} ({low:.3f}-{high:.3f})  gap {gap['gap']:+.4f} ({gap['ci_low']:+.3f} to "
            f"{gap['ci_high']:+.3f})  {label}",
            flush=True,
        )
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"task": args.task, "n": int(truth.size), "rows": report}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
