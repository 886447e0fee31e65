#!/usr/bin/env python
"""Write the seed's race-imbalanced subset of a FairFace label CSV and print its counts.

    python scripts/make_biased_subset.py --out runs/data/fairface_label_train_race_biased.csv

On the 40,000 rows in ../shared/fairface this gives 12,584 rows; on the full release 27,493.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "backend"))  # run without installing

from facexai.core.fairface import read_labels, write_labels
from facexai.core.labels import RACE
from facexai.training.biased import BIASED_SHARES, DEFAULT_SEED, make_biased_subset
from facexai.training.config import default_fairface_dir


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--labels",
        type=Path,
        default=default_fairface_dir() / "fairface_label_train.csv",
        help="source label CSV (default: the FairFace train labels)",
    )
    parser.add_argument("--out", type=Path, required=True, help="where to write the subset CSV")
    parser.add_argument(
        "--seed", type=int, default=DEFAULT_SEED, help=f"random seed of the draw (default {DEFAULT_SEED})"
    )
    args = parser.parse_args(argv)

    table = read_labels(args.labels)
    subset = make_biased_subset(table, seed=args.seed)
    write_labels(subset, args.out)
    counts = subset.counts("race")
    print(f"{args.labels}: {len(table)} rows -> {args.out}: {len(subset)} rows (seed {args.seed})")
    print(f"{'race':<16} {'rows':>6} {'share':>7} {'target':>7}")
    for race in RACE:
        print(
            f"{race:<16} {counts.get(race, 0):>6} {counts.get(race, 0) / len(subset):>7.3f} {BIASED_SHARES[race]:>7.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
