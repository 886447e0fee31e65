"""Sanity checks for saliency maps (Adebayo et al., 2018, "Sanity checks for saliency maps"): does a
map depend on what the model learned, and on the class it explains?

* **Model parameter randomisation.** The model's weighted layers are grouped into blocks (the dlib
  ResNet's stages; for another architecture its weighted layers in order, the last one the head) and
  re-initialised with each layer's own Keras initialiser and a fixed seed, **cascading** from the top
  block down (each step keeps the blocks above randomised) and **independently** (one block at a
  time, the others trained). After each step the map of the same class (the trained model's
  prediction) is compared with the trained model's map.
* **Random logit.** The trained model's map of its predicted class against its map of another class,
  drawn at random per face (seeded by the face's file name, so any batching gives the same draw).

Similarity of two maps (both >= 0: |IG| summed over channels at the input's resolution, Grad-CAM
upsampled bilinearly to it): Spearman's rank correlation (``scipy.stats.spearmanr``), SSIM of the
maps each divided by its maximum (``skimage.metrics.structural_similarity``, data range 1) and the
Pearson correlation of their histograms of oriented gradients (``skimage.feature.hog``), as in the
paper. Quantus, the library the paper's authors' group maintains, is not used: its 0.6.0 declares
TensorFlow support only for ``tensorflow<2.16``, ``keras<3`` and ``numpy<2`` (docs/sanity.md).

**Undefined similarities** (a constant map: Grad-CAM with no positive evidence, an IG map of a
network whose output no longer moves) are never stored as null: a face whose *trained* map is
constant has nothing to compare and is left out of that method (``n`` reduced); a constant map
after randomisation (or of the other class) kept nothing of the trained map and counts as 0.

This module holds the pieces a worker needs (blocks, randomisation, similarity, one batch) and the
summary the report writes (``section``); nothing here reads a face image back out: a shard holds
similarities and 28 x 28 maps only.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from facexai.evaluation.audit.regions import SMALL
from facexai.explain.render import small_map

#: the methods checked, as audit.json names them, and their shard prefixes
METHODS: dict[str, str] = {"integrated_gradients": "ig", "grad_cam": "gc"}
#: the similarity measures, as audit.json names them
MEASURES = ("spearman", "ssim", "hog")
#: a map that keeps a rank correlation whose interval lies above this after every block is randomised
#: has not been shown to depend on the weights: the method fails the check for that model
FAIL_ABOVE = 0.5
#: a map that passes but keeps a mean rank correlation of at least this once every block is random is
#: worded as depending only in part on the weights
PARTLY_ABOVE = 0.3
#: the dlib ResNet's blocks, top first: the head, then its stages (facexai.models.dlib_resnet)
DLIB_BLOCKS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("head", ("head", "logits")),
    ("conv28-29", ("conv28", "conv29")),
    ("conv22-27", tuple(f"conv{i}" for i in range(22, 28))),
    ("conv16-21", tuple(f"conv{i}" for i in range(16, 22))),
    ("conv8-15", tuple(f"conv{i}" for i in range(8, 16))),
    ("conv1-7", tuple(f"conv{i}" for i in range(1, 8))),
)
#: another architecture's weighted layers below the head, split into this many blocks
GENERIC_BLOCKS = 4


@dataclass(frozen=True)
class Block:
    name: str
    layers: tuple[str, ...]


def blocks_of(model: Any, architecture: str = "") -> list[Block]:
    """The model's blocks of weighted layers, top (the head) first."""
    weighted = [layer.name for layer in model.layers if layer.weights]
    if architecture == "dlib_resnet":
        have = set(weighted)
        blocks = [Block(name, tuple(n for n in names if n in have)) for name, names in DLIB_BLOCKS]
        return [b for b in blocks if b.layers]
    if not weighted:
        return []
    head, rest = weighted[-1], weighted[:-1]
    groups = (
        [list(g) for g in np.array_split(np.array(rest, dtype=object), min(GENERIC_BLOCKS, len(rest)))] if rest else []
    )
    out = [Block("head", (head,))]
    for group in reversed([g for g in groups if g]):
        out.append(Block(group[0] if len(group) == 1 else f"{group[0]}..{group[-1]}", tuple(group)))
    return out


def randomise(model: Any, layers: Sequence[str], seed: int) -> None:
    """Re-initialise ``layers``' weights in place with each layer's own initialisers (``kernel_initializer``
    for ``kernel`` …), seeded by ``seed`` and the layer; a weight without one gets Glorot uniform (>= 2-D)
    or zeros."""
    import keras

    for name in layers:
        layer = model.get_layer(name)
        for k, variable in enumerate(layer.weights):
            short = variable.path.split("/")[-1] if hasattr(variable, "path") else variable.name.split("/")[-1]
            short = short.split(":")[0]
            init = getattr(layer, f"{short}_initializer", None)
            if init is None:
                init = keras.initializers.GlorotUniform() if len(variable.shape) >= 2 else keras.initializers.Zeros()
            config = init.get_config()
            if "seed" in config:
                config["seed"] = int(zlib.crc32(f"{seed}/{name}/{k}".encode()) % (2**31))
                init = type(init).from_config(config)
            variable.assign(np.asarray(init(tuple(variable.shape), dtype=variable.dtype)))


def snapshot(model: Any) -> list[np.ndarray]:
    return [np.array(w) for w in model.get_weights()]


# ------------------------------------------------------------------------------------------ similarity


def constant(a: np.ndarray) -> bool:
    a = np.asarray(a, np.float64)
    return not np.all(np.isfinite(a)) or float(np.ptp(a)) <= 1e-12 * max(float(np.abs(a).max()), 1e-30)


def _hog(a: np.ndarray) -> np.ndarray:
    from skimage.feature import hog

    side = a.shape[0]
    cell = max(4, side // 16)
    return np.asarray(hog(a, orientations=9, pixels_per_cell=(cell, cell), cells_per_block=(2, 2)), np.float64)


def similarity(trained: np.ndarray, other: np.ndarray) -> dict[str, float]:
    """Spearman, SSIM and HOG correlation of two maps (>= 0, same shape). NaN when ``trained`` is
    constant (nothing to compare: left out); 0 when only ``other`` is (it kept nothing)."""
    from scipy.stats import pearsonr, spearmanr
    from skimage.metrics import structural_similarity

    a, b = np.asarray(trained, np.float64), np.asarray(other, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"maps of different shapes {a.shape} and {b.shape}")
    if constant(a):
        return dict.fromkeys(MEASURES, float("nan"))
    if constant(b):
        return dict.fromkeys(MEASURES, 0.0)
    an, bn = a / a.max(), b / b.max()
    rho = float(spearmanr(a.ravel(), b.ravel()).statistic)
    ssim = float(structural_similarity(an, bn, data_range=1.0))
    ha, hb = _hog(an), _hog(bn)
    hog = 0.0 if constant(ha) or constant(hb) else float(pearsonr(ha, hb).statistic)
    return {"spearman": rho, "ssim": ssim, "hog": hog}


# ------------------------------------------------------------------------------------------- one batch


@dataclass(frozen=True)
class SanityOptions:
    """What a sanity run computes; its shard key."""

    seed: int = 0
    modes: tuple[str, ...] = ("cascading", "independent")
    methods: tuple[str, ...] = tuple(METHODS)

    def key(self) -> dict[str, Any]:
        return {"seed": self.seed, "modes": list(self.modes), "methods": list(self.methods), "version": 1}

    @classmethod
    def from_key(cls, key: dict[str, Any]) -> SanityOptions:
        return cls(seed=int(key["seed"]), modes=tuple(key["modes"]), methods=tuple(key["methods"]))


def other_class(file: str, target: int, classes: int, seed: int) -> int:
    """A class other than ``target``, drawn from the face's file name and the seed."""
    draw = zlib.crc32(f"{seed}/{file}".encode()) % (classes - 1)
    return int(draw if draw < target else draw + 1)


#: (method, batch, targets) -> one map per image (>= 0, the input's size)
MapsFn = Callable[[str, np.ndarray, list[int]], list[np.ndarray]]


@dataclass
class Randomisable:
    """A model whose weights the check re-initialises (a copy, never the served one) and how to get its maps."""

    model: Any
    blocks: list[Block]
    maps: MapsFn
    predict: Callable[[np.ndarray], np.ndarray]
    trained: list[np.ndarray] = field(default_factory=list)
    settings: dict[str, Any] = field(default_factory=dict)  # what ``maps`` reads (the IG options)
    prepare: Callable[[list[np.ndarray]], np.ndarray] | None = None  # uint8 RGB chips -> the model's batch

    def __post_init__(self) -> None:
        self.trained = snapshot(self.model)

    def restore(self) -> None:
        self.model.set_weights(self.trained)


def sanity_batch(
    subject: Randomisable, files: Sequence[str], batch: np.ndarray, options: SanityOptions
) -> dict[str, np.ndarray]:
    """Every check on one batch: per method, the similarities of each randomisation step (cascading and
    independent, top block first) and of the random logit, and the small maps of the trained model and
    each cascading step. The model is restored to its trained weights on the way out."""
    n, steps = len(files), len(subject.blocks)
    out: dict[str, Any] = {"files": np.array(list(files))}
    try:
        subject.restore()
        probs = subject.predict(batch)
        targets = probs.argmax(axis=1).astype(int).tolist()
        others = [other_class(f, t, probs.shape[1], options.seed) for f, t in zip(files, targets, strict=True)]
        out["probs"] = probs.astype(np.float32)
        out["targets"] = np.array(targets, np.int32)
        out["other_targets"] = np.array(others, np.int32)
        trained = {m: subject.maps(m, batch, targets) for m in options.methods}
        for m in options.methods:
            p = METHODS[m]
            logit = subject.maps(m, batch, others)
            sims = [similarity(a, b) for a, b in zip(trained[m], logit, strict=True)]
            for measure in MEASURES:
                out[f"{p}_logit_{measure}"] = np.array([s[measure] for s in sims], np.float32)
            out[f"{p}_trained_constant"] = np.array([constant(a) for a in trained[m]])
            out[f"{p}_maps"] = np.zeros((n, steps + 1, SMALL, SMALL), np.float16)
            out[f"{p}_maps"][:, 0] = np.stack([small_map(a, SMALL) for a in trained[m]])
        for mode in options.modes:
            arrays = {
                f"{METHODS[m]}_{mode}_{measure}": np.zeros((n, steps), np.float32)
                for m in options.methods
                for measure in MEASURES
            }
            subject.restore()
            for k, block in enumerate(subject.blocks):
                if mode == "independent":
                    subject.restore()
                randomise(subject.model, block.layers, options.seed + k)
                for m in options.methods:
                    p = METHODS[m]
                    after = subject.maps(m, batch, targets)
                    for i, (a, b) in enumerate(zip(trained[m], after, strict=True)):
                        s = similarity(a, b)
                        for measure in MEASURES:
                            arrays[f"{p}_{mode}_{measure}"][i, k] = s[measure]
                    if mode == "cascading":
                        out[f"{p}_maps"][:, k + 1] = np.stack([small_map(b, SMALL) for b in after])
            out.update(arrays)
    finally:
        subject.restore()
    return out


#: (manifest root, model) -> its randomisable copy, one per worker process
_SUBJECTS: dict[tuple[str, str], Randomisable] = {}


def subject(registry: Any, name: str, ig: Any) -> Randomisable:
    """A randomisable copy of a registry's model (loaded again, never the served one), with its explainers
    built the registry's way (facexai.models.registry.load_one) and IG run with ``ig``."""
    from facexai.explain.methods import METHODS as METHOD_OBJECTS
    from facexai.explain.options import ExplainMethod
    from facexai.models.registry import load_one

    key = (str(registry.manifest.root), name)
    if key not in _SUBJECTS:
        spec = registry.manifest.get(name)
        loaded = load_one(registry.manifest, spec)
        size = spec.input_size
        settings: dict[str, Any] = {}

        def maps(method: str, batch: np.ndarray, targets: list[int]) -> list[np.ndarray]:
            atts = loaded.explain(ExplainMethod(method), batch, targets, settings["ig"])
            # the map the audit reduces: |IG| at the input's resolution, Grad-CAM upsampled to it
            return [METHOD_OBJECTS[ExplainMethod(method)].audit_map(a.heatmap, size) for a in atts]

        _SUBJECTS[key] = Randomisable(
            loaded.model,
            blocks_of(loaded.model, spec.architecture),
            maps,
            loaded.predict,
            settings=settings,
            prepare=loaded.prepare_batch,
        )
    made = _SUBJECTS[key]
    made.settings["ig"] = ig
    return made


def run_items(registry: Any, chips: Any, name: str, items: list, ig: dict[str, Any], sanity: dict[str, Any]) -> tuple:
    """A worker's sanity task: (arrays, failed) for ``items`` (file, bytes, target) of model ``name``;
    ``chips(name, items)`` decodes them (the worker's own)."""
    import json

    from facexai.explain.options import IGOptions

    batch, kept, failed = chips(name, items)
    if not kept:
        return {}, failed
    made = subject(registry, name, IGOptions(**ig))
    files = [f for f, _, _ in kept]
    arrays = sanity_batch(made, files, batch, SanityOptions.from_key(sanity))
    arrays["blocks"] = np.array([json.dumps([[b.name, list(b.layers)] for b in made.blocks])] * len(files))
    return arrays, failed


def blocks_from(arrays: dict[str, np.ndarray]) -> list[Block]:
    """The blocks a shard's rows were computed with."""
    import json

    if "blocks" not in arrays or not len(arrays["blocks"]):
        return []
    return [Block(name, tuple(layers)) for name, layers in json.loads(str(arrays["blocks"][0]))]


# --------------------------------------------------------------------------------------------- summary


def _interval(values: np.ndarray, n_boot: int, seed: int) -> dict[str, float]:
    """Mean of the defined values with a 95% percentile-bootstrap interval; a single value or equal
    values: the interval is the mean; none: zeros."""
    from facexai.evaluation.audit.stats import mean_ci

    v = np.asarray(values, np.float64)
    v = v[np.isfinite(v)]
    if v.size == 0:
        return {"mean": 0.0, "ci_low": 0.0, "ci_high": 0.0}
    mean = float(v.mean())
    if v.size < 2 or float(np.ptp(v)) == 0.0:
        return {"mean": mean, "ci_low": mean, "ci_high": mean}
    ci = mean_ci(v[:, None], n_resamples=n_boot, seed=seed)
    return {"mean": mean, "ci_low": float(ci["ci_low"][0]), "ci_high": float(ci["ci_high"][0])}


def _step(arrays: dict[str, np.ndarray], prefix: str, column: int | None, n_boot: int, seed: int) -> dict[str, Any]:
    def col(measure: str) -> np.ndarray:
        a = arrays[f"{prefix}_{measure}"]
        return a if column is None else a[:, column]

    values = {m: col(m) for m in MEASURES}
    defined = np.isfinite(values["spearman"])
    step: dict[str, Any] = {
        "n": int(defined.sum()),
        # the defined values that are 0 because the other map was constant (counted as 0, not left out)
        "constant_maps": int(
            sum(np.all(np.array([values[m][i] for m in MEASURES]) == 0) for i in np.flatnonzero(defined))
        ),
    }
    step.update({m: _interval(values[m], n_boot, seed) for m in MEASURES})
    return step


def method_section(
    arrays: dict[str, np.ndarray], method: str, blocks: list[Block], n_boot: int = 2000, seed: int = 0
) -> dict[str, Any]:
    """One model's and method's result: ``cascading`` and ``independent`` (a step per block, top first,
    each with the layers randomised so far / alone), ``random_logit``, ``passes`` and ``summary``."""
    p = METHODS[method]
    out: dict[str, Any] = {}
    for mode in ("cascading", "independent"):
        if f"{p}_{mode}_spearman" not in arrays:
            continue
        steps = []
        for k, block in enumerate(blocks):
            layers = [name for b in blocks[: k + 1] for name in b.layers] if mode == "cascading" else list(block.layers)
            steps.append({"block": block.name, "layers": layers, **_step(arrays, f"{p}_{mode}", k, n_boot, seed)})
        out[mode] = steps
    out["random_logit"] = _step(arrays, f"{p}_logit", None, n_boot, seed)
    classes = int(arrays["probs"].shape[1]) if "probs" in arrays else 0
    out.update(verdict(method, out, classes))
    return out


METHOD_NAMES = {"integrated_gradients": "IG", "grad_cam": "Grad-CAM"}


def _r(v: dict[str, float]) -> str:
    return f"{v['mean']:.2f} ({v['ci_low']:.2f}–{v['ci_high']:.2f})"


def verdict(method: str, result: dict[str, Any], classes: int = 0) -> dict[str, Any]:
    """``passes`` (the map no longer resembles the trained one once every block is random: the rank
    correlation's interval reaches below FAIL_ABOVE), ``random_logit_passes`` (likewise for another
    class's map) and a one-sentence ``summary``."""
    name = METHOD_NAMES.get(method, method)
    steps = result.get("cascading") or []
    logit = result["random_logit"]
    logit_passes = bool(logit["spearman"]["ci_low"] < FAIL_ABOVE)
    if not steps:
        return {"passes": logit_passes, "random_logit_passes": logit_passes, "summary": ""}
    top, last = steps[0], steps[-1]
    passes = bool(last["spearman"]["ci_low"] < FAIL_ABOVE)
    first = (
        f"after randomising the top block ({top['block']}), the {name} map keeps a rank correlation of "
        f"{_r(top['spearman'])} with the trained one, and {_r(last['spearman'])} once every block is random"
    )
    if not passes:
        tail = (
            f": the map survives randomising every weight (above {FAIL_ABOVE}), so it shows the input more than what "
            "the model learned"
        )
    elif last["spearman"]["mean"] < PARTLY_ABOVE:
        tail = ": the map depends on what the model learned"
    else:
        tail = ": it changes with the weights, but part of it follows the photo whatever the weights are"
    if classes == 2 and logit["spearman"]["ci_low"] > 0.99:
        why = (
            " (with two classes the other class's probability is one minus this one's, so its map is this map with "
            "the sign flipped: only the signed view tells the classes apart)"
        )
    else:
        why = " (the map says where the face has evidence more than for which class)"
    logit_words = f"; another class's map correlates {_r(logit['spearman'])} with the predicted class's" + (
        "" if logit_passes else why
    )
    return {"passes": passes, "random_logit_passes": logit_passes, "summary": first + tail + logit_words + "."}


def section(
    arrays_by_model: dict[str, dict[str, np.ndarray]],
    blocks_by_model: dict[str, list[Block]],
    n_boot: int = 2000,
    seed: int = 0,
) -> dict[str, dict[str, Any]]:
    """audit.json's ``sanity``: model -> method -> its result (``method_section``)."""
    out: dict[str, dict[str, Any]] = {}
    for model, arrays in arrays_by_model.items():
        if not len(arrays.get("files", [])):
            continue
        out[model] = {
            method: method_section(arrays, method, blocks_by_model[model], n_boot, seed)
            for method, p in METHODS.items()
            if f"{p}_logit_spearman" in arrays
        }
    return out


def mean_maps(arrays: dict[str, np.ndarray], method: str) -> np.ndarray:
    """(steps + 1, SMALL, SMALL): the mean small map of the trained model and of each cascading step."""
    maps = np.asarray(arrays[f"{METHODS[method]}_maps"], np.float32)
    return maps.mean(axis=0) if len(maps) else np.zeros(maps.shape[1:], np.float32)


# ----------------------------------------------------------------------------------------- the report


def describe(config: Any, blocks_by_model: dict[str, list[Block]]) -> dict[str, Any]:
    """audit.json's ``sanity_settings``: how the section was computed and how to read it."""
    from dataclasses import asdict

    return {
        "models": list(blocks_by_model),
        "modes": list(config.sanity_modes),
        "explained": "each face's predicted class (the trained model's), the same class after every randomisation",
        "ig": {k: getattr(v, "value", v) for k, v in asdict(config.ig).items()},
        "seed": config.seed,
        "blocks": {m: [{"block": b.name, "layers": list(b.layers)} for b in bs] for m, bs in blocks_by_model.items()},
        "randomisation": "each layer's weights re-initialised with its own Keras initialiser (seeded); cascading: "
        "from the top block down, the blocks above kept random; independent: one block at a time",
        "measures": {
            "spearman": "Spearman rank correlation of the two maps (|IG| at the input's resolution; Grad-CAM "
            "upsampled bilinearly to it)",
            "ssim": "SSIM of the two maps each divided by its maximum (scikit-image, data range 1)",
            "hog": "Pearson correlation of the maps' histograms of oriented gradients (scikit-image)",
        },
        "undefined": "a face whose trained map is constant is left out of that method (n reduced); a constant map "
        "after randomisation, or of the other class, counts as 0 (constant_maps says how many)",
        "interval": "mean over faces, 95% percentile bootstrap",
        "fail_above": FAIL_ABOVE,
        "face": str(config.sanity_face) if getattr(config, "sanity_face", None) else None,
        "passes": f"the rank correlation after every block is randomised has its interval reaching below {FAIL_ABOVE}",
    }


def bundle_file(config: Any, sections: dict[str, Any]) -> dict[str, Any]:
    """models/sanity.json (facexai.models.sanity)."""
    from dataclasses import asdict

    return {
        "version": 1,
        "made_by": "facexai audit --sanity",
        "labels": config.labels.name,
        "limit": config.limit,
        "faces_per_race": config.population,
        "seed": config.seed,
        "ig": {k: getattr(v, "value", v) for k, v in asdict(config.ig).items()},
        "explained": "predicted class",
        "modes": list(config.sanity_modes),
        "fail_above": FAIL_ABOVE,
        "models": sections,
    }


def figure(name: str, result: dict[str, Any], arrays: dict[str, np.ndarray]) -> Any:
    """One model's figure: per method, the similarity curve as blocks are randomised (cascading, with
    95% bands; the random logit on the right), and the row of maps at each step: the ``--sanity-face``
    photo's when given (``face_<p>_maps``), else the mean over the faces of each face's map divided by its
    sum (no single FairFace face is drawn)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    methods = [m for m in METHODS if m in result]
    steps = len(result[methods[0]].get("cascading", [])) if methods else 0
    fig = plt.figure(figsize=(4.2 + 1.15 * (steps + 1), 2.6 * len(methods)))
    grid = fig.add_gridspec(len(methods), steps + 4)
    for row, method in enumerate(methods):
        r = result[method]
        ax = fig.add_subplot(grid[row, 0:3])
        casc = r.get("cascading", [])
        xs = np.arange(len(casc) + 1)
        ticks = ["trained"] + [("+" if k else "") + s["block"] for k, s in enumerate(casc)]
        for measure, colour in zip(MEASURES, ("C0", "C1", "C2"), strict=True):
            mean = [1.0] + [s[measure]["mean"] for s in casc]
            low = [1.0] + [s[measure]["ci_low"] for s in casc]
            high = [1.0] + [s[measure]["ci_high"] for s in casc]
            ax.plot(xs, mean, marker="o", ms=3, color=colour, label=measure)
            ax.fill_between(xs, low, high, color=colour, alpha=0.2)
            logit = r["random_logit"][measure]
            ax.errorbar(
                [len(casc) + 1],
                [logit["mean"]],
                yerr=[[logit["mean"] - logit["ci_low"]], [logit["ci_high"] - logit["mean"]]],
                fmt="s",
                ms=4,
                color=colour,
            )
        ax.axhline(FAIL_ABOVE, color="grey", lw=0.7, ls="--")
        ax.set_xticks([*xs, len(casc) + 1], [*ticks, "random\nclass"], rotation=45, fontsize=6, ha="right")
        ax.set_ylim(-0.2, 1.05)
        verdict_word = "passes" if r.get("passes") else "FAILS"
        ax.set_title(f"{name}: {METHOD_NAMES[method]} ({verdict_word}), n={r['random_logit']['n']}", fontsize=8)
        if row == 0:
            ax.legend(fontsize=6, loc="upper right")
        face = arrays.get(f"face_{METHODS[method]}_maps")
        maps = np.asarray(face, np.float32) if face is not None else mean_maps(arrays, method)
        top = float(maps.max()) or 1.0
        for k in range(min(steps + 1, len(maps))):
            axm = fig.add_subplot(grid[row, 3 + k])
            axm.imshow(maps[k], cmap="inferno", vmin=0, vmax=top)
            axm.set_title(ticks[k], fontsize=6)
            axm.axis("off")
    fig.tight_layout()
    return fig


def html_section(safe: dict[str, Any], gathered_sanity: dict[str, dict[str, np.ndarray]], png: Callable) -> str:
    """audit.html's part: what was done, then per model its sentences and figure."""
    import html

    e = html.escape
    sections = safe.get("sanity") or {}
    if not sections:
        return ""
    settings = safe.get("sanity_settings", {})
    undefined = settings.get("undefined", "")
    parts = [
        "<h2>Do the maps depend on the model? Sanity checks</h2>",
        f"<p>Adebayo et al. (2018): {e(settings.get('randomisation', ''))}. The map of each face's predicted class "
        "is compared with the trained model's by Spearman rank correlation, SSIM and the correlation of histograms "
        f"of gradients; the random class compares the predicted class's map with another class's. "
        f"{e(undefined[:1].upper() + undefined[1:])}. A method fails for a model when its map keeps a rank "
        f"correlation above {FAIL_ABOVE} (the whole interval) after every block is randomised. "
        + (
            f"The row of maps is one public-domain face's ({e(Path(settings['face']).name)}) at each step.</p>"
            if settings.get("face")
            else "The maps drawn are means over the faces of each face's map divided by its sum; no single face is "
            "drawn.</p>"
        ),
    ]
    for model, methods in sections.items():
        parts.append(f"<h3>{e(model)}</h3><ul>")
        for method, r in methods.items():
            warn = "" if r.get("passes") else " <b class='sig'>fails</b>"
            parts.append(f"<li>{e(METHOD_NAMES.get(method, method))}{warn}: {e(r.get('summary', ''))}</li>")
        parts.append("</ul>")
        if model in gathered_sanity and len(gathered_sanity[model].get("files", [])):
            parts.append(png(figure(model, methods, gathered_sanity[model])))
    return "\n".join(parts)


def face_maps(config: Any, models: list[str]) -> dict[str, dict[str, np.ndarray]]:
    """``--sanity-face``: one photo's maps (a public-domain face: FairFace's are real people) at each cascading
    step, model -> {"<p>_maps": (steps + 1, SMALL, SMALL)}, computed here in the driver on copies of the models."""
    from facexai.core.chips import resize_chip
    from facexai.core.faces import largest_face_chip
    from facexai.models.manifest import load_manifest
    from facexai.models.registry import ModelRegistry

    manifest = load_manifest(config.manifest)
    chip = largest_face_chip(Path(config.sanity_face).read_bytes())
    out: dict[str, dict[str, np.ndarray]] = {}
    options = SanityOptions(seed=config.seed, modes=("cascading",))
    for name in models:
        registry = ModelRegistry(manifest, {})  # subject() loads its own copy
        spec = manifest.get(name)
        made = subject(registry, name, config.ig)
        assert made.prepare is not None
        batch = made.prepare([resize_chip(chip, spec.input_size)])
        arrays = sanity_batch(made, [Path(config.sanity_face).name], batch, options)
        out[name] = {k: v[0] for k, v in arrays.items() if k.endswith("_maps")}
    return out


def report(g: Any, config: Any, n_boot: int) -> dict[str, Any]:
    """{"sanity", "sanity_settings", "sanity_bundle"} for write_outputs; {} without --sanity results."""
    arrays = {m: a for m, a in g.sanity.items() if a and len(a.get("files", []))}
    if not arrays:
        return {}
    blocks = {m: blocks_from(a) for m, a in arrays.items()}
    sections = section(arrays, blocks, n_boot, config.seed)
    if getattr(config, "sanity_face", None):  # the figure's row: this photo's maps instead of the faces' mean
        for model, maps in face_maps(config, list(arrays)).items():
            g.sanity[model].update({f"face_{k}": v for k, v in maps.items()})
    return {
        "sanity": sections,
        "sanity_settings": describe(config, blocks),
        "sanity_bundle": bundle_file(config, sections),
    }
