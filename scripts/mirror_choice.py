#!/usr/bin/env python
"""Mirror averaging on or off? Measured on the held-out TRAIN chips that selected the epochs
(never val): each served model's accuracy with and without averaging a face with its mirror image.

    .venv/bin/python scripts/mirror_choice.py --manifest models/manifest.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from facexai.core.fairface import LabelTable, decode_images, read_labels
from facexai.models.dlib_tasks import build_task_model, dlib_network, read_weights
from facexai.models.manifest import load_manifest
from facexai.training.bundle import BundleConfig, phase_data


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=Path("models/manifest.json"))
    parser.add_argument("--fairface", type=Path, default=Path("../shared/fairface"))
    args = parser.parse_args()

    manifest = load_manifest(args.manifest)
    table = read_labels(args.fairface / "fairface_label_train.csv")
    config = BundleConfig(fairface_dir=args.fairface)
    out: dict[str, dict[str, float]] = {}
    for spec in manifest.models:
        phase = spec.training.get("phase", "biased" if spec.biased else "balanced")
        rows = phase_data(table, phase, config).selection_rows
        chips = decode_images([args.fairface / table.rows[i]["file"] for i in rows], spec.input_size)
        truth = LabelTable([table.rows[i] for i in rows]).encode(spec.task)
        net = dlib_network(spec.backbone["sha256"])
        weights = read_weights(manifest.path_of(spec))
        out[spec.name] = {"n": len(rows)}
        for mirror in (False, True):
            model = build_task_model(net, weights, spec.head, spec.input_size, mirror=mirror)
            started = time.perf_counter()
            probs = np.concatenate(
                [
                    np.asarray(model.predict_on_batch(chips[i : i + 64].astype(np.float32)))
                    for i in range(0, len(chips), 64)
                ]
            )
            key = "mirror" if mirror else "single"
            out[spec.name][key] = float((probs.argmax(1) == truth).mean())
            out[spec.name][f"{key}_ms_per_face"] = 1000 * (time.perf_counter() - started) / len(chips)
        print(spec.name, json.dumps(out[spec.name]), flush=True)
    print(json.dumps(out))


if __name__ == "__main__":
    main()
