"""Benchmark: our Integrated Gradients against the seed's, and the service's latency (``make bench``).

On N FairFace val chips, for the same model in the same process:
- seed-equivalent IG: the seed's 50 points alpha = k/50 (k = 0..49, left Riemann) in one batch
  of 50, eager GradientTape, explaining the softmax probability (in the right space, so its
  completeness error is meaningful);
- our IG: the service's defaults (compiled tf.function, batched, the chosen rule and output).
Reports the median latency and the p90 completeness error of each and the speed-up, then the
service's latency through the ASGI app on a public-domain one-face photo: first results
(predictions + Grad-CAM, all models) and the full analysis. ``--sweep`` also measures the
completeness error for every rule, number of steps and output on the same chips.

The last line printed is one JSON object. FairFace chips are only read, never written or logged.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from PIL import Image

from facexai.explain.options import IGOptions

REPO = Path(__file__).resolve().parents[1]
PHOTO = "astronaut.png"


def p(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q))


def load_chips(fairface: Path, n: int, size: int) -> list[np.ndarray]:
    chips = []
    for i in range(1, n + 1):
        with Image.open(fairface / "val" / f"{i}.jpg") as img:
            chips.append(np.asarray(img.convert("RGB").resize((size, size), Image.Resampling.BILINEAR), np.uint8))
    return chips


def seed_ig(model, x: np.ndarray, baseline: np.ndarray, target: int) -> tuple[np.ndarray, float, float]:
    """The seed's IG: 50 left-Riemann points in one eager batch, softmax probability."""
    import tensorflow as tf

    alphas = tf.constant(np.arange(50) / 50, tf.float32)[:, None, None, None]
    xt, bt = tf.constant(x), tf.constant(baseline)
    points = bt[None] + alphas * (xt - bt)[None]
    with tf.GradientTape() as tape:
        tape.watch(points)
        probs = model(points, training=False)[:, target]
    grads = tape.gradient(probs, points)
    attributions = (xt - bt) * tf.reduce_mean(grads, axis=0)
    ends = model(tf.stack([xt, bt]), training=False)[:, target].numpy()
    return attributions.numpy(), float(ends[0]), float(ends[1])


def completeness(attributions: np.ndarray, f_x: float, f_b: float) -> float:
    delta = f_x - f_b
    gap = abs(float(attributions.sum(dtype=np.float64)) - delta)
    return gap / abs(delta) if delta else 0.0


def bench_model(loaded, chips, ig_defaults, sweep: bool, sweep_n: int, candidates=()) -> dict:
    m = loaded
    baseline = m.baseline()
    inputs = [m.prepare(c) for c in chips]
    probs = m.predict(np.stack(inputs))
    targets = [int(t) for t in probs.argmax(axis=1)]
    seed_seeds = seed_ig(m.model, inputs[0], baseline, targets[0])  # warm-up (eager: nothing to trace)
    del seed_seeds
    m.ig.attribute(inputs[0], targets[0], baseline, ig_defaults)
    seed_times, seed_errors, our_times, our_errors = [], [], [], []
    for x, t in zip(inputs, targets, strict=True):
        started = time.perf_counter()
        attr, f_x, f_b = seed_ig(m.model, x, baseline, t)
        seed_times.append(time.perf_counter() - started)
        seed_errors.append(completeness(attr, f_x, f_b))
        started = time.perf_counter()
        ours = m.ig.attribute(x, t, baseline, ig_defaults)
        our_times.append(time.perf_counter() - started)
        our_errors.append(ours.completeness_error)
    result = {
        "model": m.name,
        "seed_median_s": statistics.median(seed_times),
        "seed_p90_completeness_error": p(seed_errors, 90),
        "seed_median_completeness_error": p(seed_errors, 50),
        "ig_median_s": statistics.median(our_times),
        "ig_p90_completeness_error": p(our_errors, 90),
        "ig_median_completeness_error": p(our_errors, 50),
    }
    result["speedup"] = result["seed_median_s"] / result["ig_median_s"]
    for rule, steps, output in candidates:
        times, errors = [], []
        for x, t in zip(inputs, targets, strict=True):
            r = m.ig.attribute(x, t, baseline, IGOptions(steps, rule, output))
            times.append(r.elapsed_ms / 1000)
            errors.append(r.completeness_error)
        row = {
            "rule": rule,
            "steps": steps,
            "output": output,
            "median_s": statistics.median(times),
            "p50_error": p(errors, 50),
            "p90_error": p(errors, 90),
        }
        row["speedup"] = result["seed_median_s"] / row["median_s"]
        result.setdefault("candidates", []).append(row)
        print(
            f"  candidate {m.name:12s} {output:11s} {rule:14s} {steps:3d}: speed-up {row['speedup']:.2f}x "
            f"p50 {row['p50_error']:.4f} p90 {row['p90_error']:.4f}",
            flush=True,
        )
    if sweep:
        rows = []
        for output in ("logit", "probability"):
            for rule in ("left_riemann", "midpoint", "trapezoid", "gauss_legendre", "guided", "adaptive"):
                for steps in (8, 16, 24, 32, 48, 64):
                    errors, times = [], []
                    for x, t in list(zip(inputs, targets, strict=True))[:sweep_n]:
                        r = m.ig.attribute(x, t, baseline, IGOptions(steps, rule, output))
                        errors.append(r.completeness_error)
                        times.append(r.elapsed_ms / 1000)
                    rows.append(
                        {
                            "output": output,
                            "rule": rule,
                            "steps": steps,
                            "p50_error": p(errors, 50),
                            "p90_error": p(errors, 90),
                            "median_s": statistics.median(times),
                        }
                    )
                    print(
                        f"  sweep {m.name:12s} {output:11s} {rule:14s} {steps:3d}: p50 {rows[-1]['p50_error']:.4f} "
                        f"p90 {rows[-1]['p90_error']:.4f} {rows[-1]['median_s']:.2f} s",
                        flush=True,
                    )
        result["sweep"] = rows
    return result


def seed_grad_cam(model, layer: str, x: np.ndarray) -> np.ndarray:
    """An eager Grad-CAM of the top class on one image (the seed-equivalent's other half)."""
    import keras
    import tensorflow as tf

    aux = keras.Model(model.inputs, [model.get_layer(layer).output, model.get_layer("logits").output])
    with tf.GradientTape() as tape:
        features, logits = aux(tf.constant(x[None]), training=False)
        score = logits[0, int(tf.argmax(logits[0]))]
    grads = tape.gradient(score, features)
    return tf.nn.relu(tf.reduce_sum(tf.reduce_mean(grads, axis=(1, 2), keepdims=True) * features, axis=-1)).numpy()


def bench_four_models(registry, chips: list[np.ndarray], settings) -> dict:
    """One aligned face, all four models, through the service's own analysis path at its defaults,
    against, per model, the seed-equivalent IG plus an eager Grad-CAM; alternating, same chips."""
    from facexai.core.images import DecodedImage
    from facexai.explain.options import ExplainMethod
    from facexai.service.analyzer import Analyzer

    analyzer = Analyzer.from_settings(registry, settings)
    models = list(registry.models.values())

    def ours(chip: np.ndarray) -> float:
        image = DecodedImage(pixels=chip, width=chip.shape[1], height=chip.shape[0], format="png")
        started = time.perf_counter()
        analyzer.analyze(image, align=False, methods=set(ExplainMethod))
        return time.perf_counter() - started

    def seed(chip: np.ndarray) -> float:
        started = time.perf_counter()
        for m in models:
            x = m.prepare(chip)
            target = int(m.gradcam.maps(x[None])[0].argmax())
            seed_ig(m.model, x, m.baseline(), target)
            seed_grad_cam(m.model, m.spec.gradcam_layer, x)
        return time.perf_counter() - started

    ours(chips[0])  # warm-up: traces every compiled function
    seed(chips[0])
    our_times, seed_times = [], []
    for i, chip in enumerate(chips):
        for fn, sink in ((ours, our_times), (seed, seed_times))[:: 1 if i % 2 == 0 else -1]:
            sink.append(fn(chip))
    return {
        "four_model_speedup_vs_seed": statistics.median(seed_times) / statistics.median(our_times),
        "four_model_ours_median_s": statistics.median(our_times),
        "four_model_seed_median_s": statistics.median(seed_times),
    }


def bench_service(manifest: Path, photo: Path, repeats: int) -> dict:
    from fastapi.testclient import TestClient

    from facexai.api.main import create_app
    from facexai.service.settings import Settings

    settings = Settings(models_manifest=manifest, frontend_dist=Path("/nonexistent"), load_in_background=False)
    data = photo.read_bytes()
    first, full = [], []
    with TestClient(create_app(settings)) as client:
        for mode, sink in (("grad_cam", first), ("both", full)):
            for i in range(repeats + 1):
                started = time.perf_counter()
                r = client.post("/analyze", params={"explain": mode}, files={"file": (photo.name, data, "image/png")})
                elapsed = time.perf_counter() - started
                if r.status_code != 200 or len(r.json()["faces"]) != 1:
                    raise SystemExit(f"analyze failed: {r.status_code} {r.text[:200]}")
                if i:  # the first call of each mode is a warm-up
                    sink.append(elapsed)
    return {"analyze_first_results_p50_s": statistics.median(first), "analyze_full_p50_s": statistics.median(full)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--fairface",
        type=Path,
        default=Path(os.environ.get("FACEXAI_FAIRFACE_DIR", REPO.parent / "shared" / "fairface")),
    )
    parser.add_argument("--manifest", type=Path, default=REPO / "models" / "manifest.json")
    parser.add_argument("--models", nargs="*", default=["race"], help="models to benchmark IG on (default: race)")
    parser.add_argument("-n", type=int, default=30, help="val chips for the one-model IG comparison")
    parser.add_argument("--sweep", action="store_true", help="also sweep rules, steps and outputs")
    parser.add_argument("--sweep-n", type=int, default=20)
    parser.add_argument(
        "--candidates",
        nargs="*",
        default=[],
        metavar="RULE:STEPS:OUTPUT",
        help="other IG settings to time against the seed on all N chips, e.g. adaptive:48:probability",
    )
    parser.add_argument("--n-four", type=int, default=30, help="val chips for the four-model comparison")
    parser.add_argument("--repeats", type=int, default=5, help="service calls per mode")
    parser.add_argument("--photo", type=Path, default=REPO.parent / "shared" / "images" / PHOTO)
    args = parser.parse_args()

    if not (args.fairface / "val").is_dir():
        raise SystemExit(f"FairFace val chips not found under {args.fairface} (set --fairface or FACEXAI_FAIRFACE_DIR)")
    from facexai.core.machine import cpu_name
    from facexai.models.registry import ModelRegistry
    from facexai.service.settings import Settings

    settings = Settings()
    tmp = None
    note = "trained bundle"
    manifest = args.manifest
    if not manifest.is_file():
        from facexai.models.untrained import write_untrained_bundle

        tmp = tempfile.TemporaryDirectory()
        manifest = write_untrained_bundle(tmp.name, architecture="seed", input_size=224)
        note = "UNTRAINED seed-architecture models (random weights): no trained bundle in models/ yet"
    print(f"models: {note} ({manifest})", flush=True)
    registry = ModelRegistry.load(manifest, ig_batch_size=settings.ig_batch_size)

    defaults = settings.ig_defaults()
    results = []
    for name in args.models:
        m = registry.get(name)
        chips = load_chips(args.fairface, args.n, m.input_size)
        candidates = [(c.split(":")[0], int(c.split(":")[1]), c.split(":")[2]) for c in args.candidates]
        results.append(bench_model(m, chips, defaults, args.sweep, args.sweep_n, candidates))
    load_before = os.getloadavg()
    four = bench_four_models(
        registry, load_chips(args.fairface, args.n_four, registry.get("race").input_size), settings
    )
    service = bench_service(manifest, args.photo, args.repeats)
    load_after = os.getloadavg()

    print()
    print(
        f"IG on {args.n} FairFace val chips; ours = {defaults.rule.value}, {defaults.steps} steps, "
        f"{defaults.output.value}, "
        f"batch {settings.ig_batch_size}, tf.function; seed = left Riemann, 50 points, one eager batch, probability"
    )
    print(
        f"{'model':14s} {'seed median s':>14s} {'ours median s':>14s} {'speed-up':>9s} "
        f"{'seed p90 err':>13s} {'ours p90 err':>13s}"
    )
    for r in results:
        print(
            f"{r['model']:14s} {r['seed_median_s']:14.3f} {r['ig_median_s']:14.3f} {r['speedup']:8.2f}x "
            f"{r['seed_p90_completeness_error']:13.4f} {r['ig_p90_completeness_error']:13.4f}"
        )
    print(
        f"one aligned face, four models, service path vs seed-equivalent IG + eager Grad-CAM per model "
        f"({args.n_four} chips): {four['four_model_ours_median_s']:.2f} s vs {four['four_model_seed_median_s']:.2f} s, "
        f"{four['four_model_speedup_vs_seed']:.2f}x"
    )
    print(
        f"service, one face ({args.photo.name}): first results p50 {service['analyze_first_results_p50_s']:.3f} s, "
        f"full analysis p50 {service['analyze_full_p50_s']:.3f} s"
    )
    summary = {
        "ig_speedup_vs_seed": min(r["speedup"] for r in results),
        "ig_p90_completeness_error": max(r["ig_p90_completeness_error"] for r in results),
        "seed_p90_completeness_error": max(r["seed_p90_completeness_error"] for r in results),
        **{k: round(v, 3) for k, v in four.items()},
        **service,
        "load_average_1min": [round(load_before[0], 2), round(load_after[0], 2)],
        "ig_rule": defaults.rule,
        "ig_steps": defaults.steps,
        "ig_output": defaults.output,
        "n_chips": args.n,
        "models": note,
        "per_model": [{k: v for k, v in r.items() if k not in ("sweep", "candidates")} for r in results],
        "candidates": {r["model"]: r.get("candidates", []) for r in results},
        "machine": f"{cpu_name()}, {os.cpu_count()} cores, Python {sys.version.split()[0]}",
    }
    if args.sweep:
        summary["sweep"] = {r["model"]: r["sweep"] for r in results}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
