"""Two models' maps of one class side by side: one shared scale, their difference, where they differ.

Pure NumPy on maps the explainers produced; ``facexai.service.analyzer`` runs the models. Each method makes
its maps comparable across models (``Method.magnitude``) and names their colours; region shares come from
``facexai.core.regions.region_shares``, as the audit's do.
"""

from __future__ import annotations

import numpy as np

from facexai.core.regions import REGION_NAMES, region_shares
from facexai.explain import render
from facexai.explain.base import Attribution
from facexai.explain.methods import METHODS
from facexai.service.results import Comparison, RegionShare


def compare_maps(
    attributions: dict[str, Attribution],
    labels: dict[str, str],
    chip: np.ndarray,
    grid: int = 14,
    names: dict[str, str] | None = None,
    reference: tuple[str, Attribution] | None = None,
) -> Comparison:
    """Two models' attributions of one class (model name -> attribution; ``labels``: model -> the
    explained label) over ``chip`` (the face at display size); ``names``: model -> the name a person
    reads (its display name), the only names the summary uses (default: the model names).
    ``reference``: another training seed of the first model explaining the same class (name,
    attribution): its region shares join the others' and the summary says whether the two models
    differ on this face by more than retraining alone moves."""
    (a, first), (b, _) = attributions.items()
    method = first.method
    spec = METHODS[method]
    size = chip.shape[0]
    maps = {name: render.resize_map(spec.magnitude(att), (size, size)) for name, att in attributions.items()}
    ref_map = render.resize_map(spec.magnitude(reference[1]), (size, size)) if reference else None
    scale = render.robust_max(np.concatenate([v.ravel() for v in maps.values()]))
    units = {name: render.normalize(v, scale) for name, v in maps.items()}
    strength = {name: float(v.mean()) / scale if scale > 0 else 0.0 for name, v in maps.items()}
    cmap = spec.colours
    diff = np.clip(units[b] - units[a], -1, 1)
    every = {**maps, **({reference[0]: ref_map} if reference and ref_map is not None else {})}
    shares = {name: region_shares(v) for name, v in every.items()}
    regions = [
        RegionShare(region=region, shares={name: float(s[r]) for name, s in shares.items()})
        for r, region in enumerate(REGION_NAMES)
    ]
    flat_a, flat_b = maps[a].ravel(), maps[b].ravel()
    corr = float(np.corrcoef(flat_a, flat_b)[0, 1]) if flat_a.std() > 0 and flat_b.std() > 0 else 0.0
    probabilities = {name: att.probability for name, att in attributions.items()}
    label = labels[a]
    readable = {n: (names or {}).get(n) or n for n in attributions}
    errors = {n: att.completeness_error for n, att in attributions.items() if att.completeness_error is not None}
    approximate = [n for n, att in attributions.items() if is_approximate(att)]
    summary = summarize(
        (readable[a], readable[b]),
        label,
        (strength[a], strength[b]),
        [(r.region, r.shares[a], r.shares[b]) for r in regions],
        (probabilities[a], probabilities[b]),
        [(readable[n], errors[n]) for n in approximate],
    )
    largest = retrained = None
    if reference is not None:
        ref = reference[0]
        largest = max(abs(r.shares[b] - r.shares[a]) for r in regions)
        retrained = max(abs(r.shares[ref] - r.shares[a]) for r in regions)
        summary += " " + retraining_sentence(
            (readable[a], readable[b], (names or {}).get(ref) or ref),
            [(r.region, r.shares[a], r.shares[b], r.shares[ref]) for r in regions],
        )
    return Comparison(
        target=label,
        method=method,
        models=[a, b],
        scale_max=scale,
        images={n: render.to_png(render.overlay(chip, u, cmap)) for n, u in units.items()},
        heatmaps={n: render.to_png(render.heatmap_rgba(u, cmap)) for n, u in units.items()},
        difference_image=render.to_png(render.overlay(chip, diff, "RdBu_r", alpha=0.8)),
        raw={n: render.pool_grid(u, grid).round(4).tolist() for n, u in units.items()},
        grid_size=grid,
        correlation=corr,
        regions=regions,
        summary=summary,
        probabilities=probabilities,
        strength=strength,
        completeness_errors=errors,
        approximate=approximate,
        reference=reference[0] if reference else None,
        largest_difference=largest,
        largest_retraining=retrained,
    )


#: an IG map is approximate when its completeness error is above 5% of F(x) - F(b) AND above one
#: probability point: both, since where F(x) ~ F(b) the relative error divides by almost nothing
APPROXIMATE_RELATIVE = 0.05
APPROXIMATE_ABSOLUTE = 0.01


def is_approximate(a: Attribution) -> bool:
    """Whether an IG map's quadrature is too coarse to read parts of the face from (Grad-CAM: never)."""
    if a.completeness_error is None or a.completeness_error_abs is None:
        return False
    return a.completeness_error > APPROXIMATE_RELATIVE and a.completeness_error_abs > APPROXIMATE_ABSOLUTE


#: totals further apart than this factor are "stronger"/"weaker"; closer, "about as strong"
#: (GET /models sends it and REGION_GAP as ``rules``: the web app words the strength figures with it)
STRENGTH_RATIO = 1.5
#: a region is named where the two models' shares of their attribution differ by this much (5 points)
REGION_GAP = 0.05


def _the(regions: list[str]) -> str:
    """["nose", "mouth"] -> "the nose and the mouth"."""
    parts = [f"the {r}" for r in regions]
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " and " + parts[-1]


def summarize(
    names: tuple[str, str],
    target: str,
    strength: tuple[float, float],
    regions: list[tuple[str, float, float]],
    probabilities: tuple[float, float],
    approximate: list[tuple[str, float]] | None = None,
) -> str:
    """What the eye sees in two models' maps of one class, in plain words: the class and how likely
    each model finds it, how strong each map is on the shared scale, and which parts of the face each
    relies on more. ``names``: the two models as a person reads them; ``regions``: (region, share of
    the first model's attribution, share of the second's); ``approximate``: (name, completeness error)
    of each map too coarse to read parts of the face from, said first."""
    a, b = names
    sentences = [f"Explaining “{target}”: {a} rates it {probabilities[0]:.0%} likely, {b} {probabilities[1]:.0%}."]
    if approximate:
        which = " and ".join(f"{name}'s map ({error:.0%} completeness error)" for name, error in approximate)
        sentences.append(
            f"Read with care: {which} {'is' if len(approximate) == 1 else 'are'} approximate; "
            "recompute with more steps before trusting which parts of the face differ."
        )
    sa, sb = strength
    if sa <= 0 and sb <= 0:
        sentences.append("Neither map shows any attribution.")
        return " ".join(sentences)
    if sa <= 0 or sb <= 0:
        empty, other = (a, b) if sa <= 0 else (b, a)
        sentences.append(f"On one scale, {empty}'s map is empty and {other}'s is not.")
        return " ".join(sentences)
    ratio = max(sa, sb) / min(sa, sb)
    if ratio < STRENGTH_RATIO:
        sentences.append(f"On one scale, {a}'s and {b}'s maps are about as strong.")
    else:
        weak, strong = (a, b) if sa < sb else (b, a)
        sentences.append(f"On one scale, {weak}'s map is {ratio:.1f}× weaker than {strong}'s.")
    gaps = sorted(((share_b - share_a, region) for region, share_a, share_b in regions), reverse=True)
    more_b = [r for g, r in gaps if g >= REGION_GAP][:2]
    more_a = [r for g, r in reversed(gaps) if -g >= REGION_GAP][:2]
    if more_b and more_a:
        sentences.append(f"{b} relies more on {_the(more_b)}; {a} more on {_the(more_a)}.")
    elif more_b or more_a:
        who, where = (b, more_b) if more_b else (a, more_a)
        sentences.append(f"{who} relies more on {_the(where)}; otherwise they rely on the same parts of the face.")
    else:
        sentences.append("Both rely on the same parts of the face in about the same measure.")
    return " ".join(sentences)


def retraining_sentence(names: tuple[str, str, str], regions: list[tuple[str, float, float, float]]) -> str:
    """Whether, on this face, the second model differs from the first by more than retraining alone
    moves: ``names`` (first, second, reference: another seed of the first); ``regions``: (region,
    first's share, second's share, reference's share)."""
    a, b, ref = names
    pair = max(regions, key=lambda r: abs(r[2] - r[1]))
    retrain = max(regions, key=lambda r: abs(r[3] - r[1]))
    gap, noise = pair[2] - pair[1], abs(retrain[3] - retrain[1])
    head = (
        f"Against retraining: {ref} (the same data and recipe, another seed) moves a region's share on this face "
        f"by up to {noise * 100:.0f} points ({retrain[0]}); {b}'s largest difference from {a} is "
        f"{abs(gap) * 100:.0f} points ({'more' if gap > 0 else 'less'} on the {pair[0]})"
    )
    if abs(gap) > noise:
        return head + ", larger than retraining alone moves here."
    return head + ", no larger than that: on this face the two cannot be told apart from retraining."
