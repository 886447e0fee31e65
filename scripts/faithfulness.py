"""Measure: how faithful are the service's maps? Deletion and insertion scores on FairFace val chips.

For N val chips (val/1.jpg .. val/N.jpg), every model of the manifest (default: the committed
dlib-ResNet bundle, models/manifest.json) and both methods, the top class is explained as the
service does (Grad-CAM; Integrated Gradients with the service's defaults) and the map scored by
``facexai.service.faithfulness`` (deletion, insertion and random-order deletion, 16 steps, black baseline)
through the same Analyzer method the API uses. Prints the median of each score per model and
method, how often the map's deletion beats the random order, the median cost of one scoring, and
then one JSON line. FairFace chips are only read: never written, logged or shown.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

REPO = Path(__file__).resolve().parents[1]
SCORES = ("deletion_auc", "insertion_auc", "random_deletion_auc")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--fairface",
        type=Path,
        default=Path(os.environ.get("FACEXAI_FAIRFACE_DIR", REPO.parent / "shared" / "fairface")),
        help="the FairFace folder (default: FACEXAI_FAIRFACE_DIR or ../shared/fairface)",
    )
    parser.add_argument("--manifest", type=Path, default=REPO / "models" / "manifest.json")
    parser.add_argument("--models", nargs="*", default=None, help="models to score (default: all of the manifest)")
    parser.add_argument("-n", type=int, default=50, help="val chips")
    args = parser.parse_args()
    if not (args.fairface / "val").is_dir():
        raise SystemExit(f"FairFace val chips not found under {args.fairface} (set --fairface or FACEXAI_FAIRFACE_DIR)")

    from facexai.core.fairface import load_image
    from facexai.explain.options import ExplainMethod
    from facexai.models.registry import ModelRegistry
    from facexai.service.analyzer import Analyzer
    from facexai.service.faithfulness import SEED, STEPS
    from facexai.service.settings import Settings

    settings = Settings()
    ig = settings.ig_defaults()
    registry = ModelRegistry.load(args.manifest, ig_batch_size=settings.ig_batch_size)
    paths = [args.fairface / "val" / f"{i}.jpg" for i in range(1, args.n + 1)]
    rows = []
    for name in args.models or registry.names:
        m = registry.get(name)
        scores: dict[str, dict[str, list[float]]] = {k.value: {s: [] for s in SCORES} for k in ExplainMethod}
        cost_ms: dict[str, list[float]] = {k.value: [] for k in ExplainMethod}
        first = m.prepare(load_image(paths[0], m.input_size))
        Analyzer.score_faithfulness(m, first, m.gradcam.explain(first[None])[0])  # warm-up: traces the forward
        for i, path in enumerate(paths):
            x = m.prepare(load_image(path, m.input_size))
            cam = m.gradcam.explain(x[None])[0]
            maps = {
                ExplainMethod.grad_cam: cam,
                ExplainMethod.integrated_gradients: m.ig.explain(x[None], [cam.target], ig)[0],
            }
            for method, att in maps.items():
                started = time.perf_counter()
                f = Analyzer.score_faithfulness(m, x, att)
                cost_ms[method.value].append((time.perf_counter() - started) * 1000)
                for s in SCORES:
                    scores[method.value][s].append(getattr(f, s))
            print(f"  {name}: {i + 1}/{len(paths)}", file=sys.stderr, flush=True)
        for method in ExplainMethod:
            got = scores[method.value]
            wins = sum(d < r for d, r in zip(got["deletion_auc"], got["random_deletion_auc"], strict=True))
            rows.append(
                {
                    "model": name,
                    "method": method.value,
                    **{f"median_{s}": statistics.median(got[s]) for s in SCORES},
                    "deletion_beats_random": wins / len(paths),
                    "median_cost_ms": statistics.median(cost_ms[method.value]),
                }
            )

    print()
    print(f"faithfulness on {args.n} FairFace val chips, top class, {STEPS} steps, black baseline, seed {SEED}")
    print(
        f"{'model':12s} {'method':21s} {'deletion':>9s} {'insertion':>10s} {'random del':>11s} "
        f"{'del<random':>11s} {'cost ms':>8s}"
    )
    for r in rows:
        print(
            f"{r['model']:12s} {r['method']:21s} {r['median_deletion_auc']:9.3f} {r['median_insertion_auc']:10.3f} "
            f"{r['median_random_deletion_auc']:11.3f} {r['deletion_beats_random']:10.0%} {r['median_cost_ms']:8.0f}"
        )
    summary = {
        "n_chips": args.n,
        "steps": STEPS,
        "seed": SEED,
        "ig": {"steps": ig.steps, "rule": ig.rule, "output": ig.output},
        "manifest": str(args.manifest),
        "rows": rows,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}",
    }
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
