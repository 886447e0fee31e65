"""Build the static demo (`make demo`): the web app with the sample photos' analyses recorded from the real service.

The web app is built in demo mode (``VITE_FACEXAI_DEMO=1``, relative paths: ``--base ./``) into OUT, then the
service runs in this process (FastAPI's TestClient, the models of ``--manifest``) and answers the requests the
app makes for each sample (frontend/src/samples.json): the upload, every face's explanation from every model
the analysis ran and the comparison with both methods; for one face (the first sample's largest) every model's
class grid with both methods; ``GET /models`` and ``GET /health``. Each answer is written to ``OUT/api/...``
and listed in ``OUT/api/index.json`` under the key the app's recorded transport (frontend/src/api/recorded.ts)
computes for the same request; anything else the app asks for is answered "not in the demo". OUT then works
from any static host, under any path.

    .venv/bin/python scripts/build_demo.py --out demo
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

REPO = Path(__file__).resolve().parents[1]
FRONTEND = REPO / "frontend"
SAMPLES_JSON = FRONTEND / "src" / "samples.json"
SAMPLES_DIR = FRONTEND / "public" / "samples"
METHODS = ("integrated_gradients", "grad_cam")
# The upload the app sends for a photo (useAnalysis.ts: align on, Grad-CAM first; IG follows per model).
ANALYZE_QUERY = (("align", "true"), ("explain", "grad_cam"))
# The demo's index.json says it is one ("kind"), and so does this file, written first: only a folder that has
# either is ever emptied by a new build.
MARKER = "facexai-demo"
MARKER_FILE = ".facexai-demo"

Params = Sequence[tuple[str, str]]


def fnv1a32(data: bytes) -> str:
    """32-bit FNV-1a of the bytes as 8 hex digits: the key of an upload's body (the same in recorded.ts)."""
    value = 0x811C9DC5
    for byte in data:
        value = ((value ^ byte) * 0x01000193) & 0xFFFFFFFF
    return f"{value:08x}"


def request_key(method: str, path: str, params: Params = (), body: bytes | None = None) -> str:
    """The recording's key of one request: method, path and query, its parameters sorted by name (a repeated
    one keeps its order), the values unencoded; an upload adds its body's hash. recorded.ts computes the same."""
    ordered = sorted(params, key=lambda item: item[0])
    key = f"{method.upper()} {path}"
    if ordered:
        key += "?" + "&".join(f"{name}={value}" for name, value in ordered)
    if body is not None:
        key += f" body={fnv1a32(body)}"
    return key


@dataclass(frozen=True)
class Sample:
    id: str
    file: str
    name: str

    @property
    def path(self) -> Path:
        return SAMPLES_DIR / self.file


def load_samples(only: Iterable[str] | None = None) -> list[Sample]:
    entries = json.loads(SAMPLES_JSON.read_text())
    samples = [Sample(id=e["id"], file=e["file"], name=e["name"]) for e in entries]
    if only is not None:
        wanted = list(only)
        unknown = set(wanted) - {s.id for s in samples}
        if unknown:
            raise SystemExit(f"unknown sample(s) {sorted(unknown)}; known: {[s.id for s in samples]}")
        samples = [s for s in samples if s.id in wanted]
    return samples


def compared_pair(compare_default: Sequence[str] | None) -> tuple[str, str] | None:
    """The pair the app compares (lib/format.ts comparedPair): GET /models's compare_default, else none."""
    if compare_default and len(compare_default) == 2 and compare_default[0] != compare_default[1]:
        return compare_default[0], compare_default[1]
    return None


@dataclass
class Recorder:
    """Asks the service and writes each answer under OUT/api, listed in the index by its request key."""

    client: TestClient
    api_dir: Path
    index: dict[str, str] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def _keep(self, key: str, name: str, content: bytes, started: float) -> Any:
        (self.api_dir / name).parent.mkdir(parents=True, exist_ok=True)
        (self.api_dir / name).write_bytes(content)
        self.index[key] = name
        kind = name.split("/")[-1].split("-")[0].split(".")[0]
        self.seconds[kind] = self.seconds.get(kind, 0.0) + time.monotonic() - started
        return json.loads(content)

    def get(self, path: str, params: Params, name: str) -> Any:
        started = time.monotonic()
        response = self.client.get(path, params=list(params))
        if response.status_code != 200:
            raise SystemExit(f"GET {path} {list(params)} answered {response.status_code}: {response.text[:500]}")
        return self._keep(request_key("GET", path, params), name, response.content, started)

    def analyze(self, sample: Sample) -> Any:
        started = time.monotonic()
        body = sample.path.read_bytes()
        files = {"file": (sample.file, body, "image/jpeg")}
        response = self.client.post("/analyze", params=list(ANALYZE_QUERY), files=files)
        if response.status_code != 200:
            raise SystemExit(f"POST /analyze of {sample.file} answered {response.status_code}: {response.text[:500]}")
        key = request_key("POST", "/analyze", ANALYZE_QUERY, body)
        return self._keep(key, f"{sample.id}/analyze.json", response.content, started)


def largest_face(faces: Sequence[dict[str, Any]]) -> int:
    """The position of the face the app shows first (lib/faces.ts largestFace): the largest box, the first of equals."""
    areas = [max(0, f["box"]["right"] - f["box"]["left"]) * max(0, f["box"]["bottom"] - f["box"]["top"]) for f in faces]
    return areas.index(max(areas)) if areas else 0


@dataclass(frozen=True)
class Grids:
    """Whose class grids to record ("Show every class"): the face one sample shows first, these models."""

    sample: str | None
    models: frozenset[str] | None = None  # None: every model


def record_sample(rec: Recorder, sample: Sample, compare_default: Sequence[str] | None, grids: Grids) -> int:
    """Every request the app makes for this sample (useAnalysis.ts, analysisState.ts); returns the faces."""
    result = rec.analyze(sample)
    analysis = f"/analyses/{result['analysis_id']}/faces"
    models: list[str] = result["models"]
    pair = compared_pair(compare_default)
    shown_first = largest_face(result["faces"])
    for number, face in enumerate(result["faces"]):
        index = face["index"]
        params: Params
        where = f"{sample.id}/face{index}"
        for model in models:
            prediction = face["predictions"].get(model)
            if prediction is None:
                continue
            explained = (face.get("explanations") or {}).get(model) or {}
            target = explained.get("target") or prediction["label"]
            # The upload's Grad-CAM comes without its faithfulness: the app asks for both methods with it.
            params = (("target", target), ("explain", "both"), ("faithfulness", "true"))
            rec.get(f"{analysis}/{index}/explanations/{model}", params, f"{where}/explanation-{model}.json")
        labelled = next((m for m in pair or () if m in face["predictions"]), None)
        if pair and labelled:
            target = face["predictions"][labelled]["label"]
            for method in METHODS:
                params = (("models", pair[0]), ("models", pair[1]), ("method", method), ("target", target))
                rec.get(f"{analysis}/{index}/compare", params, f"{where}/compare-{method}.json")
        if grids.sample == sample.id and number == shown_first:
            for model in models:
                if model in face["predictions"] and (grids.models is None or model in grids.models):
                    for method in METHODS:
                        params = (("method", method),)
                        rec.get(f"{analysis}/{index}/grid/{model}", params, f"{where}/grid-{model}-{method}.json")
    return len(result["faces"])


def is_demo(folder: Path) -> bool:
    if (folder / MARKER_FILE).is_file():
        return True
    try:
        return bool(json.loads((folder / "api" / "index.json").read_text()).get("kind") == MARKER)
    except (OSError, ValueError, AttributeError):
        return False


def prepare_out(out: Path) -> None:
    """Empty OUT for a new build, refusing a folder that is neither empty nor an earlier demo."""
    if out.exists() and any(out.iterdir()):
        if not is_demo(out):
            raise SystemExit(f"{out} is neither empty nor an earlier demo: choose another folder (DEMO_OUT=...)")
        shutil.rmtree(out)
    out.mkdir(parents=True, exist_ok=True)
    (out / MARKER_FILE).write_text("a facexai demo (scripts/build_demo.py): a new build empties this folder\n")


def build_web_app(out: Path, repo_url: str | None) -> None:
    """`vite build` in demo mode with relative paths, into a temporary folder (vite empties its own), then OUT."""
    env = {**os.environ, "VITE_FACEXAI_DEMO": "1"}
    if repo_url:
        env["VITE_FACEXAI_REPO_URL"] = repo_url
    with tempfile.TemporaryDirectory(prefix="facexai-demo-") as built:
        command = ["npx", "vite", "build", "--base", "./", "--outDir", built, "--emptyOutDir", "--logLevel", "warn"]
        subprocess.run(command, cwd=FRONTEND, env=env, check=True)
        shutil.copytree(built, out, dirs_exist_ok=True)


def git_repo_url() -> str | None:
    """The repository's web address from `git remote get-url origin`, when it is a GitHub one."""
    try:
        url = subprocess.run(
            ["git", "remote", "get-url", "origin"], cwd=REPO, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None
    if url.startswith("git@github.com:"):
        url = "https://github.com/" + url.removeprefix("git@github.com:")
    if not url.startswith("https://github.com/"):
        return None
    return url.removesuffix(".git")


def record(out: Path, manifest: Path, samples: list[Sample], grids: Grids) -> dict[str, Any]:
    from fastapi.testclient import TestClient

    from facexai.api.main import create_app
    from facexai.service.settings import Settings

    settings = Settings(
        models_manifest=manifest,
        frontend_dist=Path("/nonexistent"),
        load_in_background=False,
        warm_up=False,
        redis_url=None,
        analysis_ttl_s=24 * 3600,
    )
    api_dir = out / "api"
    started = time.monotonic()
    with TestClient(create_app(settings)) as client:
        loaded = time.monotonic() - started
        rec = Recorder(client, api_dir)
        rec.get("/health", (), "health.json")
        models = rec.get("/models", (), "models.json")
        faces = {s.id: record_sample(rec, s, models.get("compare_default"), grids) for s in samples}
    index = {
        "kind": MARKER,
        "built_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "models": [m["name"] for m in models["models"]],
        "samples": faces,
        "responses": rec.index,
    }
    (api_dir / "index.json").write_text(json.dumps(index, indent=1) + "\n")
    timing = ", ".join(f"{kind} {seconds:.0f} s" for kind, seconds in sorted(rec.seconds.items()))
    print(f"recorded {len(rec.index)} answers in {time.monotonic() - started:.0f} s (models {loaded:.0f} s; {timing})")
    return index


def folder_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--out", type=Path, default=REPO / "demo", help="the folder to write (default demo/)")
    parser.add_argument("--manifest", type=Path, default=REPO / "models" / "manifest.json")
    parser.add_argument("--samples", help="comma-separated sample ids (default: all of frontend/src/samples.json)")
    parser.add_argument(
        "--grids",
        help="the sample whose largest face gets every model's class grid (default: the first sample; none: no grid)",
    )
    parser.add_argument("--grid-models", help="comma-separated: only these models' class grids (default: all)")
    parser.add_argument("--repo-url", help="the repository the demo links to (default: git's origin on GitHub)")
    parser.add_argument("--skip-web", action="store_true", help="record only (OUT keeps its web app)")
    args = parser.parse_args(argv)

    started = time.monotonic()
    out = args.out.resolve()
    samples = load_samples(args.samples.split(",") if args.samples else None)
    grid_sample = samples[0].id if args.grids is None else None if args.grids == "none" else args.grids
    if grid_sample is not None and grid_sample not in {s.id for s in samples}:
        raise SystemExit(f"--grids {grid_sample}: not among the samples recorded")
    grids = Grids(grid_sample, frozenset(args.grid_models.split(",")) if args.grid_models else None)
    if not args.manifest.is_file():
        raise SystemExit(f"{args.manifest} not found: the demo records the trained models' answers")
    if args.skip_web:
        if not (is_demo(out) and (out / "index.html").is_file()):
            raise SystemExit(f"--skip-web: {out} is not a built demo")
        shutil.rmtree(out / "api", ignore_errors=True)
    else:
        prepare_out(out)
        build_web_app(out, args.repo_url or git_repo_url())
    record(out, args.manifest.resolve(), samples, grids)
    size = folder_size(out) / 1e6
    print(f"demo in {out}: {size:.1f} MB, {time.monotonic() - started:.0f} s; try it: python3 -m http.server -d {out}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    sys.exit(main())
