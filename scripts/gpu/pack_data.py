#!/usr/bin/env python
"""Pack the FairFace chips into shards small enough to ride along with device calls.

    python scripts/gpu/pack_data.py pack            # -> .gpu/pack/{meta,shards} (ignored by git)
    python scripts/gpu/pack_data.py status          # what is here, and whether it is complete
    python scripts/gpu/pack_data.py unpack --dest /tmp/facexai-fairface

Each device call carries at most 64 MiB (the project's files included), and the machine keeps
carried files only while it is warm (30 s between calls). The chips are already JPEG quality 75,
4:2:0, Huffman-optimised: re-encoding at 224 px saves nothing and downscaling to 160 px saves
only 37% for a mean abs pixel error of 2 (measured in docs/gpu-run.md). So the default packs the
original JPEG bytes verbatim (lossless: the decoded pixels are identical) into uncompressed zip
shards of at most ``--max-shard-mib``; ``--size``/``--quality`` re-encode instead and record the
measured pixel error. The validation chips come first, so the first shard alone can run a
smoke test. Labels, the race-imbalanced subset CSV and ``pack.json`` (shard sizes and SHA-256)
go in ``meta/``, carried with the first shard.

Photos of real people: the packs live only in the ignored ``.gpu/`` folder; never commit them.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import sys
import time
import zipfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "backend"))  # run without installing

from facexai.training.biased import DEFAULT_SEED, make_biased_subset  # noqa: E402
from facexai.training.config import default_fairface_dir  # noqa: E402
from facexai.training.data import read_labels, write_labels  # noqa: E402

PACK_FORMAT = 1
DEFAULT_PACK = REPO / ".gpu" / "pack"
TRAIN_CSV = "fairface_label_train.csv"
VAL_CSV = "fairface_label_val.csv"
BIASED_CSV = "fairface_label_train_race_biased.csv"
MIB = 2**20

Log = Callable[[str], None]


class PackError(RuntimeError):
    """A pack is missing shards, or a shard does not match its recorded checksum."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def encode_chip(data: bytes, size: int, quality: int) -> tuple[bytes, float]:
    """Re-encode one chip at ``size`` px (cv2 INTER_AREA, as the service resizes) and JPEG ``quality``.

    Returns the new bytes and the mean abs pixel error against what the service would feed a
    model of that input size (the original, resized the service's way).
    """
    from PIL import Image

    from facexai.faces import resize_chip

    with Image.open(io.BytesIO(data)) as img:
        reference = resize_chip(np.asarray(img.convert("RGB"), dtype=np.uint8), size)
    buf = io.BytesIO()
    Image.fromarray(reference).save(buf, "JPEG", quality=quality, optimize=True)
    with Image.open(io.BytesIO(buf.getvalue())) as img:
        decoded = np.asarray(img.convert("RGB"), dtype=np.int16)
    return buf.getvalue(), float(np.abs(decoded - reference).mean())


def plan_shards(sizes: list[int], max_bytes: int) -> list[int]:
    """Shard index of each member: the fewest shards under ``max_bytes``, filled evenly, in order."""
    total = sum(sizes)
    n = max(1, -(-total // max_bytes))
    while True:
        target = -(-total // n)
        index, shard, filled = [], 0, 0
        for size in sizes:
            if filled and filled + size > target and shard < n - 1:
                shard, filled = shard + 1, 0
            index.append(shard)
            filled += size
        per_shard = np.bincount(index, weights=sizes, minlength=n)
        if per_shard.max() <= max_bytes:
            return index
        n += 1


def pack(
    fairface: Path,
    out: Path,
    max_shard_mib: float = 50.0,
    limit: int = 0,
    val_limit: int = 0,
    size: int = 0,
    quality: int = 0,
    biased_seed: int = DEFAULT_SEED,
    workers: int = 8,
    log: Log = print,
) -> dict:
    """Write ``out/meta`` (labels, biased subset, pack.json) and ``out/shards/shard-NN.zip``."""
    started = time.perf_counter()
    train = read_labels(fairface / TRAIN_CSV).head(limit)
    val = read_labels(fairface / VAL_CSV).head(val_limit)
    biased = make_biased_subset(train, seed=biased_seed)
    rows = [("val", r["file"]) for r in val.rows] + [("train", r["file"]) for r in train.rows]
    missing = [f for _, f in rows if not (fairface / f).is_file()]
    if missing:
        raise PackError(f"{len(missing)} chips named in the labels are missing under {fairface}: {missing[:5]}")

    reencode = bool(size or quality)
    if reencode and not (size and quality):
        raise ValueError("re-encoding needs both --size and --quality")

    def read(i: int) -> tuple[bytes, float]:
        data = (fairface / rows[i][1]).read_bytes()
        return encode_chip(data, size, quality) if reencode else (data, 0.0)

    with ThreadPoolExecutor(max_workers=max(1, workers)) as pool:
        members = list(pool.map(read, range(len(rows))))
    image_size = size if reencode else _chip_size(fairface / rows[0][1])
    errors = np.array([e for _, e in members])

    shards_dir, meta_dir = out / "shards", out / "meta"
    for folder in (shards_dir, meta_dir):
        folder.mkdir(parents=True, exist_ok=True)
        for old in folder.iterdir():
            if old.is_file():
                old.unlink()
    # a stored zip member costs its bytes plus two headers (local: 30 + name, central: 46 + name)
    costs = [len(data) + 76 + 2 * len(name.encode()) for (_, name), (data, _) in zip(rows, members, strict=True)]
    index = plan_shards(costs, int(max_shard_mib * MIB) - 1024)
    shards = []
    for k in range(max(index) + 1):
        path = shards_dir / f"shard-{k:02d}.zip"
        counts = {"train": 0, "val": 0}
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED) as zf:
            for (split, name), (data, _), shard in zip(rows, members, index, strict=True):
                if shard == k:
                    # a fixed timestamp keeps the shard's bytes (and checksum) reproducible
                    zf.writestr(zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0)), data)
                    counts[split] += 1
        shards.append({"name": path.name, "bytes": path.stat().st_size, "sha256": sha256_of(path), **counts})
        log(
            f"{path.relative_to(out)}: {counts['val']} val + {counts['train']} train chips, "
            f"{shards[-1]['bytes'] / MIB:.1f} MiB"
        )

    write_labels(train, meta_dir / TRAIN_CSV)
    write_labels(val, meta_dir / VAL_CSV)
    write_labels(biased, meta_dir / BIASED_CSV)
    labels = {
        name: {"rows": len(table), "sha256": sha256_of(meta_dir / name)}
        for name, table in ((TRAIN_CSV, train), (VAL_CSV, val), (BIASED_CSV, biased))
    }
    info = {
        "format": PACK_FORMAT,
        "created": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "source": str(fairface),
        "image_size": image_size,
        "encoding": (
            {"mode": "reencoded", "size": size, "quality": quality, "resize": "cv2 INTER_AREA (as the service)"}
            if reencode
            else {"mode": "verbatim", "note": "original JPEG bytes; decoded pixels identical to the source"}
        ),
        "pixel_error": {
            "mean_abs": round(float(errors.mean()), 4) if len(errors) else 0.0,
            "p99_image_mean_abs": round(float(np.percentile(errors, 99)), 4) if len(errors) else 0.0,
            "against": "the original chip resized to image_size with cv2 INTER_AREA (the service's path)",
        },
        "biased_subset": {"seed": biased_seed, "rows": len(biased), "counts": biased.counts("race")},
        "labels": labels,
        "shards": shards,
        "total_bytes": sum(s["bytes"] for s in shards),
        "chips": {"train": len(train), "val": len(val)},
        "seconds": round(time.perf_counter() - started, 1),
    }
    (meta_dir / "pack.json").write_text(json.dumps(info, indent=2) + "\n")
    log(
        f"packed {len(train)} train + {len(val)} val chips ({info['encoding']['mode']}, {image_size}px) into "
        f"{len(shards)} shard(s), {info['total_bytes'] / MIB:.1f} MiB in all, largest "
        f"{max(s['bytes'] for s in shards) / MIB:.1f} MiB; mean abs pixel error {info['pixel_error']['mean_abs']}; "
        f"biased subset {len(biased)} rows; {info['seconds']} s"
    )
    return info


def _chip_size(path: Path) -> int:
    from PIL import Image

    with Image.open(path) as img:
        if img.size[0] != img.size[1]:
            raise PackError(f"{path}: chip is not square ({img.size})")
        return int(img.size[0])


def read_pack_info(pack_dir: Path) -> dict:
    path = pack_dir / "meta" / "pack.json"
    if not path.is_file():
        raise PackError(f"no pack at {pack_dir} (meta/pack.json missing): was meta carried with the first shard?")
    return json.loads(path.read_text())


def check_pack(pack_dir: Path, verify: bool = True) -> dict:
    """Raise PackError naming every absent or corrupt shard or label file; return pack.json."""
    info = read_pack_info(pack_dir)
    problems = []
    for shard in info["shards"]:
        path = pack_dir / "shards" / shard["name"]
        if not path.is_file():
            problems.append(f"{shard['name']} missing")
        elif path.stat().st_size != shard["bytes"] or (verify and sha256_of(path) != shard["sha256"]):
            problems.append(f"{shard['name']} corrupt (size or SHA-256 differs)")
    for name, label in info["labels"].items():
        path = pack_dir / "meta" / name
        if not path.is_file() or (verify and sha256_of(path) != label["sha256"]):
            problems.append(f"meta/{name} missing or corrupt")
    if problems:
        raise PackError(f"pack at {pack_dir} is incomplete: {'; '.join(problems)}")
    return info


def present_shards(pack_dir: Path) -> list[str]:
    info = read_pack_info(pack_dir)
    return [s["name"] for s in info["shards"] if (pack_dir / "shards" / s["name"]).is_file()]


def unpack(pack_dir: Path, dest: Path, partial: bool = False, log: Log = print) -> dict:
    """Extract the shards into ``dest`` (train/N.jpg, val/N.jpg) and copy the label files beside them.

    With ``partial`` the shards present are extracted and the absent ones skipped (smoke tests);
    otherwise an incomplete pack is an error before anything is written.
    """
    started = time.perf_counter()
    info = read_pack_info(pack_dir) if partial else check_pack(pack_dir)
    dest.mkdir(parents=True, exist_ok=True)
    names = present_shards(pack_dir) if partial else [s["name"] for s in info["shards"]]
    if not names:
        raise PackError(f"no shards under {pack_dir / 'shards'}")
    count = 0
    for name in names:
        with zipfile.ZipFile(pack_dir / "shards" / name) as zf:
            zf.extractall(dest)
            count += len(zf.namelist())
    for label in info["labels"]:
        (dest / label).write_bytes((pack_dir / "meta" / label).read_bytes())
    log(
        f"unpacked {count} chips from {len(names)} of {len(info['shards'])} shard(s) into {dest} in "
        f"{time.perf_counter() - started:.1f} s"
    )
    return info


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("pack", help="write .gpu/pack from the FairFace folder")
    p.add_argument("--fairface", type=Path, default=default_fairface_dir())
    p.add_argument("--out", type=Path, default=DEFAULT_PACK)
    p.add_argument("--max-shard-mib", type=float, default=50.0, help="largest shard (default 50 MiB)")
    p.add_argument("--limit", type=int, default=0, help="only the first N train rows (0 = all)")
    p.add_argument("--val-limit", type=int, default=0, help="only the first N val rows (0 = all)")
    p.add_argument("--size", type=int, default=0, help="re-encode at this size (default: original bytes)")
    p.add_argument("--quality", type=int, default=0, help="JPEG quality when re-encoding")
    p.add_argument("--biased-seed", type=int, default=DEFAULT_SEED)
    p.add_argument("--workers", type=int, default=8)
    s = sub.add_parser("status", help="which shards are here; exit 1 if the pack is incomplete")
    s.add_argument("--pack", type=Path, default=DEFAULT_PACK)
    s.add_argument("--no-verify", action="store_true", help="skip the SHA-256 check")
    u = sub.add_parser("unpack", help="extract the pack into a FairFace-layout folder")
    u.add_argument("--pack", type=Path, default=DEFAULT_PACK)
    u.add_argument("--dest", type=Path, required=True)
    u.add_argument("--partial", action="store_true", help="extract whatever shards are present")
    args = parser.parse_args(argv)

    if args.command == "pack":
        pack(
            args.fairface,
            args.out,
            args.max_shard_mib,
            args.limit,
            args.val_limit,
            args.size,
            args.quality,
            args.biased_seed,
            args.workers,
        )
        return 0
    if args.command == "unpack":
        unpack(args.pack, args.dest, partial=args.partial)
        return 0
    info = read_pack_info(args.pack)
    here = present_shards(args.pack)
    print(f"{args.pack}: {len(here)} of {len(info['shards'])} shards present: {', '.join(here) or 'none'}")
    try:
        check_pack(args.pack, verify=not args.no_verify)
    except PackError as exc:
        print(exc)
        return 1
    print("pack complete and verified" if not args.no_verify else "pack complete")
    return 0


if __name__ == "__main__":
    sys.exit(main())
