"""Batch cost of an audit: do fewer IG points change the region shares beyond their intervals?

Reads the shards of ``facexai audit`` runs made on the same faces at several IG step counts (same
--out, one run per --ig-steps) and compares each count with the largest: per model and region the
mean share with its bootstrap interval, the paired difference (fewer - most points) with its
interval, and whether the fewer-points mean lies inside the most-points interval. Numbers only.

    .venv/bin/python scripts/audit_batch_cost.py runs/batch_cost
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from facexai.evaluation.audit import stats
from facexai.evaluation.audit.regions import REGION_NAMES
from facexai.evaluation.audit.shards import ShardSet


def main(out: Path) -> dict:
    runs: dict[str, dict[int, dict[str, np.ndarray]]] = {}
    for folder in sorted((out / "shards").glob("*-explain-*")):
        key = json.loads((folder / "key.json").read_text())
        arrays = ShardSet(folder, key).read()
        if arrays:  # a run not started yet has only its key
            runs.setdefault(key["model"], {})[int(key["ig"]["steps"])] = arrays
    report: dict = {}
    for model, by_steps in runs.items():
        most = max(by_steps)
        ref = by_steps[most]
        report[model] = {}
        for steps, arrays in sorted(by_steps.items()):
            common = sorted(set(ref["files"].tolist()) & set(arrays["files"].tolist()))
            ia = [ref["files"].tolist().index(f) for f in common]
            ib = [arrays["files"].tolist().index(f) for f in common]
            a, b = ref["ig_shares"][ia], arrays["ig_shares"][ib]
            ci_ref = stats.mean_ci(a, 2000, 0)
            ci = stats.mean_ci(b, 2000, 0)
            diff = stats.paired_test(a, b, 2000, 0)
            report[model][steps] = {
                "faces": len(common),
                "seconds_per_face": float(np.median(arrays["ig_seconds"][ib])),
                "completeness_error_median": float(np.nanmedian(arrays["ig_completeness"][ib])),
                "max_abs_mean_difference_points": float(np.max(np.abs(diff["difference"])) * 100),
                "max_abs_face_difference_points": float(np.max(np.abs(b - a)) * 100),
                "inside_reference_interval": bool(
                    np.all((ci["mean"] >= ci_ref["ci_low"]) & (ci["mean"] <= ci_ref["ci_high"]))
                ),
                "paired_difference_excludes_0": [
                    REGION_NAMES[r] for r in range(len(REGION_NAMES)) if diff["ci_low"][r] > 0 or diff["ci_high"][r] < 0
                ],
                "regions": {
                    REGION_NAMES[r]: {
                        "share": round(float(ci["mean"][r]) * 100, 2),
                        "ci": [round(float(ci["ci_low"][r]) * 100, 2), round(float(ci["ci_high"][r]) * 100, 2)],
                        "minus_reference": round(float(diff["difference"][r]) * 100, 2),
                        "minus_reference_ci": [
                            round(float(diff["ci_low"][r]) * 100, 2),
                            round(float(diff["ci_high"][r]) * 100, 2),
                        ],
                    }
                    for r in range(len(REGION_NAMES))
                },
            }
    return report


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1] if len(sys.argv) > 1 else "runs/batch_cost")), indent=1))
