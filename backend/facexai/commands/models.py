"""``facexai models add | list | remove``: a person's own Keras face classifier served, explained, compared
and audited like the bundle's (docs/your_model.md).

``add`` works on the models folder the service reads (the folder of ``FACEXAI_MODELS_MANIFEST``, default
``models/``, or ``--manifest``). It loads the model, runs it on a known chip (facexai.core.chips.known_chip)
and refuses, exiting with code 2 and writing nothing, when the file does not load, the input is not an
image, the output is not a probability vector of ``len(labels)`` (softmax, or logits with ``--logits``), no
layer can serve Grad-CAM, or Integrated Gradients' completeness on the chip fails the service's own rule
(a model that is not differentiable end to end). Otherwise it copies the file into the folder, writes a
model card from what it measured and adds the manifest entry.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

#: what ``add`` accepts: Keras 3's own format, and the legacy HDF5 one Keras 3 still reads
SUFFIXES = (".keras", ".h5")


class Refusal(Exception):
    """Why a model is not added (exit code 2, nothing written)."""


def add_parser(sub: argparse._SubParsersAction) -> None:
    from facexai.models.preprocessing import DESCRIPTIONS

    p = sub.add_parser(
        "models", help="add, list or remove models (your own Keras face classifier)", description=__doc__
    )
    actions = p.add_subparsers(dest="action", required=True, metavar="ACTION")

    def manifest_option(q: argparse.ArgumentParser) -> None:
        q.add_argument(
            "--manifest", type=Path, help="the manifest (default: FACEXAI_MODELS_MANIFEST, else models/manifest.json)"
        )

    a = actions.add_parser(
        "add",
        help="check a Keras model and add it to the models folder",
        description="Check a Keras 3 model (.keras, or .h5) on a known chip and add it to the models folder. "
        "Refused models exit with code 2 and leave the folder as it was.",
    )
    a.add_argument("file", type=Path, help="the model: a .keras (or .h5) file")
    a.add_argument("--name", required=True, help="its name in the service (lower case, digits, _ and -)")
    a.add_argument("--task", required=True, help="race, gender, age, or a task of its own (e.g. smiling)")
    a.add_argument("--labels", required=True, help="its output classes in order, comma-separated: A,B,…")
    a.add_argument(
        "--label-map",
        type=Path,
        metavar="FILE",
        help="JSON: each of its labels -> the FairFace label(s) of the task it stands for, or null; needed to "
        "compare it with the bundle's models and to audit it when its labels are not FairFace's",
    )
    a.add_argument("--logits", action="store_true", help="its output is logits (no softmax): the service adds one")
    a.add_argument("--input-size", type=int, help="the chip's side in pixels (default: the model's input size)")
    a.add_argument(
        "--preprocessing",
        default="raw",
        choices=sorted(DESCRIPTIONS),
        help="what the model takes, from the service's dlib-aligned RGB chip: "
        + "; ".join(f"{k}: {v}" for k, v in DESCRIPTIONS.items())
        + " (default: raw)",
    )
    a.add_argument("--gradcam-layer", help="the layer Grad-CAM explains (default: the last 4-D convolutional output)")
    a.add_argument("--display-name", default="", help="the name the app shows (default: from --name)")
    a.add_argument("--description", default="", help="one line on what the model is (shown on its card)")
    a.add_argument("--replace", action="store_true", help="replace a model of the same name")
    manifest_option(a)
    a.set_defaults(func=run_add)

    ls = actions.add_parser("list", help="the models of the manifest, whose they are and whether they can be served")
    manifest_option(ls)
    ls.set_defaults(func=run_list)

    rm = actions.add_parser("remove", help="remove a model you added (its entry, its file and its card)")
    rm.add_argument("name")
    rm.add_argument("--force", action="store_true", help="also remove one of the bundle's models")
    manifest_option(rm)
    rm.set_defaults(func=run_remove)


def manifest_path(args: argparse.Namespace) -> Path:
    """``--manifest``, else the setting the service reads (FACEXAI_MODELS_MANIFEST, default models/manifest.json)."""
    if args.manifest:
        return Path(args.manifest)
    from facexai.service.settings import Settings

    return Settings().models_manifest


def read_manifest(path: Path) -> Any:
    """The manifest at ``path`` read leniently (another entry's fault is not this model's: it is kept as
    written), or a new one in that folder."""
    from facexai.models.manifest import Manifest, load_manifest

    return load_manifest(path, lenient=True) if path.is_file() else Manifest([], root=path.parent)


# ------------------------------------------------------------------------------------------------ add


def run_add(args: argparse.Namespace) -> int:
    path = manifest_path(args)
    try:
        plan = check_model(args, path)
    except Refusal as exc:
        print(f"facexai: refused: {exc}", file=sys.stderr)
        print("facexai: nothing was written", file=sys.stderr)
        return 2
    write_model(plan, path)
    spec = plan["spec"]
    print(f"added {spec.name} ({spec.task}: {', '.join(spec.labels)}) to {path}")
    checks = spec.supplied["checks"]
    print(
        f"  input {spec.input_size}x{spec.input_size} {spec.preprocessing}; Grad-CAM layer {spec.gradcam_layer} "
        f"({checks['gradcam_layer_from']}); IG completeness error on the known chip "
        + (
            f"{checks['ig_completeness_error']:.2%}"
            if checks["ig_completeness_error"] is not None
            else "not measurable (the output does not move between the black baseline and the chip)"
        )
    )
    for note in plan["notes"]:
        print(f"  note: {note}")
    return 0


def check_model(args: argparse.Namespace, manifest_file: Path) -> dict[str, Any]:
    """Every check of ``add``, in memory: the plan to write (spec, card, source), or Refusal."""
    from facexai.models.labelmap import LabelMapError, fairface_map, read_label_map
    from facexai.models.loaders import ModelLoadError, flatten_nested
    from facexai.models.manifest import KERAS, NAME_PATTERN, TASK_PATTERN, ManifestError

    name, task = args.name, args.task
    if not NAME_PATTERN.fullmatch(name):
        raise Refusal(f"--name {name!r}: use lower-case letters, digits, _ and - (it becomes a URL and a file name)")
    if not TASK_PATTERN.fullmatch(task):
        raise Refusal(f"--task {task!r}: use a lower-case identifier (race, gender, age, or your own, e.g. smiling)")
    labels = [label.strip() for label in args.labels.split(",")]
    if len(labels) < 2 or not all(labels) or len(set(labels)) != len(labels):
        raise Refusal(f"--labels {args.labels!r}: give at least two different, non-empty labels, comma-separated")
    source = Path(args.file)
    if source.is_dir():
        raise Refusal(
            f"{source} is a folder (a TensorFlow SavedModel?): Keras 3 loads a SavedModel only as an opaque "
            "inference layer (keras.layers.TFSMLayer), without the inner layers Grad-CAM needs; save the model "
            "as .keras from the code that builds it (model.save('model.keras'))"
        )
    if not source.is_file():
        raise Refusal(f"{source}: no such file")
    if source.suffix.lower() not in SUFFIXES:
        raise Refusal(f"{source.name}: expected a Keras model file ({', '.join(SUFFIXES)})")
    try:
        manifest = read_manifest(manifest_file)
    except ManifestError as exc:
        raise Refusal(f"the manifest {manifest_file} cannot be read: {exc}") from None
    taken = name in manifest.names or any(e.name == name for e in manifest.invalid)
    if taken and not args.replace:
        raise Refusal(f"the manifest already has a model named {name!r}: choose another --name, or --replace it")
    file_name = f"{name}{source.suffix.lower()}"
    others = [s.name for s in manifest.models if s.file == file_name and s.name != name]
    if others:
        raise Refusal(f"{file_name} is the file of {others[0]!r} in {manifest_file.parent}: choose another --name")
    destination = manifest_file.parent / file_name
    if destination.exists() and not taken and not args.replace:
        raise Refusal(f"{destination} exists and is no model's of the manifest: remove it, or --replace")
    label_map: dict[str, list[str]] = {}
    if args.label_map:
        try:
            label_map = read_label_map(args.label_map, labels, task)
        except LabelMapError as exc:
            raise Refusal(str(exc)) from None

    model, size = load_and_size(source, args.input_size)
    try:  # as the service will see it: a nested backbone's layers become the model's own
        model = flatten_nested(model)
    except ModelLoadError as exc:
        raise Refusal(str(exc)) from None
    layer, layer_from = gradcam_layer(model, args.gradcam_layer)
    spec = _spec(args, labels, label_map, size, layer, file_name, KERAS)
    try:
        spec.validate()
    except ManifestError as exc:
        raise Refusal(str(exc)) from None
    checks = run_checks(model, spec, source)
    checks["gradcam_layer_from"] = layer_from
    spec.supplied = supplied_record(source, checks)
    notes = []
    if fairface_map(labels, task, label_map or None) is None:
        notes.append(
            f"its labels are not FairFace's {task} labels and it has no --label-map: it is served and explained "
            "as it is, but it cannot be compared with the bundle's models or audited against FairFace's labels "
            "(docs/your_model.md, 'Labels of its own')"
            if task in ("race", "gender", "age")
            else f"task {task!r} is not in FairFace's labels: the audit reports its predictions by race, not its "
            "accuracy (docs/your_model.md)"
        )
    return {"spec": spec, "source": source, "destination": destination, "card": model_card(spec), "notes": notes}


def _spec(
    args: argparse.Namespace,
    labels: list[str],
    label_map: dict[str, list[str]],
    size: int,
    layer: str,
    file_name: str,
    architecture: str,
) -> Any:
    """The manifest entry ``add`` would write (its ``supplied`` record comes after the checks)."""
    from facexai.models.manifest import ModelSpec

    return ModelSpec(
        name=args.name,
        task=args.task,
        file=file_name,
        labels=labels,
        input_size=size,
        preprocessing=args.preprocessing,
        gradcam_layer=layer,
        architecture=architecture,
        card=f"{args.name}.md",
        description=args.description or f"{args.name}: a {args.task} model added with facexai models add",
        display_name=args.display_name,
        output="logits" if args.logits else "probabilities",
        label_map=label_map,
    )


def load_and_size(source: Path, input_size: int | None) -> tuple[Any, int]:
    """The model as Keras loads it, and the chip size it takes; Refusal when it does not load or its
    input is not an image."""
    import os

    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    try:
        model = keras.saving.load_model(source, compile=False)
    except Exception as exc:  # Keras raises many kinds for a file it cannot read
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise Refusal(
            f"{source.name} does not load with Keras {keras.__version__}: {first[:400]} (custom layers must be "
            "registered Keras serializables importable where the service runs; Lambda layers are not loaded)"
        ) from None
    inputs = getattr(model, "inputs", None) or []
    if len(inputs) != 1:
        raise Refusal(f"the model has {len(inputs)} inputs; it needs one: an image")
    shape = tuple(inputs[0].shape[1:])
    if len(shape) != 3 or shape[2] != 3:
        raise Refusal(f"the input shape is not an image: {shape}; expected (height, width, 3), RGB or BGR")
    if shape[0] != shape[1]:
        raise Refusal(f"the input is {shape[0]}x{shape[1]}: the service's face chips are square")
    dtype = str(getattr(inputs[0], "dtype", "float32"))
    if "float" not in dtype:
        raise Refusal(f"the input's dtype is {dtype}: gradients need a float input (cast inside the model)")
    fixed = shape[0]
    if fixed is None and not input_size:
        raise Refusal("the model's input has no fixed size: give --input-size")
    if fixed is not None and input_size and input_size != fixed:
        raise Refusal(f"--input-size {input_size}, but the model takes {fixed}x{fixed}")
    size = int(input_size or fixed)
    if size < 32:
        raise Refusal(f"the input is {size}x{size}: too small for a face chip (at least 32)")
    return model, size


def gradcam_layer(model: Any, given: str | None) -> tuple[str, str]:
    """(the layer Grad-CAM explains, "given" or "found"): the given one checked, else the last layer whose
    output is 4-D with a spatial extent (the last convolutional feature maps); Refusal when there is none."""
    if given:
        try:
            layer = model.get_layer(given)
        except ValueError:
            raise Refusal(f"--gradcam-layer {given!r}: the model has no such layer") from None
        rank = _rank(layer)
        if rank != 4:
            raise Refusal(
                f"--gradcam-layer {given!r}: its output is not 4-D feature maps (rank {rank}); no spatial map to weigh"
            )
        return given, "given"
    convolutional = [i for i, layer in enumerate(model.layers) if _convolutional(layer)]
    for layer in reversed(model.layers[convolutional[0] :] if convolutional else []):
        if _rank(layer) != 4:
            continue
        h, w = tuple(layer.output.shape)[1:3]
        if h is None or w is None or h * w > 1:
            return layer.name, "found"
    raise Refusal(
        "no layer can serve Grad-CAM: the model has no 4-D convolutional output (feature maps with a spatial "
        "extent, after a convolution); give one with --gradcam-layer"
    )


def _convolutional(layer: Any) -> bool:
    """A convolution, or a nested model (a backbone) holding one."""
    inner = getattr(layer, "layers", None)
    if inner:
        return any(_convolutional(x) for x in inner)
    return "Conv" in type(layer).__name__


def _rank(layer: Any) -> int | None:
    try:
        return len(tuple(layer.output.shape))
    except (AttributeError, ValueError):  # a layer called more than once has no single output
        return None


def run_checks(model: Any, spec: Any, source: Path) -> dict[str, Any]:
    """Run the model as the service will (facexai.models.registry.load_one, standardize included) on
    the known chip: the output, Grad-CAM and IG's completeness; Refusal with the reason, else the numbers."""
    from dataclasses import replace

    import numpy as np

    from facexai.core.chips import known_chip
    from facexai.explain.options import ExplainMethod
    from facexai.models.manifest import Manifest
    from facexai.models.preprocessing import get_preprocessor
    from facexai.models.registry import load_one
    from facexai.service.comparison import APPROXIMATE_ABSOLUTE, APPROXIMATE_RELATIVE, is_approximate
    from facexai.service.settings import Settings

    # the raw output first: a probability vector of len(labels), or logits with --logits
    chip = known_chip(spec.input_size)
    x = np.asarray(get_preprocessor(spec.preprocessing)(chip.astype(np.float32)), np.float32)[None]
    try:
        raw = np.asarray(model(x, training=False))
    except Exception as exc:
        raise Refusal(f"the model does not run on a {spec.input_size}x{spec.input_size} chip: {exc}") from None
    n = len(spec.labels)
    if raw.ndim != 2 or raw.shape != (1, n):
        hint = (
            " (one sigmoid unit: give the model a softmax over two classes, or two logits with --logits)"
            if raw.shape[1:] == (1,)
            else ""
        )
        raise Refusal(
            f"the output is not a probability vector of {n} classes (one per label): its shape is "
            f"{tuple(raw.shape[1:])} per image{hint}"
        )
    if not np.all(np.isfinite(raw)):
        raise Refusal("the output on the known chip is not finite (NaN or inf)")
    total = float(raw.sum())
    is_probability = bool(raw.min() >= -1e-6 and raw.max() <= 1 + 1e-6 and abs(total - 1.0) < 1e-3)
    if spec.output == "probabilities" and not is_probability:
        raise Refusal(
            f"the output is not a probability vector: on the known chip it sums to {total:.4g} with values in "
            f"[{raw.min():.4g}, {raw.max():.4g}]; a model that ends in logits needs --logits, one that ends in a "
            "sigmoid per label (multi-label) is not a classifier of one class"
        )
    if spec.output == "logits" and is_probability and n > 1:
        raise Refusal(
            "--logits, but the output already is a probability vector (it sums to 1 on the known chip): "
            "leave out --logits"
        )
    # as the service will load it
    here = replace(spec, file=source.name)
    try:
        loaded = load_one(Manifest([here], root=source.parent), here)
    except Exception as exc:
        raise Refusal(f"the model cannot be served: {exc}") from None
    batch = loaded.prepare_batch([chip])
    probabilities = loaded.predict(batch)[0]
    top = int(probabilities.argmax())
    try:
        cam = loaded.explain(ExplainMethod.grad_cam, batch, [top])[0]
    except Exception as exc:
        raise Refusal(
            f"no layer can serve Grad-CAM: layer {spec.gradcam_layer!r} gives no gradient of the class score "
            f"({type(exc).__name__}: {str(exc)[:300]}); give another with --gradcam-layer"
        ) from None
    if not np.all(np.isfinite(cam.heatmap)):
        raise Refusal(f"Grad-CAM on layer {spec.gradcam_layer!r} is not finite on the known chip")
    ig_options = Settings().ig_defaults()
    try:
        ig = loaded.explain(ExplainMethod.integrated_gradients, batch, [top], ig_options)[0]
    except Exception as exc:
        raise Refusal(
            f"Integrated Gradients cannot run: the model is not differentiable end to end ({type(exc).__name__}: "
            f"{str(exc)[:300]})"
        ) from None
    relative, absolute = ig.completeness_error, ig.completeness_error_abs
    if relative is None or absolute is None or not np.isfinite(absolute) or is_approximate(ig):
        moved = (ig.score_input or 0.0) - (ig.score_baseline or 0.0)
        raise Refusal(
            f"Integrated Gradients' completeness fails on the known chip: the attributions sum to "
            f"{float(ig.heatmap.sum()):.4g} where the output moves by {moved:.4g} "
            f"(error {relative or float('nan'):.1%} relative and {absolute or float('nan'):.3g} absolute, over the "
            f"service's {APPROXIMATE_RELATIVE:.0%} and {APPROXIMATE_ABSOLUTE}, with {ig_options.steps} "
            f"{ig_options.rule.value} steps): the model is not differentiable end to end (a rounding, a "
            "stop_gradient, an integer cast or a lookup inside it)"
        )
    if not np.isfinite(relative) or abs((ig.score_input or 0.0) - (ig.score_baseline or 0.0)) < 1e-6:
        relative = float("nan")  # the output does not move from the black baseline: nothing to attribute here
    return {
        "known_chip": f"facexai.core.chips.known_chip({spec.input_size})",
        "output_sum": round(total, 6),
        "top_class": spec.labels[top],
        "top_probability": round(float(probabilities[top]), 6),
        "gradcam_map": list(cam.heatmap.shape),
        "ig_steps": ig_options.steps,
        "ig_rule": ig_options.rule.value,
        "ig_completeness_error": None if np.isnan(relative) else round(float(relative), 6),
        "ig_completeness_error_abs": round(float(absolute), 6),
        "parameters": int(loaded.model.count_params()),
    }


def supplied_record(source: Path, checks: dict[str, Any]) -> dict[str, Any]:
    """Who added the model, when, from what file (its sha256, checked at every load), and what ``add`` measured."""
    import getpass
    import socket
    import time

    import keras

    from facexai.core.checksums import file_sha256

    try:
        user = getpass.getuser()
    except (KeyError, OSError):  # no user name in a bare container
        user = "unknown"
    return {
        "by": f"{user}@{socket.gethostname()}",
        "at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "from": str(source.resolve()),
        "sha256": file_sha256(source),
        "bytes": source.stat().st_size,
        "keras": keras.__version__,
        "checks": checks,
    }


def model_card(spec: Any) -> str:
    """The card the models page shows, written from what ``add`` learnt."""
    from facexai.models.preprocessing import DESCRIPTIONS

    s, c = spec.supplied, spec.supplied["checks"]
    lines = [
        f"# {spec.display_name}",
        "",
        f"**A model you supplied**, added with `facexai models add` by {s['by']} on {s['at']} from `{s['from']}` "
        f"(sha256 `{s['sha256'][:16]}…`, {s['bytes']:,} bytes, Keras {s['keras']}). This project did not train it "
        "and has not evaluated it: its accuracy per race comes from `facexai audit` (docs/your_model.md).",
        "",
        spec.description,
        "",
        "## What it takes and gives",
        "",
        f"- Task `{spec.task}`, {len(spec.labels)} classes: {', '.join(spec.labels)}",
        f"- Input: the service's dlib-aligned face chip at {spec.input_size}×{spec.input_size} px, "
        f"{DESCRIPTIONS.get(spec.preprocessing, spec.preprocessing)} (`{spec.preprocessing}`)",
        f"- Output: {'logits (the service adds the softmax)' if spec.output == 'logits' else 'probabilities'}",
        f"- Grad-CAM layer: `{spec.gradcam_layer}` ({c['gradcam_layer_from']}; a {c['gradcam_map'][0]}×"
        f"{c['gradcam_map'][1]} map)",
        f"- {c['parameters']:,} parameters",
    ]
    if spec.label_map:
        lines += ["", "## Its labels in FairFace's terms", "", "| its label | FairFace label(s) |", "| --- | --- |"]
        lines += [f"| {k} | {', '.join(v) if v else '(unmapped)'} |" for k, v in spec.label_map.items()]
    lines += [
        "",
        "## Checked when it was added",
        "",
        f"On a known chip (`{c['known_chip']}`, a drawn face): the output sums to {c['output_sum']:.4f}; its top "
        f"class is {c['top_class']} ({c['top_probability']:.1%}); Integrated Gradients' completeness error is "
        + (
            f"{c['ig_completeness_error']:.2%} ({c['ig_completeness_error_abs']:.2g} absolute)"
            if c["ig_completeness_error"] is not None
            else f"{c['ig_completeness_error_abs']:.2g} absolute (the output does not move from the black baseline "
            "on this chip, so no relative error)"
        )
        + f" with {c['ig_steps']} {c['ig_rule']} steps, within the service's rule (5% relative or 0.01 absolute).",
        "",
    ]
    return "\n".join(lines)


def write_model(plan: dict[str, Any], manifest_file: Path) -> None:
    """Copy the file, write the card and the manifest entry; undone when a step fails."""
    import os
    import shutil

    spec, source, destination = plan["spec"], plan["source"], plan["destination"]
    folder = manifest_file.parent
    folder.mkdir(parents=True, exist_ok=True)
    card = folder / spec.card
    before = manifest_file.read_bytes() if manifest_file.is_file() else None
    saved = {p: p.read_bytes() for p in (destination, card) if p.is_file()}  # --replace: put back on failure
    tmp = destination.with_name(f".{destination.name}.adding")
    try:
        shutil.copyfile(source, tmp)
        os.replace(tmp, destination)
        card.write_text(plan["card"])
        manifest = read_manifest(manifest_file)
        manifest.upsert(spec)
        manifest.save(manifest_file)
    except BaseException:
        tmp.unlink(missing_ok=True)
        for p in (destination, card):
            if p in saved:
                p.write_bytes(saved[p])
            else:
                p.unlink(missing_ok=True)
        if before is not None:
            manifest_file.write_bytes(before)
        raise


# ------------------------------------------------------------------------------------------------ list, remove


def run_list(args: argparse.Namespace) -> int:
    from facexai.models.manifest import ManifestError, load_manifest

    path = manifest_path(args)
    try:
        manifest = load_manifest(path, lenient=True)
    except ManifestError as exc:
        print(f"facexai: {exc}", file=sys.stderr)
        return 2
    print(f"{path}:")
    for spec in manifest.models:
        whose = f"yours, added {spec.supplied.get('at', '')}" if spec.user_supplied else "bundle"
        state = "ok" if manifest.path_of(spec).is_file() else f"FILE MISSING: {spec.file}"
        mapped = " (label map)" if spec.label_map else ""
        print(
            f"  {spec.name:<16} {spec.task:<8} {len(spec.labels):>3} labels{mapped}  {spec.file:<24} {whose}  {state}"
        )
    for entry in manifest.invalid:
        print(f"  {entry.name:<16} INVALID: {entry.reason}")
    return 0


def run_remove(args: argparse.Namespace) -> int:
    from facexai.models.manifest import ManifestError, ModelSpec, load_manifest

    path = manifest_path(args)
    try:
        manifest = load_manifest(path, lenient=True)
        entry = manifest.remove(args.name)
    except ManifestError as exc:
        print(f"facexai: {exc}", file=sys.stderr)
        return 2
    except KeyError:
        print(f"facexai: {path} has no model {args.name!r}", file=sys.stderr)
        return 2
    supplied = isinstance(entry, ModelSpec) and entry.user_supplied
    if isinstance(entry, ModelSpec) and not supplied and not args.force:
        print(f"facexai: {args.name} is one of the bundle's models; --force removes it anyway", file=sys.stderr)
        return 2
    manifest.save(path)
    removed = []
    if isinstance(entry, ModelSpec):
        in_use = {s.file for s in manifest.models} | {s.card for s in manifest.models if s.card}
        for name in (entry.file, entry.card if supplied else None):
            if name and name not in in_use and (path.parent / name).is_file():
                (path.parent / name).unlink()
                removed.append(name)
    print(f"removed {args.name} from {path}" + (f" and {', '.join(removed)}" if removed else ""))
    return 0
