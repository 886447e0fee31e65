"""The training config: one TOML file with sections ``data``, ``model``, ``training``, ``outputs``.

Every key has a default (the seed's values), a file overrides some, and ``--set section.key=value``
on the command line overrides any. Values given on the command line are parsed as TOML values
(``3``, ``0.5``, ``true``, ``"text"``) with a bare word taken as a string, then checked against the
key's type; unknown sections or keys are errors, so a typo never silently trains with a default.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_type_hints

from facexai.core.machine import REPO_ROOT

FAIRFACE_ENV = "FACEXAI_FAIRFACE_DIR"


class ConfigError(ValueError):
    """A config file or override is malformed, names an unknown key or has the wrong type."""


def default_fairface_dir() -> Path:
    """``$FACEXAI_FAIRFACE_DIR``, else ``../shared/fairface`` next to the repository."""
    env = os.environ.get(FAIRFACE_ENV)
    return Path(env) if env else (REPO_ROOT.parent / "shared" / "fairface").resolve()


@dataclass
class DataConfig:
    #: FairFace root; empty means $FACEXAI_FAIRFACE_DIR or ../shared/fairface
    dir: str = ""
    #: label CSVs (``file,age,gender,race,service_test``), relative to ``dir`` unless absolute
    train_csv: str = "fairface_label_train.csv"
    val_csv: str = "fairface_label_val.csv"
    #: folder the CSV's ``file`` column is relative to; empty means ``dir``
    image_root: str = ""
    #: which column to learn: age, gender or race
    task: str = "race"
    #: "all", or "race_biased" to draw the seed's race-imbalanced subset from the train CSV
    subset: str = "all"
    #: random seed of the biased draw
    subset_seed: int = 1234
    #: keep only the first N train / val rows after subsetting (0 = all); for smoke runs
    limit: int = 0
    val_limit: int = 0
    #: JPEG decoding threads
    workers: int = 8


@dataclass
class ModelConfig:
    #: manifest name and output file stem; empty means the task (``race``), or ``race_biased``
    name: str = ""
    architecture: str = "seed"
    input_size: int = 224
    #: stem weights: "" (none, random init), "imagenet", or a path to a weights file
    weights: str = ""
    #: freeze the ResNet50V2 stem, as the seed did with ImageNet weights
    freeze_stem: bool = False
    preprocessing: str = "resnet_v2"
    description: str = ""


@dataclass
class TrainingConfig:
    optimizer: str = "nadam"
    learning_rate: float = 0.0008
    batch_size: int = 128
    epochs: int = 300
    #: early stopping: epochs without a better ``monitor``; 0 disables it
    early_stopping_patience: int = 30
    restore_best_weights: bool = True
    monitor: str = "val_loss"
    #: ReduceLROnPlateau on ``monitor``: multiply by ``lr_factor`` after ``lr_patience`` flat epochs
    lr_factor: float = 0.5
    lr_patience: int = 10
    min_lr: float = 0.0
    #: augmentation, applied while training only and never saved into the model
    rotation_degrees: float = 30.0
    horizontal_flip: bool = True
    #: the seed also flipped faces upside down; off until measured to help
    vertical_flip: bool = False
    seed: int = 42
    #: stop after the epoch that would overrun this many seconds of fitting (0 = no limit); the best
    #: epoch's weights are still restored and everything is written, so a time-boxed run (the GPU
    #: machine kills a command after 10 minutes) always leaves a usable model
    time_limit_s: float = 0.0
    #: train steps per compiled call (Keras steps_per_execution); >1 cuts per-step Python overhead
    steps_per_execution: int = 1
    #: Keras fit verbosity: 0 silent, 1 progress bar, 2 one line per epoch
    verbose: int = 2


@dataclass
class OutputsConfig:
    #: where the model, log, card and manifest go; relative paths are relative to the repository
    dir: str = "runs/models"
    #: manifest file name inside ``dir`` (entries are upserted)
    manifest: str = "manifest.json"


@dataclass
class Config:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    training: TrainingConfig = field(default_factory=TrainingConfig)
    outputs: OutputsConfig = field(default_factory=OutputsConfig)

    # ---- resolved values -------------------------------------------------------------------
    @property
    def name(self) -> str:
        if self.model.name:
            return self.model.name
        return f"{self.data.task}_biased" if self.data.subset == "race_biased" else self.data.task

    @property
    def data_dir(self) -> Path:
        return Path(self.data.dir).expanduser() if self.data.dir else default_fairface_dir()

    @property
    def image_root(self) -> Path:
        return Path(self.data.image_root).expanduser() if self.data.image_root else self.data_dir

    def _in_data_dir(self, value: str) -> Path:
        path = Path(value).expanduser()
        return path if path.is_absolute() else self.data_dir / path

    @property
    def train_csv(self) -> Path:
        return self._in_data_dir(self.data.train_csv)

    @property
    def val_csv(self) -> Path:
        return self._in_data_dir(self.data.val_csv)

    @property
    def outputs_dir(self) -> Path:
        path = Path(self.outputs.dir).expanduser()
        return path if path.is_absolute() else REPO_ROOT / path

    @property
    def manifest_path(self) -> Path:
        return self.outputs_dir / self.outputs.manifest

    def to_dict(self) -> dict[str, dict[str, Any]]:
        return dataclasses.asdict(self)


SECTIONS: dict[str, type] = {
    "data": DataConfig,
    "model": ModelConfig,
    "training": TrainingConfig,
    "outputs": OutputsConfig,
}
_CHOICES: dict[str, tuple[str, ...]] = {
    "data.task": ("age", "gender", "race"),
    "data.subset": ("all", "race_biased"),
    "training.optimizer": ("nadam", "adam", "adamw", "sgd", "rmsprop"),
    "training.monitor": ("val_loss", "val_accuracy"),
}


def _key_type(section: str, key: str) -> type:
    if section not in SECTIONS:
        raise ConfigError(f"unknown config section {section!r}; expected one of {sorted(SECTIONS)}")
    hints = get_type_hints(SECTIONS[section])
    if key not in hints:
        raise ConfigError(f"unknown config key {section}.{key}; {section} has {sorted(hints)}")
    return hints[key]


def _coerce(section: str, key: str, value: Any) -> Any:
    """Check ``value`` against the key's type; ints are accepted where a float is expected."""
    kind = _key_type(section, key)
    if kind is float and isinstance(value, int) and not isinstance(value, bool):
        value = float(value)
    if kind is bool and not isinstance(value, bool):
        raise ConfigError(f"{section}.{key} must be true or false, got {value!r}")
    if kind is int and (isinstance(value, bool) or not isinstance(value, int)):
        raise ConfigError(f"{section}.{key} must be an integer, got {value!r}")
    if not isinstance(value, kind):
        raise ConfigError(f"{section}.{key} must be {kind.__name__}, got {type(value).__name__} {value!r}")
    choices = _CHOICES.get(f"{section}.{key}")
    if choices and value not in choices:
        raise ConfigError(f"{section}.{key} must be one of {list(choices)}, got {value!r}")
    return value


def parse_override(item: str) -> tuple[str, str, Any]:
    """``"training.epochs=3"`` -> ``("training", "epochs", 3)``, typed by the key."""
    dotted, sep, raw = item.partition("=")
    if not sep:
        raise ConfigError(f"override {item!r} is not of the form section.key=value")
    section, dot, key = dotted.strip().partition(".")
    if not dot or not key:
        raise ConfigError(f"override {item!r}: the key must be section.key, e.g. training.epochs")
    kind = _key_type(section, key)
    raw = raw.strip()
    if kind is str:
        value: Any = raw[1:-1] if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "'\"" else raw
    else:
        try:
            value = tomllib.loads(f"v = {raw}")["v"]
        except tomllib.TOMLDecodeError:
            raise ConfigError(f"override {item!r}: cannot parse {raw!r} as a {kind.__name__}") from None
    return section, key, _coerce(section, key, value)


def apply(config: Config, section: str, key: str, value: Any) -> None:
    value = _coerce(section, key, value)  # rejects unknown sections and keys first
    setattr(getattr(config, section), key, value)


def load_config(path: Path | str | None = None, overrides: list[str] | tuple[str, ...] = ()) -> Config:
    """Defaults, then the TOML file at ``path`` (if any), then the ``section.key=value`` overrides."""
    config = Config()
    if path is not None:
        path = Path(path)
        try:
            data = tomllib.loads(path.read_text())
        except FileNotFoundError:
            raise ConfigError(f"config file not found: {path}") from None
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML ({exc})") from None
        for section, values in data.items():
            if not isinstance(values, dict):
                raise ConfigError(f"{path}: top-level key {section!r} must be a [section]")
            for key, value in values.items():
                apply(config, section, key, value)
    for item in overrides:
        apply(config, *parse_override(item))
    return config


def to_toml(config: Config) -> str:
    """The fully resolved config as TOML (written next to each run for the record)."""
    lines: list[str] = []
    for section, values in config.to_dict().items():
        lines.append(f"[{section}]")
        for key, value in values.items():
            if isinstance(value, bool):
                text = "true" if value else "false"
            elif isinstance(value, str):
                text = '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
            else:
                text = repr(value)
            lines.append(f"{key} = {text}")
        lines.append("")
    return "\n".join(lines)
