"""Audit throughput here: the same faces with 1 and 2 local workers and on a local two-node Ray
cluster (ray.cluster_utils.Cluster, 1 CPU per node, on 127.0.0.1), each into its own folder, then
whether the cluster's per-face numbers equal the local run's. Numbers only.

    .venv/bin/python scripts/audit_throughput.py OUT [PER_RACE]
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")

import numpy as np

from facexai.commands import main as cli

FAIRFACE = Path(os.environ.get("FACEXAI_FAIRFACE_DIR", "/work/shared/fairface"))


def args(out: Path, per_race: int, *extra: str) -> list[str]:
    return [
        "audit", "--labels", str(FAIRFACE / "fairface_label_train.csv"), "--images", str(FAIRFACE),
        "--limit", "400", "--population", str(per_race), "--seed", "1", "--models", "race", "race_biased",
        "--compare", "race", "race_biased", "--out", str(out), "--no-progress", *extra,
    ]  # fmt: skip


def main(root: Path, per_race: int) -> dict:
    from ray.cluster_utils import Cluster

    results = {}
    for name, extra in (("workers_1", ["--workers", "1"]), ("workers_2", ["--workers", "2"])):
        assert cli(args(root / name, per_race, *extra)) == 0
        results[name] = json.loads((root / name / "audit.json").read_text())
    cluster = Cluster(
        initialize_head=True,
        head_node_args={"num_cpus": 1, "object_store_memory": 100 * 1024 * 1024, "include_dashboard": False},
    )
    try:
        cluster.add_node(num_cpus=1, object_store_memory=100 * 1024 * 1024)
        cluster.wait_for_nodes()
        assert cli(args(root / "cluster_2_nodes", per_race, "--address", cluster.address)) == 0
    finally:
        cluster.shutdown()
    results["cluster_2_nodes"] = json.loads((root / "cluster_2_nodes" / "audit.json").read_text())
    local, remote = results["workers_2"], results["cluster_2_nodes"]
    same_models = local["models"] == remote["models"]
    diffs = [
        abs(local["comparison"]["by_race"][r]["regions"][g]["difference"] - v["difference"])
        for r, e in remote["comparison"]["by_race"].items()
        for g, v in e["regions"].items()
    ]
    summary = {
        name: {
            "engine": {k: r["engine"].get(k) for k in ("workers", "nodes", "address", "cpus")},
            "faces": r["throughput"].get("explained_faces"),
            "explain_faces_per_minute": r["throughput"].get("explain_faces_per_minute"),
            "explain_seconds": r["throughput"].get("explain_seconds"),
        }
        for name, r in results.items()
    }
    summary["cluster_equals_local"] = {"models": same_models, "max_region_difference_gap": float(np.max(diffs))}
    (root / "throughput.json").write_text(json.dumps(summary, indent=1) + "\n")
    return summary


if __name__ == "__main__":
    print(json.dumps(main(Path(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 2), indent=1))
