"""The answer composer on made-up results: the sentences must follow the numbers."""

from __future__ import annotations

import copy
import re

import pytest

from fashionlab.render import answers


def _logreg(val: float, converged: float, s95: int, s99: int, capped: bool = False) -> dict:
    return {
        "classes": [], "learning_rate": 0.05, "steps": 100, "n_train": 7200, "n_val": 2400,
        "n_test": 2400, "train_accuracy": val + 0.01, "train_loss": 0.3, "val_accuracy": val,
        "val_loss": 0.35, "test_accuracy": val - 0.01, "official_test_accuracy": val - 0.02,
        "steps_to_95": s95, "steps_to_99": s99, "initial_val_accuracy": 0.5,
        "converged_val_accuracy": converged, "converged_test_accuracy": converged,
        "converged_gain_val": converged - val,
        "converged_official_test_accuracy": converged, "converged_steps": 1000 if capped else 321,
        "converged_max_steps": 1000, "history": {"val_loss": [0.6931, 0.35]},
    }  # fmt: skip


def fake_results(easy_val=0.99, hard_val=0.80, net_val=0.91, easy_mix=0.004, hard_mix=0.2) -> dict:
    easy, hard = "Trouser vs Ankle boot", "Pullover vs Coat"
    net = {
        "classes": ["Pullover", "Coat"], "epochs_run": 44, "best_epoch": 36, "batch_size": 64,
        "optimizer": "adam", "learning_rate": 0.001, "activation": "relu", "val_accuracy": net_val,
        "test_accuracy": net_val - 0.01, "logreg_val_accuracy": hard_val,
        "logreg_test_accuracy": hard_val - 0.02, "logreg_converged_val_accuracy": 0.87,
        "n_parameters": 78601, "epochs_max": 60, "hidden_units": 100, "n_official_test": 2000,
        "patience": 8, "steps_to_95": 2, "steps_to_99": 11,
    }  # fmt: skip
    return {
        "config": {"pairs": [["Trouser", "Ankle boot"], ["Pullover", "Coat"]]},
        "thresholds": [0.95, 0.99],
        "data": {
            "dtype_before": "uint8",
            "dtype_after": "float64",
            "pixel_min_before": 0,
            "pixel_max_before": 255,
            "pixel_min_after": 0.0,
            "pixel_max_after": 1.0,
            "first_image_class": "Ankle boot",
            "train_shape_before": [60000, 28, 28],
            "train_shape_after": [60000, 784],
            "test_shape_before": [10000, 28, 28],
            "test_shape_after": [10000, 784],
            "frame_columns": 786,
        },  # fmt: skip
        "embedding": {
            "dimensions_before": 784,
            "components": 50,
            "kept_variance": 0.8007,
            "points": 10000,
            "map_dimensions": 2,
            "neighbour_agreement": 0.81,
            "neighbours": 10,
            "folds": 5,
            "pair_mixing": {easy: easy_mix, hard: hard_mix},
        },  # fmt: skip
        "logreg": {easy: _logreg(easy_val, 1.0, 2, 3), hard: _logreg(hard_val, 0.87, 34, 73)},
        "network": net,
        "comparison": {
            "pair_gap_val": easy_val - hard_val,
            "margin_val": net_val - hard_val,
            "margin_test": net_val - hard_val + 0.01,
            "margin_val_converged": net_val - 0.87,
        },  # fmt: skip
        "timings": {
            "models": {f"logreg {easy}": 0.25, f"logreg {hard}": 0.21, f"network {hard}": 2.5}
        },  # fmt: skip
    }


def test_every_question_is_answered_without_placeholders() -> None:
    written = answers.compose(fake_results())
    assert list(written) == list(answers.QUESTIONS)
    text = " ".join(" ".join(p) for p in written.values())
    assert "YOUR ANSWER HERE" not in text.upper() and "YOUR CODE HERE" not in text.upper()


def test_numbers_follow_the_results() -> None:
    written = answers.compose(fake_results(hard_val=0.7777, net_val=0.9123))
    assert "77.77%" in " ".join(written["q4_2"])
    assert "91.23%" in " ".join(written["q5_1"])
    assert "13.46 percentage points better" in " ".join(written["q5_1"])


def test_gap_direction_follows_the_results() -> None:
    usual = " ".join(answers.compose(fake_results())["q4_3"])
    assert usual.startswith("They are different") and "in favour of Trouser vs Ankle boot" in usual
    flipped = " ".join(answers.compose(fake_results(easy_val=0.70, hard_val=0.95))["q4_3"])
    assert "in favour of Pullover vs Coat" in flipped
    same = " ".join(answers.compose(fake_results(easy_val=0.951, hard_val=0.95))["q4_3"])
    assert same.startswith("They are alike")


def test_a_network_that_loses_says_so() -> None:
    lost = " ".join(answers.compose(fake_results(net_val=0.75))["q5_1"])
    assert "worse" in lost and "did not beat" in lost
    won = " ".join(answers.compose(fake_results())["q5_1"])
    assert "Why it beat logistic regression" in won


@pytest.mark.parametrize(
    "mixing, words",
    [
        (0.0, "separate islands"),
        (0.03, "thin border"),
        (0.2, "overlap heavily"),
        (0.45, "thoroughly mixed"),
    ],  # fmt: skip
)
def test_map_wording_follows_the_overlap(mixing, words) -> None:
    assert words in " ".join(answers.compose(fake_results(hard_mix=mixing))["q3"])


def test_convergence_cap_is_reported() -> None:
    results = fake_results()
    results = copy.deepcopy(results)
    results["logreg"]["Trouser vs Ankle boot"]["converged_steps"] = 1000
    assert "cap of 1,000 steps" in " ".join(answers.compose(results)["q4_1"])


def test_every_number_in_the_answers_is_in_the_results() -> None:
    results = fake_results()
    written = answers.compose(results)
    cited = numbers_in(" ".join(" ".join(p) for p in written.values()))
    assert cited <= formatted_values(results)


NUMBER = re.compile(r"(?<![\w.])-?\d[\d,]*(?:\.\d+)?")


def numbers_in(text: str) -> set[str]:
    return {m.group().rstrip(".,").replace(",", "") for m in NUMBER.finditer(text)}


def formatted_values(results) -> set[str]:
    """Every leaf number of ``results`` in each format the answers use."""
    found: set[str] = set()

    def walk(value) -> None:
        if isinstance(value, dict):
            for v in value.values():
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            found.update({f"{100 * value:.2f}", f"{100 * abs(value):.2f}", f"{100 * value:g}",
                          f"{value:.4f}",
                          f"{value:.2f}", f"{value:g}", str(int(value))})  # fmt: skip

    walk(results)
    return found
