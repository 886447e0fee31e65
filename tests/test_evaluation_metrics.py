"""Evaluation numbers on hand-made predictions: exact confusion, precision/recall/F1, group
accuracies with sizes and Wilson intervals, the biased-vs-unbiased table, report and plots."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from facexai.core.labels import GENDER, RACE
from facexai.evaluation.evaluate import EvalData, bias_table, pair_biased, score_model
from facexai.evaluation.metrics import (
    accuracy_ci,
    classification_report,
    confusion_matrix,
    group_accuracy,
    json_safe,
    paired_gap,
    precision_recall_f1,
)
from facexai.models.manifest import ModelSpec

# 3 classes; true 0 x4, 1 x3, 2 x3
Y_TRUE = np.array([0, 0, 0, 0, 1, 1, 1, 2, 2, 2])
Y_PRED = np.array([0, 0, 1, 2, 1, 1, 0, 2, 0, 0])


def test_confusion_matrix_by_hand() -> None:
    cm = confusion_matrix(Y_TRUE, Y_PRED, 3)
    assert cm.tolist() == [[2, 1, 1], [1, 2, 0], [2, 0, 1]]


def test_precision_recall_f1_by_hand() -> None:
    precision, recall, f1, support = precision_recall_f1(confusion_matrix(Y_TRUE, Y_PRED, 3))
    # class 0: tp 2, predicted 5, true 4; class 1: tp 2, predicted 3, true 3; class 2: tp 1, predicted 2, true 3
    np.testing.assert_allclose(precision, [2 / 5, 2 / 3, 1 / 2])
    np.testing.assert_allclose(recall, [2 / 4, 2 / 3, 1 / 3])
    np.testing.assert_allclose(f1, [2 * 0.4 * 0.5 / 0.9, 2 / 3, 2 * 0.5 * (1 / 3) / (0.5 + 1 / 3)])
    assert support.tolist() == [4, 3, 3]


def test_report_accuracy_macro_f1_and_absent_classes() -> None:
    report = classification_report(Y_TRUE, Y_PRED, ["a", "b", "c", "never"])
    assert report["accuracy"] == pytest.approx(0.5)
    assert report["n"] == 10
    # the class with no examples and no predictions scores 0, not NaN, and is left out of the macro mean
    assert report["per_class"]["never"] == {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
    f1s = [report["per_class"][k]["f1"] for k in "abc"]
    assert report["macro_f1"] == pytest.approx(np.mean(f1s))
    assert report["balanced_accuracy"] == pytest.approx(np.mean([2 / 4, 2 / 3, 1 / 3]))


def test_labels_outside_the_classes_are_rejected() -> None:
    with pytest.raises(ValueError, match="outside"):
        confusion_matrix(np.array([0, 3]), np.array([0, 1]), 3)


def test_accuracy_interval_contains_the_estimate_and_narrows_with_n() -> None:
    rng = np.random.default_rng(0)
    small = rng.random(50) < 0.7
    large = rng.random(5000) < 0.7
    for flags in (small, large):
        low, high = accuracy_ci(flags)
        assert 0.0 <= low <= flags.mean() <= high <= 1.0
        assert low < high
    assert np.diff(accuracy_ci(large)) < np.diff(accuracy_ci(small)) / 5
    assert all(np.isnan(accuracy_ci(np.array([], bool))))


@pytest.mark.parametrize("flags", [np.zeros(20, bool), np.ones(20, bool), np.ones(1, bool)])
def test_accuracy_interval_stays_open_at_0_and_100_percent(flags: np.ndarray) -> None:
    """Where every face is wrong (or right) the interval still has width, on the side away from the edge."""
    low, high = accuracy_ci(flags)
    assert 0.0 <= low <= flags.mean() <= high <= 1.0 and low < high
    assert (low == 0.0) if not flags.any() else (high == pytest.approx(1.0))


def test_accuracy_interval_matches_the_normal_approximation() -> None:
    flags = np.arange(1000) < 600  # p = 0.6, n = 1000: half-width about 1.96 * sqrt(.24 / 1000) = 0.030
    low, high = accuracy_ci(flags)
    assert (high - low) / 2 == pytest.approx(0.0304, abs=0.001)


def test_group_accuracy_sizes_and_values() -> None:
    correct = np.array([1, 1, 0, 1, 0, 0, 1], bool)
    groups = np.array(["Male", "Male", "Male", "Female", "Female", "Female", "Female"])
    result = group_accuracy(correct, groups, GENDER)
    assert list(result) == ["Male", "Female"]
    assert result["Male"]["n"] == 3 and result["Male"]["accuracy"] == pytest.approx(2 / 3)
    assert result["Female"]["n"] == 4 and result["Female"]["accuracy"] == pytest.approx(0.5)
    for name, g in result.items():
        assert g["ci_low"] <= g["accuracy"] <= g["ci_high"]
        assert (g["ci_low"], g["ci_high"]) == accuracy_ci(correct[groups == name])
    absent = group_accuracy(correct, groups, ["Male", "Female", "Other"])
    assert absent["Other"]["n"] == 0 and np.isnan(absent["Other"]["accuracy"])


def test_paired_gap() -> None:
    a = np.array([1, 1, 1, 1, 0, 1, 1, 0], bool)
    gap = paired_gap(a, a, n_boot=200)
    assert gap == {"gap": 0.0, "ci_low": 0.0, "ci_high": 0.0}  # identical results: no gap, no spread
    b = np.array([0, 1, 0, 1, 0, 0, 1, 0], bool)
    gap = paired_gap(a, b, n_boot=2000, seed=0)
    assert gap["gap"] == pytest.approx(3 / 8)
    assert gap["ci_low"] <= 3 / 8 <= gap["ci_high"]
    assert gap["ci_low"] >= 0.0  # b is never right where a is wrong


def test_json_safe_makes_strict_json() -> None:
    data = {"a": float("nan"), "b": [np.float32(0.5), np.int64(3)], "c": np.array([1.0, np.inf])}
    assert json.loads(json.dumps(json_safe(data), allow_nan=False)) == {"a": None, "b": [0.5, 3], "c": [1.0, None]}


# ---- a model scored on hand-made probabilities ---------------------------------------------------


def eval_data(races: list[str], genders: list[str], ages: list[str]) -> EvalData:
    from facexai.core.fairface import LabelTable

    rows = [
        {"file": f"val/{i}.jpg", "race": r, "gender": g, "age": a, "service_test": "False"}
        for i, (r, g, a) in enumerate(zip(races, genders, ages, strict=True))
    ]
    return EvalData(LabelTable(rows, "hand-made"), Path("."), missing=[])


def one_hot(indices: list[int], n: int) -> np.ndarray:
    probs = np.full((len(indices), n), 0.01, np.float32)
    probs[np.arange(len(indices)), indices] = 0.9
    return probs


def spec(name: str, task: str, labels: tuple[str, ...], biased: bool = False) -> ModelSpec:
    return ModelSpec(name=name, task=task, file=f"{name}.keras", labels=list(labels), biased=biased)


RACES = ["White"] * 4 + ["Black"] * 2 + ["Indian"] * 2
DATA = eval_data(RACES, ["Male", "Female"] * 4, ["20-29"] * 6 + ["60-69"] * 2)


def test_score_model_breaks_a_gender_model_down_by_race_gender_and_age() -> None:
    # gender truth M F M F M F M F; predictions right on rows 0,1,2,3,4 and 6, wrong on 5 and 7
    predicted = [0, 1, 0, 1, 0, 0, 0, 0]
    result, correct = score_model(spec("gender", "gender", GENDER), one_hot(predicted, 2), DATA)
    assert correct.tolist() == [True] * 5 + [False, True, False]
    assert result["accuracy"] == pytest.approx(6 / 8)
    assert result["accuracy_by_race"]["White"] == pytest.approx(1.0)
    assert result["accuracy_by_race"]["Black"] == pytest.approx(0.5)
    assert result["accuracy_by_race"]["Indian"] == pytest.approx(0.5)
    assert np.isnan(result["accuracy_by_race"]["East Asian"])  # no such faces: not 0
    assert result["by_group"]["race"]["White"]["n"] == 4
    female = result["by_group"]["gender"]["Female"]  # rows 1, 3, 5, 7: right, right, wrong, wrong
    assert (female["n"], female["accuracy"]) == (4, 0.5)
    assert female["ci_low"] <= 0.5 <= female["ci_high"]
    assert result["by_group"]["age"]["60-69"]["accuracy"] == pytest.approx(0.5)
    assert result["race_accuracy_gap"] == pytest.approx(0.5)
    assert result["per_class"]["Female"]["recall"] == pytest.approx(2 / 4)
    assert result["per_class"]["Male"]["precision"] == pytest.approx(4 / 6)


def test_a_biased_model_is_compared_with_its_own_replicates_control() -> None:
    """With the imbalance experiment's arms in the set, each biased seed is reported against the control
    of its replicate (one difference: the race mix), not against race (data size and epochs differ too)."""
    specs = [spec("race", "race", RACE)]
    for replicate in (1, 2):
        suffix = "" if replicate == 1 else f"_{replicate}"
        for arm in ("biased", "control"):
            s = spec(f"race_{arm}{suffix}", "race", RACE, biased=arm == "biased")
            s.arm, s.replicate = arm, replicate
            specs.append(s)
    pairs = [(u.name, b.name) for u, b in pair_biased(specs)]
    assert pairs == [("race_control", "race_biased"), ("race_control_2", "race_biased_2")]


def test_bias_table_recall_per_race_and_gap() -> None:
    truth = [RACE.index(r) for r in RACES]
    unbiased_pred = truth.copy()
    unbiased_pred[4] = 0  # one Black face called White
    biased_pred = [0] * 8  # calls everybody White
    specs = [spec("race", "race", RACE), spec("race_biased", "race", RACE, biased=True), spec("age", "age", ())]
    specs[2].labels = ["x"]  # not a race model: never paired
    assert [(u.name, b.name) for u, b in pair_biased(specs)] == [("race", "race_biased")]
    correct = {
        "race": score_model(specs[0], one_hot(unbiased_pred, 7), DATA)[1],
        "race_biased": score_model(specs[1], one_hot(biased_pred, 7), DATA)[1],
    }
    table = bias_table(specs[0], specs[1], correct, DATA, n_boot=500)
    rows = {r["race"]: r for r in table["rows"]}
    assert rows["White"]["n"] == 4 and rows["White"]["unbiased"] == 1.0 and rows["White"]["biased"] == 1.0
    assert rows["Black"]["unbiased"] == 0.5 and rows["Black"]["biased"] == 0.0
    assert rows["Black"]["biased_ci"][0] == 0.0 < rows["Black"]["biased_ci"][1]  # 0 of 2: open, not a point
    assert rows["Black"]["gap"] == pytest.approx(0.5)
    assert rows["Indian"]["gap"] == pytest.approx(1.0)
    assert rows["East Asian"]["n"] == 0


def test_report_and_plots_are_written(tmp_path: Path) -> None:
    from facexai.commands.evaluate import write_plots
    from facexai.evaluation.report import render_report

    s_race, s_biased = spec("race", "race", RACE), spec("race_biased", "race", RACE, biased=True)
    truth = [RACE.index(r) for r in RACES]
    models, correct = {}, {}
    for s, pred in ((s_race, truth), (s_biased, [0] * 8)):
        models[s.name], correct[s.name] = score_model(s, one_hot(pred, 7), DATA)
        models[s.name]["training_log"] = None
    log = tmp_path / "race.log.csv"
    log.write_text(
        "epoch,accuracy,learning_rate,loss,val_accuracy,val_loss\n0,0.2,0.001,2.0,0.25,1.9\n1,0.3,0.001,1.8,0.3,1.7\n"
    )
    models["race"]["training_log"] = str(log)
    result = {
        "dataset": {"n": 8, "missing": 0, "counts": {"race": {"White": 4, "Black": 2, "Indian": 2}}},
        "accuracy_interval": {"method": "wilson", "level": 0.95},
        "bootstrap": {"resamples": 100, "level": 0.95, "seed": 0, "method": "percentile"},
        "models": models,
        "bias_comparison": [bias_table(s_race, s_biased, correct, DATA, n_boot=100)],
    }
    figures = write_plots(result, tmp_path)
    assert figures["race"] == ["curves_race.png", "per_class_race.png", "confusion_race.png", "groups_race.png"]
    assert "curves_race_biased.png" not in figures["race_biased"]  # no log, no curves
    assert figures[""] == ["accuracy_by_race.png", "bias_race_vs_race_biased.png"]
    for name in [*figures["race"], *figures[""]]:
        assert (tmp_path / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    text = render_report(json_safe(result), figures)
    assert "| Black | 2 | 100.0% |" in text  # the bias table row: unbiased recall on Black
    assert "+100.0 pt" in text
    assert "![confusion_race.png](confusion_race.png)" in text
    assert "an accuracy's is Wilson's score interval; a paired gap's a percentile bootstrap, 100 resamples" in text
