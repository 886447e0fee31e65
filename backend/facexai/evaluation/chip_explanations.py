"""Explain one labelled test chip with every model: Integrated Gradients and Grad-CAM for the
top class, and IG for every class in a grid (3x3 for age and race, 1x2 for gender).

Uses the service's explanation code (facexai.explain) unchanged, so the figures show exactly
what the service computes. The figures contain the face: write them to an ignored folder only.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from facexai.core.fairface import load_image
from facexai.explain import render
from facexai.explain.base import Attribution
from facexai.explain.options import ExplainedOutput, IGOptions, QuadratureRule
from facexai.models.manifest import ModelSpec

if TYPE_CHECKING:
    from facexai.models.registry import LoadedModel

DPI = 110


@dataclass
class Sample:
    file: str
    labels: dict[str, str]  # column -> true label
    path: Path


def grid_shape(num_classes: int) -> tuple[int, int]:
    """The seed's layout: 1 x 2 for two classes, otherwise a square grid (3 x 3 for 7 or 9)."""
    if num_classes <= 2:
        return 1, num_classes
    side = math.ceil(math.sqrt(num_classes))
    return math.ceil(num_classes / side), side


def explain_sample(
    loaded: LoadedModel, sample: Sample, out: Path, steps: int, rule: str, output: str
) -> dict[str, Any]:
    """Write ``<model>_explanation.png`` and ``<model>_ig_per_class.png``; return the numbers.

    ``loaded`` comes from facexai.models.registry, so the explainers are the service's own."""
    spec = loaded.spec
    face = load_image(sample.path, spec.input_size)
    x = loaded.prepare(face)

    grad_cam = loaded.gradcam.explain(x[None])[0]
    probs, cam, top = grad_cam.probabilities, grad_cam.heatmap, grad_cam.target
    every_class = list(range(len(spec.labels)))
    per_class = loaded.ig.explain(
        np.repeat(x[None], len(every_class), axis=0),
        every_class,
        IGOptions(steps=steps, rule=QuadratureRule(rule), output=ExplainedOutput(output)),
    )
    top_ig = per_class[top]

    truth = sample.labels.get(spec.task)
    figures = [
        _explanation_figure(spec, face, probs, top, truth, top_ig, cam, out / f"{spec.name}_explanation.png"),
        _class_grid(spec, face, probs, truth, per_class, out / f"{spec.name}_ig_per_class.png"),
    ]
    return {
        "model": spec.name,
        "task": spec.task,
        "true_label": truth,
        "predicted": spec.labels[top],
        "correct": truth == spec.labels[top],
        "probabilities": {label: float(p) for label, p in zip(spec.labels, probs, strict=True)},
        "ig": {
            "steps": steps,
            "rule": rule,
            "output": output,
            "completeness_error_top": top_ig.completeness_error,
            "completeness_error_by_class": {
                label: a.completeness_error for label, a in zip(spec.labels, per_class, strict=True)
            },
            "ms_per_class": float(np.mean([a.elapsed_ms for a in per_class])),
        },
        "gradcam": {"layer": spec.gradcam_layer, "map_shape": list(cam.shape), "ms": grad_cam.elapsed_ms},
        "figures": [f.name for f in figures],
    }


def _grey(face: np.ndarray) -> np.ndarray:
    """The face in grey, so coloured heatmaps laid over it stand out."""
    return np.repeat(face.mean(axis=-1, keepdims=True), 3, axis=-1).astype(np.uint8)


def _title(spec: ModelSpec, label: str, prob: float) -> str:
    return f"{label}: {100 * prob:.1f}%"


def _explanation_figure(
    spec: ModelSpec,
    face: np.ndarray,
    probs: np.ndarray,
    top: int,
    truth: str | None,
    ig_top: Attribution,
    cam: np.ndarray,
    path: Path,
) -> Path:
    heat = ig_top.heatmap
    size = (face.shape[1], face.shape[0])
    cam_unit, _ = render.gradcam_unit(cam, size)
    panels = [
        ("input", face),
        ("IG |attribution|", render.overlay(_grey(face), render.ig_magnitude(heat), "inferno")),
        ("IG signed (red for, blue against)", render.colorize(render.ig_signed(heat), "RdBu_r")),
        (f"Grad-CAM ({spec.gradcam_layer})", render.overlay(_grey(face), cam_unit, "jet")),
    ]
    fig, axes = plt.subplots(1, 5, figsize=(17, 3.8), gridspec_kw={"width_ratios": [1, 1, 1, 1, 1.3]})
    for ax, (title, img) in zip(axes[:4], panels, strict=True):
        ax.imshow(img)
        ax.set_title(title, fontsize=9)
        ax.axis("off")
    ax = axes[4]
    order = np.arange(len(spec.labels))[::-1]
    colours = ["tab:orange" if k == top else "tab:blue" for k in order]
    ax.barh([spec.labels[k] for k in order], probs[order], color=colours)
    ax.set_xlim(0, 1)
    ax.set_title("probabilities", fontsize=9)
    ax.tick_params(labelsize=8)
    fig.suptitle(
        f"{spec.name}: predicted {spec.labels[top]} ({100 * probs[top]:.1f}%), labelled {truth}; "
        f"IG {ig_top.details['steps']} steps {ig_top.details['rule'].value} on the {ig_top.details['output'].value}, "
        f"completeness error {100 * (ig_top.completeness_error or 0.0):.1f}%",
        fontsize=10,
    )
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path


def _class_grid(
    spec: ModelSpec, face: np.ndarray, probs: np.ndarray, truth: str | None, per_class: list[Any], path: Path
) -> Path:
    """IG magnitude of every class on one shared scale, so the panels compare."""
    heats = [np.abs(a.heatmap) for a in per_class]
    scale = max(render.robust_max(h) for h in heats)
    rows, cols = grid_shape(len(per_class))
    grey = _grey(face)
    fig, axes = plt.subplots(rows, cols, figsize=(3.2 * cols, 3.4 * rows), squeeze=False)
    for k, ax in enumerate(axes.flat):
        ax.axis("off")
        if k >= len(per_class):
            continue
        ax.imshow(render.overlay(grey, render.normalize(heats[k], scale), "inferno"))
        mark = " (label)" if spec.labels[k] == truth else ""
        ax.set_title(_title(spec, spec.labels[k], float(probs[k])) + mark, fontsize=9)
    fig.suptitle(f"{spec.name}: Integrated Gradients for every class (shared scale)", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=DPI)
    plt.close(fig)
    return path
