#!/usr/bin/env python
"""Issue 22 screening: continue the served bundle's trunk on one task's loss (or a re-weighted
sum), at full scale but for a few epochs. Train chips only; val is never read.

    PYTHONPATH=backend nice -n 10 .venv/bin/python scripts/screen_warm_start.py --name gender_only \
        --weights models/balanced.npz --loss gender=1 --epochs 3 --lr 3e-5

(The bundle's ``gender`` phase, facexai.training.bundle, is what this screen chose.)

The start is the bundle as served (``--weights``: its trunk conv8-conv29 and its three heads, on
dlib's frozen stem); the data are the bundle's own splits (``phase_data(..., "balanced")``: its
36,000 training rows, scored every epoch on its 4,000 held-out selection rows S with mirror
averaging, as the service scores). Same augmentation, optimiser and smoothing as the bundle; the
learning rate warms up for ``--warmup`` steps and decays to 0 over ``--epochs``. Epoch 0 is the
start itself, so every later line is a paired comparison on the same chips. Each epoch's weights
go to ``<work>/<name>/epoch<k>.npz`` and its line to ``<work>/<name>/selection.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np

from facexai.core.fairface import decode_images, keep_present, read_labels
from facexai.models.dlib_resnet import DAT_SHA256, INPUT_SIZE, read_dat, verified_dat_path
from facexai.models.dlib_tasks import read_weights
from facexai.training.bundle import (
    TASKS,
    BundleConfig,
    _batches_class,
    accuracies,
    build_training_model,
    choose_precision,
    class_targets,
    compile_training_model,
    one_hot_targets,
    phase_data,
    predict_mirrored,
    save_weights,
    start_from,
    trained_weights,
)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--fairface", type=Path, default=Path("../shared/fairface"))
    p.add_argument("--work", type=Path, default=Path("runs/screen_warm"))
    p.add_argument("--name", required=True)
    p.add_argument("--weights", type=Path, default=Path("models/balanced.npz"))
    p.add_argument("--loss", nargs="+", default=["gender=1"], help="task=weight; tasks not named weigh 0")
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--lr", type=float, default=3e-5)
    p.add_argument("--warmup", type=int, default=100)
    p.add_argument("--input-size", type=int, default=INPUT_SIZE, help="chip side in pixels (the bundle's is 150)")
    p.add_argument("--limit", type=int, default=0, help="first N train rows only (smoke test)")
    p.add_argument(
        "--balance-race",
        action="store_true",
        help="class-balanced sampling: every race drawn (with replacement) as often as the largest one",
    )
    args = p.parse_args()

    import keras

    weights_of = {t: 0.0 for t in TASKS}
    for item in args.loss:
        task, value = item.split("=")
        weights_of[task] = float(value)
    config = BundleConfig(fairface_dir=args.fairface, trunk_lr=args.lr, warmup_steps=args.warmup, limit=args.limit)
    folder = args.work / args.name
    folder.mkdir(parents=True, exist_ok=True)
    present = keep_present(read_labels(args.fairface / config.train_csv), args.fairface).table
    table = present.head(args.limit) if args.limit else present
    data = phase_data(table, "balanced", config)
    t0 = time.perf_counter()
    needed = sorted(data.train_rows + data.selection_rows)
    size = args.input_size
    images = np.zeros((len(table), size, size, 3), np.uint8)
    images[needed] = decode_images([args.fairface / table.rows[i]["file"] for i in needed], size, 8)
    print(f"decoded {len(needed)} chips in {time.perf_counter() - t0:.0f} s", flush=True)

    net = read_dat(verified_dat_path(DAT_SHA256))
    start = read_weights(args.weights)
    precision = choose_precision("auto")
    keras.config.set_dtype_policy("mixed_bfloat16" if precision == "bfloat16" else "float32")
    keras.utils.set_random_seed(config.seed)
    try:
        model, backbone = build_training_model(net, config, size)
    finally:
        keras.config.set_dtype_policy("float32")
    start_from(model, backbone, start)
    print(f"start: {args.weights}, loss weights {weights_of}", flush=True)

    train_rows = list(data.train_rows)
    if args.balance_race:
        races = np.asarray(data.table.encode("race"))[train_rows]
        counts = np.bincount(races)
        rng = np.random.default_rng(config.seed)
        train_rows = sorted(
            int(r)
            for k in range(len(counts))
            for r in rng.choice(np.asarray(train_rows)[races == k], counts.max(), replace=counts[k] < counts.max())
        )
        print(f"class-balanced: {dict(enumerate(counts.tolist()))} -> {counts.max()} each", flush=True)
    batches = _batches_class()(
        images, train_rows, one_hot_targets(data.table, train_rows), config.batch_size, config.seed
    )
    compile_training_model(model, config, len(batches) * args.epochs, args.lr, args.warmup, weights_of)
    sel_images = images[np.asarray(data.selection_rows, np.int64)]
    sel_targets = class_targets(data.table, data.selection_rows)
    history: list[dict] = []

    def score(epoch: int, fit_s: float) -> None:
        t = time.perf_counter()
        probs = predict_mirrored(model, sel_images)
        acc = accuracies(probs, sel_targets)
        np.savez(folder / f"selection_probs_epoch{epoch}.npz", **probs)
        history.append({"epoch": epoch, "selection": acc, "fit_s": round(fit_s, 1)})
        (folder / "selection.json").write_text(
            json.dumps(
                {
                    "args": vars(args)
                    | {"work": str(args.work), "fairface": str(args.fairface), "weights": str(args.weights)},
                    "precision": precision,
                    "history": history,
                },
                indent=1,
            )
        )
        print(
            f"[{args.name}] epoch {epoch}: "
            + " ".join(f"{k} {v:.4f}" for k, v in acc.items())
            + f" ({fit_s:.0f} s fit, {time.perf_counter() - t:.0f} s selection)",
            flush=True,
        )

    score(0, 0.0)

    class Each(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.t = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            fit_s = time.perf_counter() - self.t
            save_weights(trained_weights(model, backbone, TASKS), folder / f"epoch{epoch + 1}.npz")
            score(epoch + 1, fit_s)

    model.fit(batches, epochs=args.epochs, verbose=2, callbacks=[Each()])
    return 0


if __name__ == "__main__":
    sys.exit(main())
