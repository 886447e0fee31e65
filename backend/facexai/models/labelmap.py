"""A model's own labels related to FairFace's vocabulary: what the audit and the comparisons need.

A model is served and explained with its own labels, whatever they are (UTKFace's five races, exact
ages, a binary attribute). To audit it against FairFace's labels, or to compare its maps with a bundle
model's, each of its labels must say which FairFace label(s) of its task it stands for: its *label map*.

* A model whose labels all are FairFace labels of its task (in any order) needs none: each stands for itself.
* Otherwise ``facexai models add --label-map FILE`` reads a JSON object, the model's label -> a FairFace
  label of the task, a list of them (the label covers several: UTKFace's "Asian" is FairFace's "East Asian"
  and "Southeast Asian"), or null. Several labels may stand for one FairFace label (exact ages "20" … "29"
  for "20-29").
* A label that is absent or null is *unmapped*: the model still predicts and explains it; the audit counts
  a face it predicts as a miss; a comparison cannot explain it in the other model's terms (422). A FairFace
  label that no label stands for leaves its faces out of that model's accuracy (counted, not hidden).

Plain Python (no Keras): the manifest validates entries with it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from facexai.core.labels import TASK_LABELS

#: a label map as the manifest stores it: every model label -> the FairFace labels it stands for ([] = unmapped)
LabelMap = dict[str, list[str]]


class LabelMapError(ValueError):
    """A label map that does not fit the model's labels or its task's vocabulary."""


def normalise(raw: Mapping[str, Any], labels: Sequence[str], task: str) -> LabelMap:
    """``raw`` (a JSON object: label -> FairFace label, list of them, or null) as the manifest stores it:
    every model label present, each with a list; LabelMapError says what does not fit."""
    if task not in TASK_LABELS:
        raise LabelMapError(
            f"task {task!r} has no FairFace labels to map onto (a label map relates a model's labels to FairFace's "
            f"{', '.join(sorted(TASK_LABELS))} labels)"
        )
    if not isinstance(raw, Mapping):
        raise LabelMapError("a label map is a JSON object: the model's label -> a FairFace label, a list, or null")
    vocabulary = TASK_LABELS[task]
    unknown = [k for k in raw if k not in labels]
    if unknown:
        raise LabelMapError(
            f"the label map names label(s) {unknown} the model does not have; its labels are {list(labels)}"
        )
    out: LabelMap = {}
    for label in labels:
        value = raw.get(label)
        targets = [] if value is None else [value] if isinstance(value, str) else value
        if not isinstance(targets, list) or not all(isinstance(t, str) for t in targets):
            raise LabelMapError(
                f"label map: {label!r} -> {value!r}: expected a FairFace label, a list of them, or null"
            )
        wrong = [t for t in targets if t not in vocabulary]
        if wrong:
            raise LabelMapError(
                f"label map: {label!r} -> {wrong}: not FairFace {task} label(s); they are {list(vocabulary)}"
            )
        out[label] = list(dict.fromkeys(targets))
    if not any(out.values()):
        raise LabelMapError("the label map maps none of the model's labels")
    return out


def read_label_map(path: Path | str, labels: Sequence[str], task: str) -> LabelMap:
    """A label map file (JSON), normalised against the model's labels and task."""
    path = Path(path)
    try:
        raw = json.loads(path.read_text())
    except OSError as exc:
        raise LabelMapError(f"cannot read the label map {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise LabelMapError(f"the label map {path} is not valid JSON ({exc})") from None
    return normalise(raw, labels, task)


def fairface_map(labels: Sequence[str], task: str, label_map: Mapping[str, Sequence[str]] | None) -> LabelMap | None:
    """Each label -> the FairFace labels it stands for: the label map when there is one; each label itself
    when all are FairFace labels of the task; else None (the model's labels relate to nothing)."""
    if label_map:
        return {label: list(label_map.get(label, [])) for label in labels}
    vocabulary = TASK_LABELS.get(task)
    if vocabulary is not None and all(label in vocabulary for label in labels):
        return {label: [label] for label in labels}
    return None


@dataclass(frozen=True)
class Relation:
    """Two models' labels related: directly (the same labels) or through FairFace's vocabulary."""

    a: LabelMap  # first model's label -> FairFace labels (the labels themselves when direct)
    b: LabelMap

    def counterparts(self, label: str) -> list[str]:
        """The second model's labels standing for (part of) what the first model's ``label`` stands for."""
        wanted = set(self.a.get(label, []))
        return [other for other, targets in self.b.items() if wanted & set(targets)]


def relate(
    a: tuple[str, str, Sequence[str], Mapping[str, Sequence[str]] | None],
    b: tuple[str, str, Sequence[str], Mapping[str, Sequence[str]] | None],
) -> Relation:
    """How two models' labels map onto each other; ``a`` and ``b`` are (name, task, labels, label_map).
    LabelMapError says why they do not (the API's 422 models_not_comparable, the audit's exit 2)."""
    (name_a, task_a, labels_a, map_a), (name_b, task_b, labels_b, map_b) = a, b
    if list(labels_a) == list(labels_b) and task_a == task_b:
        return Relation({x: [x] for x in labels_a}, {x: [x] for x in labels_b})
    if task_a != task_b:
        raise LabelMapError(f"{name_a} ({task_a}) and {name_b} ({task_b}) have different tasks")
    fa, fb = fairface_map(labels_a, task_a, map_a), fairface_map(labels_b, task_b, map_b)
    missing = [n for n, f in ((name_a, fa), (name_b, fb)) if f is None]
    if missing or fa is None or fb is None:
        raise LabelMapError(
            f"{name_a} and {name_b} explain different labels ({', '.join(labels_a)} / {', '.join(labels_b)}) and "
            f"{' and '.join(missing)} {'has' if len(missing) == 1 else 'have'} no label map to FairFace's {task_a} "
            "labels: add the model with --label-map FILE (docs/your_model.md)"
        )
    covered_a = {t for ts in fa.values() for t in ts}
    covered_b = {t for ts in fb.values() for t in ts}
    if not covered_a & covered_b:
        raise LabelMapError(f"no label of {name_a} maps onto a label of {name_b}")
    return Relation(fa, fb)


@dataclass(frozen=True)
class AuditView:
    """A model's probabilities in FairFace's terms, for its accuracy on FairFace-labelled faces.

    The model's labels and the FairFace labels they stand for form groups (a label standing for two
    FairFace labels joins them; several labels standing for one join each other); each group is one
    class of the view, named by its FairFace labels ("East Asian / Southeast Asian"), its probability
    the sum of its labels'. Unmapped labels form one class, "(unmapped)", that no face is labelled with."""

    labels: list[str]  # the view's classes
    matrix: list[list[float]]  # model classes x view classes, 0/1
    truth: dict[str, int]  # FairFace label -> the view class it falls in (absent: no label stands for it)
    identity: bool  # the view is the model's own labels

    def project(self, probs: Any) -> Any:
        import numpy as np

        return np.asarray(probs, dtype=np.float64) @ np.asarray(self.matrix, dtype=np.float64)


UNMAPPED = "(unmapped)"


def audit_view(labels: Sequence[str], task: str, label_map: Mapping[str, Sequence[str]] | None) -> AuditView | None:
    """The model's classes in FairFace's terms (None: its labels relate to no FairFace label of its task)."""
    mapping = fairface_map(labels, task, label_map)
    if mapping is None:
        return None
    vocabulary = TASK_LABELS[task]
    if all(mapping[label] == [label] for label in labels):  # its labels are FairFace's: no regrouping
        n = len(labels)
        return AuditView(
            list(labels),
            [[float(i == j) for j in range(n)] for i in range(n)],
            {x: i for i, x in enumerate(labels)},
            True,
        )
    parent = {t: t for t in vocabulary}

    def find(t: str) -> str:
        while parent[t] != t:
            parent[t] = parent[parent[t]]
            t = parent[t]
        return t

    for targets in mapping.values():
        for t in targets[1:]:
            parent[find(t)] = find(targets[0])
    covered = [t for t in vocabulary if any(t in ts for ts in mapping.values())]
    roots = list(dict.fromkeys(find(t) for t in covered))  # in FairFace's order
    names = [" / ".join(t for t in covered if find(t) == r) for r in roots]
    unmapped = [label for label in labels if not mapping[label]]
    view = names + ([UNMAPPED] if unmapped else [])
    matrix = []
    for label in labels:
        row = [0.0] * len(view)
        row[roots.index(find(mapping[label][0])) if mapping[label] else len(names)] = 1.0
        matrix.append(row)
    truth = {t: roots.index(find(t)) for t in covered}
    return AuditView(view, matrix, truth, False)
