"""The seed's race-imbalanced subset: exact counts, sampling without replacement, fixed seed."""

from __future__ import annotations

import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

from facexai.core.fairface import COLUMNS, LabelTable, read_labels, write_labels
from facexai.core.labels import RACE
from facexai.training.biased import BIASED_SHARES, biased_counts, make_biased_subset

REPO = Path(__file__).resolve().parents[1]


def synthetic_table(per_race: dict[str, int]) -> LabelTable:
    rows = []
    for race, n in per_race.items():
        for i in range(n):
            rows.append(
                {
                    "file": f"train/{race}_{i}.jpg",
                    "age": "20-29",
                    "gender": "Male" if i % 2 else "Female",
                    "race": race,
                    "service_test": "False",
                }
            )
    return LabelTable(rows, source="synthetic")


def test_shares_sum_to_one_and_cover_every_race() -> None:
    assert set(BIASED_SHARES) == set(RACE)
    assert sum(BIASED_SHARES.values()) == pytest.approx(1.0)


def test_counts_on_a_synthetic_table_are_exact() -> None:
    table = synthetic_table({"White": 6010, **{r: 5000 for r in RACE if r != "White"}})
    subset = make_biased_subset(table, seed=7)
    # total = int(6010 / .601) = 10000, each race int(10000 * share)
    assert Counter(subset.column("race")) == {
        "White": 6010,
        "Black": 1340,
        "Latino_Hispanic": 1850,
        "East Asian": 220,
        "Southeast Asian": 220,
        "Indian": 120,
        "Middle Eastern": 240,
    }
    files = subset.column("file")
    assert len(set(files)) == len(files)  # without replacement
    assert set(files) <= set(table.column("file"))


def test_proportions_follow_the_shares() -> None:
    table = synthetic_table({"White": 3000, **{r: 1500 for r in RACE if r != "White"}})
    subset = make_biased_subset(table)
    counts = Counter(subset.column("race"))
    for race, share in BIASED_SHARES.items():
        assert counts[race] / len(subset) == pytest.approx(share, abs=0.001)


def test_the_draw_depends_on_the_seed_only() -> None:
    table = synthetic_table({"White": 1202, **{r: 900 for r in RACE if r != "White"}})
    a = make_biased_subset(table, seed=1).column("file")
    assert make_biased_subset(table, seed=1).column("file") == a
    assert make_biased_subset(table, seed=2).column("file") != a


def test_too_few_rows_of_a_race_is_an_error() -> None:
    table = synthetic_table({"White": 6010, **{r: 5000 for r in RACE if r not in ("White", "Black")}, "Black": 100})
    with pytest.raises(ValueError, match="1340 Black rows"):
        make_biased_subset(table)


def test_the_issues_totals() -> None:
    assert sum(biased_counts(7566).values()) == 12584  # White rows in ../shared/fairface
    assert sum(biased_counts(16527).values()) == 27493  # White rows in the full FairFace train set


def test_on_the_shared_fairface_labels(fairface_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "biased.csv"
    run = subprocess.run(
        [
            sys.executable,
            str(REPO / "scripts" / "make_biased_subset.py"),
            "--labels",
            str(fairface_dir / "fairface_label_train.csv"),
            "--out",
            str(out),
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr
    assert "12584 rows" in run.stdout
    assert out.read_text().splitlines()[0] == ",".join(COLUMNS)
    subset = read_labels(out)
    assert len(subset) == 12584
    assert subset.counts("race")["Indian"] == 151


def test_csv_round_trip_keeps_the_official_format(tmp_path: Path) -> None:
    table = synthetic_table({"Indian": 2, "White": 1})
    write_labels(table, tmp_path / "t.csv")
    text = (tmp_path / "t.csv").read_text()
    assert text.splitlines()[0] == "file,age,gender,race,service_test"
    assert read_labels(tmp_path / "t.csv").rows == table.rows
