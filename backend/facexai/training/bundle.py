"""Train the whole bundle on dlib's face ResNet: one command, checkpointed, resumable.

Trainings of one recipe, differing in their data (and, for the replicates, their seeds):

* ``balanced``: all FairFace train chips but a held-out selection split; one trunk with three
  heads (race, gender, age). Serves ``race``, ``gender`` and ``age``.
* ``biased``: only the race-imbalanced subset (facexai.training.biased), with its own held-out
  selection split drawn from that subset; its own trunk and heads. Serves ``race_biased``. No
  balanced row reaches any of its weights; the layers it shares with the others (the stem and
  the first stage when ``freeze_stem``) are dlib's original weights, loaded from the package.
* ``gender``: the ``balanced`` phase's chosen weights, trained on for a few more epochs on the
  gender loss alone (same rows, same selection split), so gender gets a trunk of its own (issue 22:
  gender's loss is the smallest of the three and the shared trunk serves it least). Serves
  ``gender``.
* ``control``: ``biased``'s recipe exactly (epochs, selection fraction, augmentation, losses) on
  a race-BALANCED subset of the biased subset's size (facexai.training.biased.make_control_subset),
  so the race mix is the only difference from ``biased``. Serves ``race_control`` (issue 26).
* ``biased_2``, ``control_2`` (``_3`` …): further seeds of the two arms. Replicate ``r`` draws its
  subset with ``biased_seed + r - 1`` and trains with ``seed + r - 1`` (replicate 1 is ``biased``
  / ``control`` themselves), so the project can say how much retraining alone moves a map or an
  accuracy. Serve ``race_biased_2``, ``race_control_2`` …

Recipe (docs/training.md): the stem and 32-channel stage frozen, everything after them trained;
dropout on the 256-D pool, one softmax head per task whose learning rate is ``head_lr_multiplier``
times the trunk's (a scaled parametrisation, so one AdamW serves both); label smoothing; warm-up
then cosine decay; augmentation inside the compiled step (mirror, zoom, shift, brightness,
contrast). Every epoch is checkpointed (keras BackupAndRestore) and scored on the selection split
with mirror averaging; the best epoch by that score is exported. Val 1-4000 is never seen here.
"""

from __future__ import annotations

import csv
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np

from facexai.core.fairface import LabelTable, decode_images, keep_present, read_labels
from facexai.core.labels import labels_for
from facexai.models.dlib_resnet import DAT_SHA256, FROZEN_STEM, INPUT_SIZE, read_dat, verified_dat_path
from facexai.training.biased import DEFAULT_SEED as BIASED_SEED
from facexai.training.biased import make_biased_subset, make_control_subset

TASKS: tuple[str, ...] = ("race", "gender", "age")
#: the imbalance experiment's two arms (issue 26): one recipe, a race-imbalanced or a race-balanced
#: subset of the same size; each arm is trained with several seeds (replicates)
ARMS: tuple[str, ...] = ("biased", "control")
#: seeds per arm that ``facexai train-bundle`` trains by default
REPLICATES = 2
PHASES: tuple[str, ...] = (
    "balanced",
    "gender",
    *(arm if r == 1 else f"{arm}_{r}" for r in range(1, REPLICATES + 1) for arm in ARMS),
)
#: each phase's loss weight per task (the loss is the weighted sum of the three cross-entropies);
#: an arm's replicates share their arm's
PHASE_LOSS: dict[str, dict[str, float]] = {
    "balanced": {"race": 1.0, "gender": 1.0, "age": 1.0},
    "biased": {"race": 1.0, "gender": 1.0, "age": 1.0},
    "control": {"race": 1.0, "gender": 1.0, "age": 1.0},
    "gender": {"race": 0.0, "gender": 1.0, "age": 0.0},
}
#: a phase that starts from another phase's chosen weights instead of dlib's
PHASE_START: dict[str, str] = {"gender": "balanced"}


def phase_parts(phase: str) -> tuple[str, int]:
    """(recipe, replicate): "biased" -> ("biased", 1), "control_2" -> ("control", 2),
    "balanced" -> ("balanced", 0). Raises ValueError for a name that is no phase."""
    if phase in ("balanced", "gender"):
        return phase, 0
    arm, _, number = phase.partition("_")
    if arm in ARMS and (not number or (number.isdigit() and int(number) >= 2 and str(int(number)) == number)):
        return arm, int(number) if number else 1
    raise ValueError(
        f"unknown phase {phase!r}: balanced, gender, or an arm ({', '.join(ARMS)}) with an optional replicate "
        "number from 2 (biased_2, control_3)"
    )


def phase_order(phases: Sequence[str]) -> list[str]:
    """The phases in the order they train: balanced before gender (which starts from it), then the
    arms replicate by replicate (biased, control, biased_2, control_2, …)."""

    def key(phase: str) -> tuple[int, int, int]:
        recipe, replicate = phase_parts(phase)
        if recipe in ("balanced", "gender"):
            return (0, 0, 0 if recipe == "balanced" else 1)
        return (1, replicate, ARMS.index(recipe))

    return sorted(dict.fromkeys(phases), key=key)


def phase_seeds(phase: str, config: BundleConfig) -> tuple[int, int]:
    """(training seed, subset seed) of a phase: replicate r of an arm adds r - 1 to both."""
    shift = max(0, phase_parts(phase)[1] - 1)
    return config.seed + shift, config.biased_seed + shift


@dataclass
class BundleConfig:
    fairface_dir: Path = Path("../shared/fairface")
    train_csv: str = "fairface_label_train.csv"
    work_dir: Path = Path("runs/bundle")
    epochs: int = 10
    biased_epochs: int = 8
    #: the gender phase: epochs, peak learning rate and warm-up of its continuation of ``balanced``
    gender_epochs: int = 3
    gender_lr: float = 3e-5
    gender_warmup_steps: int = 100
    batch_size: int = 64
    trunk_lr: float = 1e-4
    head_lr_multiplier: float = 10.0
    warmup_steps: int = 200
    weight_decay: float = 0.01
    label_smoothing: float = 0.1
    dropout: float = 0.2
    freeze_stem: bool = True
    #: chips held out of training for selection: a fixed random draw of the balanced train set,
    #: and this fraction of the biased subset
    selection_n: int = 4000
    biased_selection_fraction: float = 0.1
    zoom: float = 0.08
    shift: float = 0.04
    brightness: float = 15.0
    contrast: float = 0.15
    seed: int = 42
    biased_seed: int = BIASED_SEED
    #: use the first N train rows only (0 = all); for smoke tests
    limit: int = 0
    precision: str = "auto"  # auto | bfloat16 | float32
    workers: int = 8
    phases: tuple[str, ...] = PHASES

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["fairface_dir"] = str(self.fairface_dir)
        d["work_dir"] = str(self.work_dir)
        d["phases"] = list(self.phases)
        return d


def cpu_has_bf16() -> bool:
    """True where the CPU computes bfloat16 natively (AVX-512 BF16 or AMX); False elsewhere."""
    try:
        flags = Path("/proc/cpuinfo").read_text()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def choose_precision(setting: str) -> str:
    """float32 or bfloat16. An accelerator (where Keras finds one) gets bfloat16 as well."""
    if setting in ("bfloat16", "float32"):
        return setting
    if setting != "auto":
        raise ValueError(f"precision must be auto, bfloat16 or float32, not {setting!r}")
    from facexai.training.train import hardware as keras_hardware

    return "bfloat16" if keras_hardware()["accelerator"] or cpu_has_bf16() else "float32"


# ----------------------------------------------------------------------------- data


@dataclass
class PhaseData:
    train_rows: list[int]
    selection_rows: list[int]
    table: LabelTable


def split_rows(n: int, held_out: int, seed: int) -> tuple[list[int], list[int]]:
    """A fixed random ``held_out`` rows for selection, the rest for training (both sorted)."""
    rng = np.random.default_rng(seed)
    order = rng.permutation(n)
    return sorted(order[held_out:].tolist()), sorted(order[:held_out].tolist())


def phase_data(table: LabelTable, phase: str, config: BundleConfig) -> PhaseData:
    """Which rows of ``table`` (the train CSV) each phase trains and selects on; a phase that
    continues another (PHASE_START) uses that phase's rows."""
    if phase in PHASE_START:
        return phase_data(table, PHASE_START[phase], config)
    if phase == "balanced":
        held = min(config.selection_n, len(table) // 10) if config.limit else config.selection_n
        train, select = split_rows(len(table), held, config.seed)
        return PhaseData(train, select, table)
    recipe, _ = phase_parts(phase)
    if recipe in ARMS:
        seed, subset_seed = phase_seeds(phase, config)
        index = {row["file"]: i for i, row in enumerate(table.rows)}
        subset = make_biased_subset(table, seed=subset_seed)
        if recipe == "control":  # the same size, every race equally
            subset = make_control_subset(table, len(subset.rows), seed=subset_seed)
        rows = [index[row["file"]] for row in subset.rows]
        held = max(1, round(len(rows) * config.biased_selection_fraction))
        train_local, select_local = split_rows(len(rows), held, seed)
        return PhaseData([rows[i] for i in train_local], [rows[i] for i in select_local], table)
    raise ValueError(f"unknown phase {phase!r}")


def one_hot_targets(table: LabelTable, rows: Sequence[int]) -> dict[str, np.ndarray]:
    sub = LabelTable([table.rows[i] for i in rows], table.source)
    out = {}
    for task in TASKS:
        k = len(labels_for(task))
        out[task] = np.eye(k, dtype=np.float32)[sub.encode(task)]
    return out


def class_targets(table: LabelTable, rows: Sequence[int]) -> dict[str, np.ndarray]:
    sub = LabelTable([table.rows[i] for i in rows], table.source)
    return {task: sub.encode(task) for task in TASKS}


def _batches_class() -> type:
    import keras

    class Batches(keras.utils.PyDataset):
        """Shuffled batches of uint8 chips (as float32 0..255) and one-hot targets per task."""

        def __init__(
            self, images: np.ndarray, rows: Sequence[int], targets: dict[str, np.ndarray], batch: int, seed: int
        ) -> None:
            super().__init__(workers=1, use_multiprocessing=False)
            self.images = images
            self.rows = np.asarray(rows, np.int64)
            self.targets = targets
            self.batch = batch
            self.rng = np.random.default_rng(seed)
            self.order = self.rng.permutation(len(self.rows))

        def __len__(self) -> int:
            return len(self.rows) // self.batch  # full batches only: one compiled shape

        def __getitem__(self, i: int) -> tuple[np.ndarray, dict[str, np.ndarray]]:
            pick = self.order[i * self.batch : (i + 1) * self.batch]
            x = self.images[self.rows[pick]].astype(np.float32)
            return x, {t: y[pick] for t, y in self.targets.items()}

        def on_epoch_end(self) -> None:
            self.order = self.rng.permutation(len(self.rows))

    return Batches


# ----------------------------------------------------------------------------- model


def _scaled_dense_class() -> type:
    import keras
    from keras import layers

    @keras.saving.register_keras_serializable("facexai")
    class ScaledDense(layers.Layer):
        """Dense whose weights are ``scale`` x the trained variables: with Adam, ``scale`` x the
        learning rate of the rest of the network. Exported as a plain Dense (kernel x scale)."""

        def __init__(self, units: int, scale: float, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.units = units
            self.scale = scale

        def build(self, input_shape: tuple) -> None:
            fan_in = int(input_shape[-1])
            limit = float(np.sqrt(6.0 / (fan_in + self.units))) / self.scale
            self.kernel = self.add_weight(
                shape=(fan_in, self.units),
                initializer=keras.initializers.RandomUniform(-limit, limit),
                name="kernel",
            )
            self.bias = self.add_weight(shape=(self.units,), initializer="zeros", name="bias")

        def call(self, x: Any) -> Any:
            kernel = keras.ops.cast(self.kernel, x.dtype) * self.scale
            bias = keras.ops.cast(self.bias, x.dtype) * self.scale
            return keras.ops.matmul(x, kernel) + bias

        def exported(self) -> tuple[np.ndarray, np.ndarray]:
            return (
                np.asarray(self.kernel.numpy(), np.float32) * self.scale,
                np.asarray(self.bias.numpy(), np.float32) * self.scale,
            )

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "units": self.units, "scale": self.scale}

    return ScaledDense


def build_training_model(net: Any, config: BundleConfig, input_size: int = INPUT_SIZE) -> tuple[Any, Any]:
    """(model with dict outputs race/gender/age, its backbone). Build under the dtype policy wanted."""
    import keras
    from keras import layers

    from facexai.models.dlib_resnet import build_backbone

    scaled_dense = _scaled_dense_class()
    inputs = keras.Input((input_size, input_size, 3), name="rgb", dtype="float32")
    x = inputs
    aug = [
        layers.RandomFlip("horizontal", seed=config.seed, dtype="float32", name="aug_flip"),
        layers.RandomZoom(
            (-config.zoom, config.zoom), fill_mode="reflect", seed=config.seed + 1, dtype="float32", name="aug_zoom"
        ),
        layers.RandomTranslation(
            config.shift, config.shift, fill_mode="reflect", seed=config.seed + 2, dtype="float32", name="aug_shift"
        ),
        layers.RandomBrightness(
            config.brightness / 255.0,
            value_range=(0.0, 255.0),
            seed=config.seed + 3,
            dtype="float32",
            name="aug_bright",
        ),
        layers.RandomContrast(
            config.contrast, value_range=(0.0, 255.0), seed=config.seed + 4, dtype="float32", name="aug_contrast"
        ),
    ]
    for layer in aug:
        x = layer(x)
    backbone = build_backbone(net, input_size)
    if config.freeze_stem:
        for name in FROZEN_STEM:
            backbone.get_layer(name).trainable = False
    features = backbone(x)
    features = layers.Dropout(config.dropout, name="dropout")(features)
    outputs = {}
    for task in TASKS:
        logits = scaled_dense(len(labels_for(task)), config.head_lr_multiplier, name=f"{task}_logits")(features)
        outputs[task] = layers.Activation("softmax", dtype="float32", name=task)(logits)
    return keras.Model(inputs, outputs, name="dlib_multitask"), backbone


def trained_weights(model: Any, backbone: Any, heads: Sequence[str]) -> dict[str, np.ndarray]:
    """What training changed: trainable backbone layers and the named heads, as float32."""
    out: dict[str, np.ndarray] = {}
    for layer in backbone.layers:
        if layer.trainable and layer.weights:
            kernel, bias = layer.get_weights()
            out[f"{layer.name}/kernel"] = np.asarray(kernel, np.float32)
            out[f"{layer.name}/bias"] = np.asarray(bias, np.float32)
    for head in heads:
        kernel, bias = model.get_layer(f"{head}_logits").exported()
        out[f"{head}_logits/kernel"] = kernel
        out[f"{head}_logits/bias"] = bias
    return out


def save_weights(weights: dict[str, np.ndarray], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp.npz")
    np.savez(tmp, **weights)  # type: ignore[arg-type]
    tmp.replace(path)


def predict_mirrored(model: Any, images: np.ndarray, batch: int = 128) -> dict[str, np.ndarray]:
    """Per-task probabilities, averaged over each chip and its mirror image."""
    sums: dict[str, list[np.ndarray]] = {t: [] for t in TASKS}
    for start in range(0, len(images), batch):
        x = images[start : start + batch].astype(np.float32)
        a = model(x, training=False)
        b = model(x[:, :, ::-1].copy(), training=False)
        for t in TASKS:
            sums[t].append((np.asarray(a[t], np.float32) + np.asarray(b[t], np.float32)) / 2)
    return {t: np.concatenate(v) for t, v in sums.items()}


def accuracies(probs: dict[str, np.ndarray], targets: dict[str, np.ndarray]) -> dict[str, float]:
    return {t: float((probs[t].argmax(1) == targets[t]).mean()) for t in TASKS}


def selection_score(acc: dict[str, float], phase: str) -> float:
    """Balanced: the mean of the three accuracies. The arms (biased, control and their replicates):
    their race accuracy, gender: its gender accuracy (the head each serves)."""
    if phase_parts(phase)[0] in ARMS:
        return acc["race"]
    if phase == "gender":
        return acc["gender"]
    return float(np.mean([acc[t] for t in TASKS]))


def phase_schedule(phase: str, config: BundleConfig) -> tuple[int, float, int]:
    """(epochs, peak learning rate, warm-up steps) of one phase."""
    if phase == "gender":
        return config.gender_epochs, config.gender_lr, config.gender_warmup_steps
    epochs = config.epochs if phase == "balanced" else config.biased_epochs  # both arms: biased's
    return epochs, config.trunk_lr, config.warmup_steps


def start_from(model: Any, backbone: Any, weights: dict[str, np.ndarray]) -> None:
    """Set the trunk and every head of a training model to ``weights`` (a phase's best.npz)."""
    from facexai.models.dlib_tasks import apply_backbone_weights

    apply_backbone_weights(backbone.layers, weights)
    for task in TASKS:
        head = model.get_layer(f"{task}_logits")
        head.kernel.assign(weights[f"{task}_logits/kernel"] / head.scale)
        head.bias.assign(weights[f"{task}_logits/bias"] / head.scale)


# ----------------------------------------------------------------------------- training


def compile_training_model(
    model: Any,
    config: BundleConfig,
    steps: int,
    peak_lr: float,
    warmup_steps: int,
    loss_weights: dict[str, float],
) -> None:
    """The bundle's optimiser and loss: AdamW, linear warm-up to ``peak_lr`` then cosine decay to 0
    over ``steps``, the weighted sum of the three tasks' smoothed cross-entropies."""
    import keras

    schedule = keras.optimizers.schedules.CosineDecay(
        initial_learning_rate=0.0,
        decay_steps=max(1, steps - warmup_steps),
        warmup_target=peak_lr,
        warmup_steps=min(warmup_steps, steps // 2),
    )
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=schedule, weight_decay=config.weight_decay),
        loss={t: keras.losses.CategoricalCrossentropy(label_smoothing=config.label_smoothing) for t in TASKS},
        loss_weights=loss_weights,
        metrics={t: ["accuracy"] for t in TASKS},
        jit_compile=False,
    )


@dataclass
class PhaseResult:
    phase: str
    best_epoch: int
    selection: dict[str, float]
    history: list[dict[str, Any]] = field(default_factory=list)
    n_train: int = 0
    n_selection: int = 0
    time_s: float = 0.0
    precision: str = "float32"
    seconds_per_image_epoch: float = 0.0
    #: the seed training ran with and, for the arms, the seed of the subset's draw
    seed: int = 0
    subset_seed: int | None = None


def train_phase(
    phase: str,
    images: np.ndarray,
    data: PhaseData,
    config: BundleConfig,
    net: Any,
    log: Callable[[str], None] = print,
    callbacks: Sequence[Any] = (),
) -> PhaseResult:
    """Train one phase (or resume it), writing work_dir/<phase>/{best.npz, result.json, log.csv}."""
    import keras

    folder = config.work_dir / phase
    done = folder / "result.json"
    if done.is_file():
        log(f"[{phase}] already trained ({done}); skipping")
        return PhaseResult(**json.loads(done.read_text()))
    start_file = config.work_dir / PHASE_START[phase] / "best.npz" if phase in PHASE_START else None
    if start_file is not None and not start_file.is_file():
        raise FileNotFoundError(
            f"the {phase} phase starts from the {PHASE_START[phase]} phase's weights, and {start_file} is missing: "
            f"train --phases {PHASE_START[phase]} first"
        )
    folder.mkdir(parents=True, exist_ok=True)
    recipe, _ = phase_parts(phase)
    subset_seed = None
    if recipe in ARMS:  # a replicate trains with its own seed (its rows came from phase_data)
        seed, subset_seed = phase_seeds(phase, config)
        config = replace(config, seed=seed)
    epochs, peak_lr, warmup_steps = phase_schedule(phase, config)
    precision = choose_precision(config.precision)
    keras.config.set_dtype_policy("mixed_bfloat16" if precision == "bfloat16" else "float32")
    keras.utils.set_random_seed(config.seed)
    try:
        model, backbone = build_training_model(net, config)
    finally:
        keras.config.set_dtype_policy("float32")
    if start_file is not None:
        from facexai.models.dlib_tasks import read_weights

        start_from(model, backbone, read_weights(start_file))
        log(f"[{phase}] starts from {start_file}")
    batches = _batches_class()(
        images, data.train_rows, one_hot_targets(data.table, data.train_rows), config.batch_size, config.seed
    )
    compile_training_model(model, config, len(batches) * epochs, peak_lr, warmup_steps, PHASE_LOSS[recipe])

    sel_images = images[np.asarray(data.selection_rows, np.int64)]
    sel_targets = class_targets(data.table, data.selection_rows)
    history_path = folder / "selection.json"
    history: list[dict[str, Any]] = json.loads(history_path.read_text()) if history_path.is_file() else []

    class Select(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch: int, logs: dict | None = None) -> None:
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
            fit_s = time.perf_counter() - self.started
            t0 = time.perf_counter()
            acc = accuracies(predict_mirrored(self.model, sel_images), sel_targets)
            score = selection_score(acc, phase)
            entry = {
                "epoch": epoch + 1,
                "selection": acc,
                "score": score,
                "train_loss": float((logs or {}).get("loss", float("nan"))),
                "fit_s": round(fit_s, 1),
                "select_s": round(time.perf_counter() - t0, 1),
            }
            history[:] = [h for h in history if h["epoch"] < epoch + 1] + [entry]
            if score >= max((h["score"] for h in history), default=-1.0):
                save_weights(trained_weights(self.model, backbone, TASKS), folder / "best.npz")
                log(f"[{phase}] epoch {epoch + 1}: new best")
            history_path.write_text(json.dumps(history, indent=1))
            log(
                f"[{phase}] epoch {epoch + 1}/{epochs}: loss {entry['train_loss']:.4f}, selection "
                + " ".join(f"{t} {acc[t]:.3f}" for t in TASKS)
                + f", {fit_s:.0f} s fit + {entry['select_s']:.0f} s selection"
            )

    started = time.perf_counter()
    model.fit(
        batches,
        epochs=epochs,
        verbose=2,
        callbacks=[
            keras.callbacks.BackupAndRestore(str(folder / "backup"), save_freq="epoch", delete_checkpoint=True),
            Select(),
            keras.callbacks.CSVLogger(str(folder / "log.csv"), append=True),
            *callbacks,
        ],
    )
    best = max(history, key=lambda h: h["score"])
    fit_times = [h["fit_s"] for h in history]
    result = PhaseResult(
        phase=phase,
        best_epoch=int(best["epoch"]),
        selection=best["selection"],
        history=history,
        n_train=len(data.train_rows),
        n_selection=len(data.selection_rows),
        time_s=round(time.perf_counter() - started, 1),
        precision=precision,
        seconds_per_image_epoch=float(np.median(fit_times)) / max(1, len(batches) * config.batch_size),
        seed=config.seed,
        subset_seed=subset_seed,
    )
    done.write_text(json.dumps(asdict(result), indent=1))
    return result


def hardware() -> dict[str, Any]:
    """facexai.training.train's hardware record, plus whether the CPU computes bfloat16."""
    from facexai.training.train import hardware as keras_hardware

    return {**keras_hardware(), "bf16": cpu_has_bf16()}


def train_bundle(
    config: BundleConfig, log: Callable[[str], None] = print, callbacks: Sequence[Any] = ()
) -> dict[str, Any]:
    """The configured phases; returns a summary with each phase's result and the timings."""
    started = time.perf_counter()
    dat = verified_dat_path(DAT_SHA256)
    net = read_dat(dat)
    labels_csv = config.fairface_dir / config.train_csv
    present = keep_present(read_labels(labels_csv), config.fairface_dir)
    if present.missing:
        log(f"{labels_csv}: {len(present.missing)} images missing, skipped")
    table = present.table.head(config.limit) if config.limit else present.table
    datas = {phase: phase_data(table, phase, config) for phase in config.phases}
    needed = sorted({i for d in datas.values() for i in d.train_rows + d.selection_rows})
    t0 = time.perf_counter()
    images = np.zeros((len(table), INPUT_SIZE, INPUT_SIZE, 3), np.uint8)
    images[needed] = decode_images(
        [config.fairface_dir / table.rows[i]["file"] for i in needed], INPUT_SIZE, config.workers
    )
    decode_s = time.perf_counter() - t0
    log(f"decoded {len(needed)} chips at {INPUT_SIZE} px in {decode_s:.0f} s")
    results = {}
    for phase in phase_order(config.phases):  # a phase after the one it starts from
        d = datas[phase]
        log(f"[{phase}] {len(d.train_rows)} train chips, {len(d.selection_rows)} selection chips")
        results[phase] = train_phase(phase, images, d, config, net, log, callbacks)
    summary = {
        "config": config.to_dict(),
        "phases": {p: asdict(r) for p, r in results.items()},
        "decode_s": round(decode_s, 1),
        "total_s": round(time.perf_counter() - started, 1),
        "hardware": hardware(),
        "backbone": {"file": str(dat.name), "sha256": DAT_SHA256},
    }
    (config.work_dir / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary


def write_log_csv(history: list[dict[str, Any]], keras_log: Path, task: str, path: Path) -> None:
    """One served model's per-epoch log: epoch (from 0, as Keras writes it), the summed training
    loss, this task's training loss and accuracy (augmented batches), and its accuracy on the
    held-out selection chips (mirror-averaged)."""
    train: dict[int, dict[str, str]] = {}
    if keras_log.is_file():
        with keras_log.open(newline="") as f:
            train = {int(row["epoch"]): row for row in csv.DictReader(f)}
    with path.open("w", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(["epoch", "loss", "task_loss", "accuracy", "selection_accuracy", "fit_s"])
        for h in history:
            row = train.get(h["epoch"] - 1, {})
            w.writerow(
                [
                    h["epoch"] - 1,
                    f"{h['train_loss']:.5f}",
                    row.get(f"{task}_loss", ""),
                    row.get(f"{task}_accuracy", ""),
                    f"{h['selection'][task]:.5f}",
                    h["fit_s"],
                ]
            )
