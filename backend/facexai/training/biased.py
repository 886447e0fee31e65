"""The seed's race-imbalanced training subset, built exactly as the seed built it, and its control.

Total = int(#White / 0.601); each race is sampled without replacement at int(total x share).
Only the random draw differs from the seed's (its seed is lost); ours is fixed and recorded.

The control subset (issue 26) has the biased subset's size and equal counts per race
(``total // 7`` each), so a model trained on it differs from race_biased in the race mix alone.
"""

from __future__ import annotations

import numpy as np

from facexai.core.fairface import LabelTable
from facexai.core.labels import RACE

#: target share of each race (sums to 1.0)
BIASED_SHARES: dict[str, float] = {
    "White": 0.601,
    "Black": 0.134,
    "Latino_Hispanic": 0.185,
    "East Asian": 0.022,
    "Southeast Asian": 0.022,
    "Indian": 0.012,
    "Middle Eastern": 0.024,
}
DEFAULT_SEED = 1234


def biased_counts(n_white: int, shares: dict[str, float] = BIASED_SHARES) -> dict[str, int]:
    """How many rows of each race the subset takes, given the number of White rows."""
    total = int(n_white / shares["White"])
    return {race: int(total * share) for race, share in shares.items()}


def make_biased_subset(
    table: LabelTable, seed: int = DEFAULT_SEED, shares: dict[str, float] = BIASED_SHARES
) -> LabelTable:
    """Draw the subset; rows keep their CSV order within the result (sorted by original index)."""
    if set(shares) != set(RACE):
        raise ValueError(f"shares must name exactly the races {list(RACE)}, got {sorted(shares)}")
    races = np.array(table.column("race"))
    counts = biased_counts(int((races == "White").sum()), shares)
    rng = np.random.default_rng(seed)
    chosen: list[np.ndarray] = []
    for race in RACE:  # fixed order, so the draw depends on the seed only
        pool = np.flatnonzero(races == race)
        want = counts[race]
        if want > len(pool):
            raise ValueError(f"biased subset needs {want} {race} rows but the table has {len(pool)}")
        chosen.append(rng.choice(pool, size=want, replace=False))
    index = np.sort(np.concatenate(chosen))
    return LabelTable([table.rows[i] for i in index], source=f"{table.source} (race_biased, seed {seed})")


def balanced_counts(total: int) -> dict[str, int]:
    """Equal rows per race, as many as ``total`` allows (``total // 7`` each)."""
    return {race: total // len(RACE) for race in RACE}


def make_control_subset(table: LabelTable, total: int, seed: int = DEFAULT_SEED) -> LabelTable:
    """A race-balanced draw of (about) ``total`` rows: ``total // 7`` of each race, without
    replacement, in CSV order; the control for a biased subset of ``total`` rows."""
    races = np.array(table.column("race"))
    rng = np.random.default_rng(seed)
    chosen: list[np.ndarray] = []
    for race, want in balanced_counts(total).items():  # fixed order, so the draw depends on the seed only
        pool = np.flatnonzero(races == race)
        if want > len(pool):
            raise ValueError(f"control subset needs {want} {race} rows but the table has {len(pool)}")
        chosen.append(rng.choice(pool, size=want, replace=False))
    index = np.sort(np.concatenate(chosen))
    return LabelTable([table.rows[i] for i in index], source=f"{table.source} (race_control, seed {seed})")
