"""The GPU data pack (scripts/gpu/pack_data.py): shards under the size limit, a byte-exact round trip,
incomplete packs refused by name, and the call plan checked against the 64 MiB a device call carries."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

REPO = Path(__file__).resolve().parents[1]
GPU = REPO / "scripts" / "gpu"


def _load(name: str):
    sys.path.insert(0, str(GPU))
    spec = importlib.util.spec_from_file_location(f"gpu_{name}", GPU / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


pack_data = _load("pack_data")


def test_plan_shards_fills_evenly_under_the_limit() -> None:
    sizes = [5_000 + (i * 37) % 900 for i in range(1000)]
    index = pack_data.plan_shards(sizes, 1_000_000)
    per_shard = np.bincount(index, weights=sizes)
    assert len(per_shard) == -(-sum(sizes) // 1_000_000)
    assert per_shard.max() <= 1_000_000 and per_shard.min() > 0.8 * per_shard.max()
    assert index == sorted(index)  # members keep their order


@pytest.fixture(scope="module")
def small_pack(fairface_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("pack")
    pack_data.pack(fairface_dir, out, max_shard_mib=0.08, limit=24, val_limit=8, workers=2, log=lambda _: None)
    return out


def test_round_trip_is_byte_exact(small_pack: Path, fairface_dir: Path, tmp_path: Path) -> None:
    info = json.loads((small_pack / "meta" / "pack.json").read_text())
    assert len(info["shards"]) >= 2 and info["encoding"]["mode"] == "verbatim"
    assert info["chips"] == {"train": 24, "val": 8} and info["image_size"] == 224
    assert all(s["bytes"] <= 0.08 * pack_data.MIB for s in info["shards"])
    assert info["shards"][0]["val"] == 8  # val first: shard 0 alone can run the smoke test
    pack_data.unpack(small_pack, tmp_path, log=lambda _: None)
    chips = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*.jpg"))
    assert len(chips) == 32
    for rel in chips:
        assert (tmp_path / rel).read_bytes() == (fairface_dir / rel).read_bytes()
    for name in (pack_data.TRAIN_CSV, pack_data.VAL_CSV, pack_data.BIASED_CSV):
        assert (tmp_path / name).is_file()
    assert info["biased_subset"]["rows"] == len((tmp_path / pack_data.BIASED_CSV).read_text().splitlines()) - 1


def test_incomplete_pack_is_refused_by_name(small_pack: Path, tmp_path: Path) -> None:
    partial = tmp_path / "partial"
    (partial / "shards").mkdir(parents=True)
    (partial / "meta").symlink_to(small_pack / "meta")
    first = sorted((small_pack / "shards").iterdir())[0]
    (partial / "shards" / first.name).write_bytes(first.read_bytes())
    with pytest.raises(pack_data.PackError, match=r"shard-01\.zip missing"):
        pack_data.check_pack(partial)
    assert pack_data.main(["status", "--pack", str(partial)]) == 1
    info = pack_data.unpack(partial, tmp_path / "out", partial=True, log=lambda _: None)
    assert len(list((tmp_path / "out" / "val").glob("*.jpg"))) == info["shards"][0]["val"]
    (partial / "shards" / first.name).write_bytes(b"corrupt")
    with pytest.raises(pack_data.PackError, match="corrupt"):
        pack_data.check_pack(partial)


def test_reencoding_records_its_pixel_error(fairface_dir: Path, tmp_path: Path) -> None:
    info = pack_data.pack(
        fairface_dir, tmp_path, limit=4, val_limit=2, size=160, quality=90, workers=2, log=lambda _: None
    )
    assert info["image_size"] == 160 and info["encoding"]["mode"] == "reencoded"
    assert 0.3 < info["pixel_error"]["mean_abs"] < 4.0


def test_call_plan_fits_the_transfer_limit(small_pack: Path) -> None:
    plan = _load("plan")
    if not list((REPO / plan.WHEELS).glob("*.whl")):
        pytest.skip("no Keras wheels in .whl/ (scripts/gpu/fetch_wheels.sh)")
    result = plan.plan(REPO, small_pack, budget_left_s=900)
    calls = result["calls"]
    assert result["ok"] and len(calls) == result["shards"]
    assert calls[0]["carry"][0] == ".whl" and calls[0]["command"].endswith("smoke")
    assert calls[-1]["command"].startswith("bash scripts/gpu/device.sh train --budget-s")
    assert all(c["mib"] < plan.LIMIT_MIB for c in calls)
