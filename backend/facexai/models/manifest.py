"""The model manifest: which models the service loads and everything needed to use each one.

Plain dataclasses and JSON (no pydantic, no Keras) so training scripts on the GPU machine,
which lacks most of the service's dependencies, read and write the same file.

Format (``models/manifest.json``)::

    {"version": 1, "models": [{"name": "race", "task": "race", "file": "race.keras",
      "labels": [...], "input_size": 224, "preprocessing": "resnet_v2",
      "gradcam_layer": "block4_relu", "architecture": "lean", "card": "race.md",
      "display_name": "Race",
      "metrics": {"val_accuracy": 0.7, "accuracy_by_race": {...}}, "training": {...}}]}

``file`` and ``card`` are relative to the manifest's folder. ``display_name`` is what the app shows
a person; absent, it is derived from ``name`` (default_display_name). An optional top-level
``"population_maps": "population_maps.json"`` names the models' mean |IG| maps per race, also
relative to the folder (facexai.models.population; written by ``facexai audit --store-population-maps``).

A person's own model (``facexai models add``, docs/your_model.md) has ``"architecture": "keras"`` (any Keras 3
model, loaded as it is saved), may have its own task and labels, a ``label_map`` to FairFace's labels
(facexai.models.labelmap), ``"output": "logits"`` when it ends without a softmax, and ``supplied``: who
added it, from what file, its sha256 (checked at every load) and what ``add`` measured.

:func:`load_manifest` refuses a malformed entry; ``lenient=True`` (the service) keeps the other entries and
lists the bad ones in ``Manifest.invalid`` with their reason, so one bad entry does not stop the service.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from facexai.core.labels import labels_for
from facexai.models.labelmap import LabelMapError, normalise
from facexai.models.preprocessing import PREPROCESSORS

MANIFEST_VERSION = 1
#: a model's arm in the imbalance experiment ("" for none)
ARMS: tuple[str, ...] = ("", "biased", "control")
#: the architecture built from dlib's face ResNet plus trained weights (facexai.models.dlib_tasks)
DLIB_RESNET = "dlib_resnet"
#: a person's own Keras model (facexai models add): loaded as saved, with its own labels
KERAS = "keras"
#: what a model's output is: probabilities (a softmax), or logits the service turns into probabilities
OUTPUTS: tuple[str, ...] = ("probabilities", "logits")
#: a model's name and a new task's: a URL path segment and a file name
NAME_PATTERN = re.compile(r"[a-z0-9][a-z0-9_-]{0,63}")
TASK_PATTERN = re.compile(r"[a-z][a-z0-9_]{0,31}")


def default_display_name(name: str) -> str:
    """A readable name for a model id: "race" -> "Race", "race_biased" -> "Race (biased training)"."""
    base, _, rest = name.partition("_")
    if rest == "biased":
        return f"{base.capitalize()} (biased training)"
    return name.replace("_", " ").strip().capitalize() or name


class ManifestError(ValueError):
    """The manifest is malformed or names something that does not exist."""


@dataclass
class ModelSpec:
    name: str
    task: str
    file: str
    labels: list[str]
    input_size: int = 224
    preprocessing: str = "resnet_v2"
    gradcam_layer: str = "block4_relu"
    architecture: str = "lean"
    card: str | None = None
    description: str = ""
    biased: bool = False
    #: dlib_resnet models: the head of ``file`` this model serves, and the backbone it builds on
    #: ({"package", "version", "file", "sha256", "licence"}); ``file`` then holds only the weights
    #: training changed (facexai.models.dlib_tasks)
    head: str = ""
    backbone: dict[str, Any] = field(default_factory=dict)
    mirror_average: bool = False
    metrics: dict[str, Any] = field(default_factory=dict)
    training: dict[str, Any] = field(default_factory=dict)
    #: the name a person reads in the app; "" (absent): derived from ``name``
    display_name: str = ""
    #: the imbalance experiment (issue 26): "biased" or "control" for the models trained with one
    #: recipe on a race-imbalanced or a race-balanced subset of the same size, "" for the others;
    #: ``replicate`` numbers an arm's training seeds from 1
    arm: str = ""
    replicate: int = 0
    #: loaded and listed, but run by ``POST /analyze`` only when a request names it (a follow-up):
    #: the arms' further seeds, which the audit uses and a person rarely needs
    on_request: bool = False
    #: "probabilities" (the model ends in a softmax) or "logits" (the service adds the softmax)
    output: str = "probabilities"
    #: a model with labels of its own: each label -> the FairFace labels of its task it stands for
    #: ([] = unmapped); {} = none (facexai.models.labelmap)
    label_map: dict[str, list[str]] = field(default_factory=dict)
    #: a person's own model (facexai models add): {"by", "at", "from", "sha256", "bytes", "checks", ...};
    #: {} for the bundle's models
    supplied: dict[str, Any] = field(default_factory=dict)

    @property
    def user_supplied(self) -> bool:
        return bool(self.supplied)

    def __post_init__(self) -> None:
        if not self.display_name.strip():
            self.display_name = default_display_name(self.name)

    def validate(self) -> None:
        if self.preprocessing not in PREPROCESSORS:
            raise ManifestError(f"model {self.name!r}: unknown preprocessing {self.preprocessing!r}")
        if not self.labels:
            raise ManifestError(f"model {self.name!r}: empty label list")
        if self.arm not in ARMS:
            raise ManifestError(f"model {self.name!r}: arm {self.arm!r} is none of {list(ARMS)}")
        if self.arm and self.replicate < 1:
            raise ManifestError(f"model {self.name!r}: a model of the {self.arm} arm needs a replicate number >= 1")
        if len(set(self.labels)) != len(self.labels):
            raise ManifestError(f"model {self.name!r}: duplicate labels")
        if self.input_size < 32:
            raise ManifestError(f"model {self.name!r}: input_size {self.input_size} is too small")
        if self.output not in OUTPUTS:
            raise ManifestError(f"model {self.name!r}: output {self.output!r} is none of {list(OUTPUTS)}")
        if self.label_map:
            try:
                self.label_map = normalise(self.label_map, self.labels, self.task)
            except LabelMapError as exc:
                raise ManifestError(f"model {self.name!r}: {exc}") from None
        if self.architecture == KERAS:  # a person's own model: its own task and labels
            if not TASK_PATTERN.fullmatch(self.task):
                raise ManifestError(f"model {self.name!r}: task {self.task!r} is not a lower-case identifier")
            return
        try:
            expected = labels_for(self.task)
        except ValueError as exc:
            raise ManifestError(f"model {self.name!r}: {exc}") from None
        if self.architecture == DLIB_RESNET and not (self.head and self.backbone.get("sha256")):
            raise ManifestError(f"model {self.name!r}: a dlib_resnet model needs a head and backbone.sha256")
        if tuple(self.labels) != expected:
            raise ManifestError(
                f"model {self.name!r}: labels {self.labels} differ from task {self.task!r} {list(expected)}"
            )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelSpec:
        known = set(cls.__dataclass_fields__)
        missing = {"name", "task", "file", "labels"} - set(data)
        if missing:
            raise ManifestError(f"manifest entry {data.get('name', '?')!r} lacks {sorted(missing)}")
        spec = cls(**{k: v for k, v in data.items() if k in known})
        spec.labels = list(spec.labels)
        spec.validate()
        return spec

    def to_dict(self) -> dict[str, Any]:
        """The entry as the manifest stores it; the fields only a person's own model uses are left out
        at their defaults, so the bundle's entries read and write back unchanged."""
        data = asdict(self)
        for key, default in (("output", "probabilities"), ("label_map", {}), ("supplied", {})):
            if data[key] == default:
                del data[key]
        return data


@dataclass
class InvalidEntry:
    """A manifest entry the service could not use, kept as written (and written back) with the reason."""

    name: str
    reason: str
    raw: dict[str, Any]


@dataclass
class Manifest:
    models: list[ModelSpec]
    root: Path = Path(".")
    #: the population maps' file, relative to ``root``; "" when the bundle has none
    population_maps: str = ""
    #: entries a lenient read could not use (load_manifest(lenient=True)); written back unchanged
    invalid: list[InvalidEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        names = [m.name for m in self.models]
        dupes = {n for n in names if names.count(n) > 1}
        if dupes:
            raise ManifestError(f"duplicate model names in manifest: {sorted(dupes)}")

    def get(self, name: str) -> ModelSpec:
        for spec in self.models:
            if spec.name == name:
                return spec
        raise KeyError(name)

    @property
    def names(self) -> list[str]:
        return [m.name for m in self.models]

    def arm(self, arm: str) -> list[str]:
        """The models of one arm of the imbalance experiment, by replicate."""
        return [m.name for m in sorted(self.models, key=lambda m: m.replicate) if m.arm == arm]

    def partner(self, spec: ModelSpec) -> ModelSpec | None:
        """A biased model's reference of the same task: the control arm's model of its replicate (the
        same recipe and data size, every race equally), else the first control, else the unbiased
        model named like the task, else the first unbiased one; None for a model that is not biased."""
        if not spec.biased:
            return None
        same_task = [s for s in self.models if s.task == spec.task and not s.biased]
        controls = sorted((s for s in same_task if s.arm == "control"), key=lambda s: s.replicate != spec.replicate)
        named = [s for s in same_task if s.name == spec.task]
        candidates = controls or named or same_task
        return candidates[0] if candidates else None

    def compare_default(self) -> list[str] | None:
        """The pair the per-face comparison uses when a request names none: [reference, biased] for the
        first biased model that has a partner (race_control and race_biased in the bundle)."""
        for spec in sorted((s for s in self.models if s.biased), key=lambda s: (s.replicate, s.name)):
            other = self.partner(spec)
            if other is not None:
                return [other.name, spec.name]
        return None

    def reference_for(self, name: str) -> str | None:
        """Another training seed of the model ``name`` (same arm and task, another replicate): explaining it
        on the same face shows what retraining alone moves. None outside the imbalance experiment's arms."""
        spec = self.get(name)
        if not spec.arm:
            return None
        others = sorted(
            (s for s in self.models if s.arm == spec.arm and s.task == spec.task and s.name != name),
            key=lambda s: s.replicate,
        )
        return others[0].name if others else None

    def path_of(self, spec: ModelSpec) -> Path:
        return (self.root / spec.file).resolve()

    def card_path(self, spec: ModelSpec) -> Path | None:
        return (self.root / spec.card).resolve() if spec.card else None

    def population_maps_path(self) -> Path | None:
        return (self.root / self.population_maps).resolve() if self.population_maps else None

    def missing_files(self) -> list[Path]:
        return [p for p in (self.path_of(s) for s in self.models) if not p.is_file()]

    def upsert(self, spec: ModelSpec) -> None:
        """Add ``spec``, replacing an entry of the same name in place."""
        spec.validate()
        self.invalid = [e for e in self.invalid if e.name != spec.name]
        for i, existing in enumerate(self.models):
            if existing.name == spec.name:
                self.models[i] = spec
                return
        self.models.append(spec)

    def remove(self, name: str) -> ModelSpec | InvalidEntry:
        """Take the entry ``name`` (valid or not) out; KeyError when there is none."""
        for i, spec in enumerate(self.models):
            if spec.name == name:
                return self.models.pop(i)
        for i, entry in enumerate(self.invalid):
            if entry.name == name:
                return self.invalid.pop(i)
        raise KeyError(name)

    def to_dict(self) -> dict[str, Any]:
        entries = [m.to_dict() for m in self.models] + [e.raw for e in self.invalid]
        data: dict[str, Any] = {"version": MANIFEST_VERSION, "models": entries}
        if self.population_maps:
            data["population_maps"] = self.population_maps
        return data

    def save(self, path: Path | str) -> None:
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(path.suffix + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n")
        tmp.replace(path)


def load_manifest(path: Path | str, lenient: bool = False) -> Manifest:
    """The manifest at ``path``; ManifestError when the file or an entry is malformed. ``lenient``: a
    malformed entry (an unknown preprocessing, labels that do not fit) is set aside in ``invalid`` with
    its reason instead, and the others are read (the file itself must still be a manifest)."""
    path = Path(path)
    if not path.is_file():
        raise ManifestError(f"model manifest not found: {path}")
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise ManifestError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(data, dict) or not isinstance(data.get("models"), list):
        raise ManifestError(f"{path}: expected an object with a 'models' list")
    maps = data.get("population_maps") or ""
    if not isinstance(maps, str):
        raise ManifestError(f"{path}: 'population_maps' must be a file name, got {maps!r}")
    if not lenient:
        return Manifest([ModelSpec.from_dict(m) for m in data["models"]], root=path.parent, population_maps=maps)
    specs: list[ModelSpec] = []
    invalid: list[InvalidEntry] = []
    for i, entry in enumerate(data["models"]):
        name = str(entry.get("name", f"#{i + 1}")) if isinstance(entry, dict) else f"#{i + 1}"
        try:
            if not isinstance(entry, dict):
                raise ManifestError(f"manifest entry {name} is not an object")
            if any(s.name == name for s in specs):
                raise ManifestError(f"model {name!r}: a second entry of that name")
            specs.append(ModelSpec.from_dict(entry))
        except (ManifestError, TypeError) as exc:
            reason = str(exc) if isinstance(exc, ManifestError) else f"model {name!r}: {exc}"
            invalid.append(InvalidEntry(name, reason, entry if isinstance(entry, dict) else {"name": name}))
    return Manifest(specs, root=path.parent, population_maps=maps, invalid=invalid)


def load_or_new_manifest(path: Path | str) -> Manifest:
    path = Path(path)
    return load_manifest(path) if path.is_file() else Manifest([], root=path.parent)
