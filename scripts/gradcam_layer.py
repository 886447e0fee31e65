#!/usr/bin/env python
"""Which layer should Grad-CAM read? A deletion test on held-out TRAIN chips (never val).

For each candidate layer and model: Grad-CAM of the predicted class, upsampled to the chip; the
chip's pixels are set to black in the order the map ranks them, in steps of 10% up to 50%, and
the explained probability is averaged over those steps (the deletion score: lower = the map
found what the model uses). Blacking out scattered pixels harms a prediction more than blacking
out one region, so each layer is compared with a random map *at its own resolution*, upsampled
the same way (``random_<layer>``); the pixel-level random order is printed too (``random``).
The figure of merit is a layer's score minus its own random reference: the more negative, the
better the map ranks what the model uses.

    .venv/bin/python scripts/gradcam_layer.py --manifest models/manifest.json -n 100
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np

from facexai.core.fairface import load_image, read_labels
from facexai.models.registry import ModelRegistry
from facexai.training.bundle import BundleConfig, phase_data

CANDIDATES = ("res7_relu", "res10_relu", "res13_relu")
FRACTIONS = (0.1, 0.2, 0.3, 0.4, 0.5)


def deletion(model, chip: np.ndarray, order: np.ndarray, target: int) -> float:
    """Mean probability of ``target`` after blacking out the first 10%..50% pixels of ``order``."""
    batch = []
    for f in FRACTIONS:
        x = chip.copy().reshape(-1, 3)
        x[order[: int(f * len(order))]] = 0
        batch.append(x.reshape(chip.shape))
    probs = np.asarray(model.predict_on_batch(np.stack(batch).astype(np.float32)))
    return float(probs[:, target].mean())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--manifest", type=Path, default=Path("models/manifest.json"))
    parser.add_argument("--fairface", type=Path, default=Path("../shared/fairface"))
    parser.add_argument("-n", type=int, default=100, help="held-out train chips")
    parser.add_argument("--models", nargs="*", default=["race", "gender", "age", "race_biased"])
    args = parser.parse_args()

    from facexai.explain.gradcam import GradCam

    table = read_labels(args.fairface / "fairface_label_train.csv")
    rows = phase_data(table, "balanced", BundleConfig(fairface_dir=args.fairface)).selection_rows[: args.n]
    registry = ModelRegistry.load(args.manifest)
    rng = np.random.default_rng(0)
    results: dict[str, dict[str, float]] = {}
    for name in args.models:
        m = registry.get(name)
        size = m.input_size
        chips = [load_image(args.fairface / table.rows[i]["file"], size) for i in rows]
        cams = {layer: GradCam(m.model, layer) for layer in CANDIDATES}
        keys = (*CANDIDATES, *(f"random_{layer}" for layer in CANDIDATES), "random")
        scores: dict[str, list[float]] = {k: [] for k in keys}
        started = time.perf_counter()
        for chip in chips:
            x = m.prepare(chip)
            for layer, explainer in cams.items():
                _, maps, chosen = explainer.maps(x[None])
                heat = cv2.resize(maps[0], (size, size), interpolation=cv2.INTER_LINEAR)
                order = np.argsort(-heat.ravel(), kind="stable")
                scores[layer].append(deletion(m.model, chip.astype(np.float32), order, int(chosen[0])))
                noise = cv2.resize(rng.random(maps[0].shape, np.float32), (size, size), interpolation=cv2.INTER_LINEAR)
                random_order = np.argsort(-noise.ravel(), kind="stable")
                scores[f"random_{layer}"].append(
                    deletion(m.model, chip.astype(np.float32), random_order, int(chosen[0]))
                )
            scores["random"].append(
                deletion(m.model, chip.astype(np.float32), rng.permutation(size * size), int(chosen[0]))
            )
        results[name] = {k: float(np.mean(v)) for k, v in scores.items()}
        print(
            name,
            json.dumps({k: round(v, 4) for k, v in results[name].items()}),
            f"{time.perf_counter() - started:.0f} s",
            flush=True,
        )
    mean = {k: float(np.mean([r[k] for r in results.values()])) for k in next(iter(results.values()))}
    margin = {layer: mean[layer] - mean[f"random_{layer}"] for layer in CANDIDATES}
    print(json.dumps({"n": len(rows), "per_model": results, "mean": mean, "margin_vs_own_random": margin}))


if __name__ == "__main__":
    main()
