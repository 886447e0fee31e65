"""``facexai analyze PHOTO --out DIR``: the service's analysis without a server.

Writes ``analysis.json`` (the same JSON as ``POST /analyze``, with the images replaced by file
names) and the aligned faces and overlays as PNG files next to it.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

from facexai.core.photos import DETECTORS
from facexai.explain.options import ExplainedOutput, ExplainMethod, QuadratureRule

#: the --explain choices: each method, both, or none (as the API's ``explain``)
EXPLAIN_CHOICES = ["both", *(m.value for m in ExplainMethod), "none"]


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("analyze", help="analyse a photo and write the predictions and overlays to a folder")
    p.add_argument("photo", type=Path)
    p.add_argument("--out", type=Path, required=True, help="folder for analysis.json and the PNG files")
    p.add_argument(
        "--manifest", type=Path, help="model manifest (default: FACEXAI_MODELS_MANIFEST or models/manifest.json)"
    )
    p.add_argument("--no-align", action="store_true", help="the photo already is an aligned face chip")
    p.add_argument("--explain", choices=EXPLAIN_CHOICES, default="both")
    p.add_argument(
        "--detector",
        choices=DETECTORS,
        help="dlib's face detector (default: the setting; cnn is slower, finds more)",
    )
    p.add_argument("--ig-steps", type=int)
    p.add_argument("--ig-rule", choices=[r.value for r in QuadratureRule])
    p.add_argument("--ig-output", choices=[o.value for o in ExplainedOutput])
    p.add_argument(
        "--compare",
        nargs=2,
        metavar=("A", "B"),
        help="also compare two models of one task on every face, as GET /analyses/…/compare does (e.g. race mine): "
        "comparison.json and its PNG files",
    )
    p.add_argument(
        "--compare-method",
        choices=[m.value for m in ExplainMethod],
        default=ExplainMethod.integrated_gradients.value,
        help="the method the comparison explains with (default: integrated_gradients)",
    )
    p.set_defaults(func=run)


def _write_pngs(node: object, out: Path, stem: str) -> object:
    """The domain result as plain data, each PNG written to a file and replaced by the file's name."""
    if dataclasses.is_dataclass(node) and not isinstance(node, type):
        node = {f.name: getattr(node, f.name) for f in dataclasses.fields(node)}
    if isinstance(node, dict):
        return {key: _write_pngs(value, out, f"{stem}_{key}" if stem else str(key)) for key, value in node.items()}
    if isinstance(node, list):
        return [_write_pngs(v, out, f"{stem}_{i}") for i, v in enumerate(node)]
    if isinstance(node, bytes):  # facexai.service.results.Png
        path = out / f"{stem}.png"
        path.write_bytes(node)
        return path.name
    return node


def run(args: argparse.Namespace) -> int:
    from facexai.api.schemas import AnalyzeResponse, Comparison, ExplainMode
    from facexai.core.errors import FacexaiError, ModelsNotComparable, check_upload_size
    from facexai.models.registry import ModelRegistry
    from facexai.service.analyzer import Analyzer
    from facexai.service.settings import Settings

    settings = Settings(**({"models_manifest": args.manifest} if args.manifest else {}))
    limits = settings.photo_limits()
    try:
        # refused by its size before it is read, and as a file before the models load (tens of seconds)
        check_upload_size(args.photo.stat().st_size, limits.max_upload_bytes)
        data = args.photo.read_bytes()
    except OSError as exc:
        print(f"facexai: cannot read {args.photo}: {exc.strerror}")
        return 2
    except FacexaiError as exc:
        print(f"facexai: {exc.code}: {exc.detail}")
        return 1
    try:
        image = limits.read(data)
        # a model that fails to load is named and left out, as the service does ("degraded")
        registry = ModelRegistry.load(settings.models_manifest, settings.ig_batch_size, tolerate_failures=True)
        for name, reason in registry.failed.items():
            print(f"facexai: warning: model {name} not loaded: {reason}")
        if args.compare:
            check_comparable(registry, args.compare)
        ig = settings.ig_defaults().override(args.ig_steps, args.ig_rule, args.ig_output)
        analyzer = Analyzer.from_settings(registry, settings)
        methods = ExplainMode(args.explain).methods
        result = analyzer.analyze(image, align=not args.no_align, methods=methods, ig=ig, detector=args.detector)
        comparisons = [
            analyzer.compare(
                result.analysis_id, face.index, list(args.compare), None, ExplainMethod(args.compare_method), ig
            )
            for face in (result.faces if args.compare else [])
        ]
    except ModelsNotComparable as exc:
        print(f"facexai: {exc.code}: {exc.detail}")
        return 2
    except FacexaiError as exc:
        print(f"facexai: {exc.code}: {exc.detail}")
        return 1
    args.out.mkdir(parents=True, exist_ok=True)
    # the API's JSON (its schema, its field order) with file names where the API sends base64 PNGs
    response = AnalyzeResponse.model_validate(_write_pngs(result, args.out, ""))
    (args.out / "analysis.json").write_text(json.dumps(response.model_dump(mode="json"), indent=2) + "\n")
    for face in response.faces:
        summary = ", ".join(
            f"{name} {p.label} ({p.probabilities[p.label]:.0%})" for name, p in face.predictions.items()
        )
        print(f"face {face.index} at {face.box.model_dump()}: {summary}")
    if args.compare:
        written = [
            Comparison.model_validate(_write_pngs(c, args.out, f"compare_face{i}")).model_dump(mode="json")
            for i, c in enumerate(comparisons)
        ]
        (args.out / "comparison.json").write_text(json.dumps(written, indent=2) + "\n")
        for i, c in enumerate(comparisons):
            print(f"face {i}, {' vs '.join(c.models)}: {c.summary}")
    print(f"wrote {args.out / 'analysis.json'} and {len(list(args.out.glob('*.png')))} PNG files")
    return 0


def check_comparable(registry: object, pair: list[str]) -> None:
    """The two models of ``--compare`` served and comparable, before any face is analysed
    (ModelsNotComparable / UnknownModel otherwise)."""
    from facexai.core.errors import ModelsNotComparable
    from facexai.models.labelmap import LabelMapError, relate
    from facexai.models.registry import ModelRegistry

    assert isinstance(registry, ModelRegistry)
    a, b = (registry.get(n).spec for n in pair)
    if a.name == b.name:
        raise ModelsNotComparable(f"--compare needs two different models, got {a.name} twice")
    try:
        relate(*((s.name, s.task, s.labels, s.label_map or None) for s in (a, b)))
    except LabelMapError as exc:
        raise ModelsNotComparable(str(exc)) from None
