#!/usr/bin/env python
"""Print the exact device calls for issue 4, checked against the 64 MiB each call may carry.

    python scripts/gpu/plan.py --budget-left 900      # budget_left_s from the device tool's `status`

Each call sends the project's tracked and untracked-not-ignored files plus its ``carry`` paths;
this measures both now (the tree grows as the project does) and fails when a call would not fit,
saying how small to re-pack the shards. The budget of the training run is what is left after the
calls before it (estimated), less a margin, at most 420 s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(HERE))

import pack_data  # noqa: E402

LIMIT_MIB = 64.0
MARGIN_MIB = 2.0
WHEELS = ".whl"
#: estimated device seconds: call 1 (machine start, transfer, smoke test), each receive call
#: (transfer and the gap before the next call), and the last call's transfer and set-up
START_AND_SMOKE_S = 210
RECEIVE_S = 25
LAST_CALL_OVERHEAD_S = 60
MARGIN_S = 90
MAX_BUDGET_S = 420


def tree_bytes(repo: Path) -> int:
    """What every call sends: tracked files and untracked files git does not ignore (and shared/)."""
    out = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=repo,
        capture_output=True,
        check=True,
    ).stdout
    total = 0
    for name in out.decode().split("\0"):
        path = repo / name
        if name and path.is_file() and not path.is_symlink():
            total += path.stat().st_size
    shared = repo / "shared"
    if shared.is_dir():
        total += sum(p.stat().st_size for p in shared.rglob("*") if p.is_file())
    return total


def path_bytes(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def plan(repo: Path, pack_dir: Path, budget_left_s: float) -> dict:
    info = pack_data.check_pack(pack_dir, verify=False)
    wheels = sorted((repo / WHEELS).glob("*.whl"))
    if not wheels:
        raise SystemExit(f"no wheels in {repo / WHEELS}: run scripts/gpu/fetch_wheels.sh first")
    rel = os.path.relpath(pack_dir.resolve(), repo.resolve())
    shards = [f"{rel}/shards/{s['name']}" for s in info["shards"]]
    n = len(shards)
    budget = min(
        MAX_BUDGET_S, budget_left_s - START_AND_SMOKE_S - RECEIVE_S * (n - 2) - LAST_CALL_OVERHEAD_S - MARGIN_S
    )
    budget = int(budget // 10 * 10)
    tree = tree_bytes(repo)
    calls = []
    for i, shard in enumerate(shards):
        if i == 0:
            carry = [WHEELS, f"{rel}/meta", shard]
            command = "bash scripts/gpu/device.sh smoke"
            timeout = 300
        elif i < n - 1:
            carry, command, timeout = [shard], "bash scripts/gpu/device.sh receive", 60
        else:
            carry = [shard]
            command = f"bash scripts/gpu/device.sh train --budget-s {budget}"
            timeout = budget + 60
        mib = (tree + sum(path_bytes(repo / c) for c in carry)) / pack_data.MIB
        calls.append({"call": i + 1, "command": command, "carry": carry, "timeout_s": timeout, "mib": round(mib, 1)})
    if n == 1:  # everything fits in one call: smoke and train there
        calls[0]["command"] = f"bash scripts/gpu/device.sh train --budget-s {budget}"
        calls[0]["timeout_s"] = budget + 60
    worst = max(c["mib"] for c in calls)
    ok = worst <= LIMIT_MIB - MARGIN_MIB and budget >= 120
    return {
        "tree_mib": round(tree / pack_data.MIB, 1),
        "shards": n,
        "largest_call_mib": worst,
        "train_budget_s": budget,
        "calls": calls,
        "ok": ok,
        "repack_max_shard_mib": round(
            LIMIT_MIB
            - MARGIN_MIB
            - tree / pack_data.MIB
            - path_bytes(repo / WHEELS) / pack_data.MIB
            - path_bytes(pack_dir / "meta") / pack_data.MIB,
            1,
        ),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pack", type=Path, default=pack_data.DEFAULT_PACK)
    parser.add_argument("--budget-left", type=float, default=900.0, help="device seconds left (status)")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    result = plan(REPO, args.pack, args.budget_left)
    if args.json:
        print(json.dumps(result, indent=2))
    else:
        print(
            f"tree {result['tree_mib']} MiB sent with every call; {result['shards']} shards; "
            f"largest call {result['largest_call_mib']} MiB of {LIMIT_MIB:.0f}; "
            f"training budget {result['train_budget_s']} s"
        )
        for c in result["calls"]:
            print(
                f"call {c['call']}: run(command={c['command']!r}, carry={json.dumps(c['carry'])}, "
                f"timeout_s={c['timeout_s']})  # {c['mib']} MiB"
            )
    if not result["ok"]:
        print(
            f"NOT OK: a call exceeds {LIMIT_MIB - MARGIN_MIB:.0f} MiB or the budget is under 120 s. Re-pack with "
            f"`python scripts/gpu/pack_data.py pack --max-shard-mib {result['repack_max_shard_mib']}` "
            "or free device time.",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
