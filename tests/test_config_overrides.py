"""The training config: seed defaults, TOML files, typed command-line overrides, unknown keys."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from facexai.training.config import Config, ConfigError, load_config, parse_override, to_toml

REPO = Path(__file__).resolve().parents[1]
CONFIGS = REPO / "scripts" / "configs"


def test_defaults_are_the_seeds_values() -> None:
    t = Config().training
    assert (t.optimizer, t.learning_rate, t.batch_size, t.epochs) == ("nadam", 0.0008, 128, 300)
    assert (t.early_stopping_patience, t.monitor, t.restore_best_weights) == (30, "val_loss", True)
    assert (t.lr_factor, t.lr_patience) == (0.5, 10)
    assert (t.rotation_degrees, t.horizontal_flip, t.vertical_flip) == (30.0, True, False)
    assert Config().model.architecture == "seed"


def test_default_toml_matches_the_built_in_defaults() -> None:
    assert load_config(CONFIGS / "default.toml") == Config()


@pytest.mark.parametrize("name", ["age", "gender", "race", "race_biased"])
def test_model_configs_load_and_name_their_model(name: str) -> None:
    config = load_config(CONFIGS / f"{name}.toml")
    assert config.name == name
    assert config.data.task == name.split("_")[0]
    assert (config.data.subset == "race_biased") == name.endswith("_biased")


@pytest.mark.parametrize(
    ("item", "expected"),
    [
        ("training.epochs=3", ("training", "epochs", 3)),
        ("training.learning_rate=1e-3", ("training", "learning_rate", 0.001)),
        ("training.learning_rate=1", ("training", "learning_rate", 1.0)),
        ("training.vertical_flip=true", ("training", "vertical_flip", True)),
        ("data.limit = 64", ("data", "limit", 64)),
        ("model.name=race_small", ("model", "name", "race_small")),
        ('data.task="age"', ("data", "task", "age")),
        ("data.dir=/tmp/a b", ("data", "dir", "/tmp/a b")),
        ("model.weights=", ("model", "weights", "")),
    ],
)
def test_overrides_are_parsed_by_the_keys_type(item: str, expected: tuple) -> None:
    section, key, value = parse_override(item)
    assert (section, key, value) == expected
    assert type(value) is type(expected[2])


@pytest.mark.parametrize(
    ("item", "message"),
    [
        ("training.epoch=3", "unknown config key training.epoch"),
        ("train.epochs=3", "unknown config section"),
        ("epochs=3", "section.key"),
        ("training.epochs", "section.key=value"),
        ("training.epochs=three", "cannot parse"),
        ("training.epochs=2.5", "must be an integer"),
        ("training.epochs=true", "must be an integer"),
        ("training.horizontal_flip=1", "must be true or false"),
        ("training.learning_rate=fast", "cannot parse"),
        ("data.task=dog", "must be one of"),
        ("training.optimizer=adagrad", "must be one of"),
    ],
)
def test_bad_overrides_are_rejected(item: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        load_config(None, [item])


def test_file_then_overrides_in_order(tmp_path: Path) -> None:
    path = tmp_path / "c.toml"
    path.write_text('[training]\nepochs = 7\nbatch_size = 32\n[data]\ntask = "gender"\n')
    config = load_config(path, ["training.epochs=2", "training.epochs=4"])
    assert config.training.epochs == 4  # the last override wins
    assert config.training.batch_size == 32  # from the file
    assert config.data.task == "gender"
    assert config.training.learning_rate == 0.0008  # default


@pytest.mark.parametrize(
    "text",
    ["[training]\nepoch = 3\n", "[optimiser]\nname = 'x'\n", "epochs = 3\n", '[training]\nepochs = "3"\n'],
)
def test_bad_files_are_rejected(tmp_path: Path, text: str) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(text)
    with pytest.raises(ConfigError):
        load_config(path)


def test_to_toml_round_trips(tmp_path: Path) -> None:
    config = load_config(None, ["training.learning_rate=2.5e-05", 'model.description=a "quoted" text', "data.limit=9"])
    path = tmp_path / "resolved.toml"
    path.write_text(to_toml(config))
    assert load_config(path) == config


def test_paths_resolve_from_the_data_dir(tmp_path: Path) -> None:
    config = load_config(None, [f"data.dir={tmp_path}", "data.val_csv=/abs/val.csv"])
    assert config.train_csv == tmp_path / "fairface_label_train.csv"
    assert config.val_csv == Path("/abs/val.csv")
    assert config.image_root == tmp_path


#: runs ``facexai train`` in a fresh interpreter and fails if it imported TensorFlow
TRAIN_WITHOUT_TF = """
import sys
from facexai.commands import main
code = main(["train", *sys.argv[1:]])
assert "tensorflow" not in sys.modules, "facexai train imported TensorFlow before checking its configs"
sys.exit(code)
"""


def test_train_command_checks_configs_before_loading_keras() -> None:
    def train(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-c", TRAIN_WITHOUT_TF, *args], capture_output=True, text=True)

    ok = train("--print-config", "--set", "training.epochs=3")
    assert ok.returncode == 0, ok.stderr
    assert "epochs = 3\n" in ok.stdout
    bad = train("--set", "training.epoch=3")
    assert bad.returncode == 2, bad.stderr
    assert "unknown config key training.epoch" in bad.stderr
    config = REPO / "scripts" / "configs" / "race.toml"
    twice = train("--config", str(config), "--config", str(config))
    assert twice.returncode == 2, twice.stderr
    assert "two configs train the same model name" in twice.stderr
