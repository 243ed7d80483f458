"""The dynamics measurements against independent oracles (the SVD, dense eigenvalues, the
assignment's own gradient descent) and the detectors on both sides of the 2 / L threshold."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

from fashionlab.analysis.dynamics import MIN_ALTERNATIONS, Dynamics, measure, measure_pair
from fashionlab.analysis.findings import _runs, summarise
from fashionlab.data.datasets import load_fashion_mnist
from fashionlab.data.preprocessing import (
    bias_trick,
    flatten,
    get_data_subset,
    normalize,
    to_dataframe,
    train_test_validation_split,
)
from fashionlab.models.logistic import gradient_descent, sigmoid


def bright_images(n: int = 400, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Like pixels: every feature near 1 (one dominant, mean-image direction), one weakly informative."""
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=(n, 1))
    features = 1 + 0.2 * rng.standard_normal((n, 4))
    features[:, :1] += 0.3 * (2 * y - 1)
    return bias_trick(features), y


def limit_of(X: np.ndarray) -> float:
    """2 / L with L = ||X||_2^2 / (4n), from the SVD: an oracle independent of the module's eigh."""
    return float(2 / (np.linalg.norm(X, 2) ** 2 / (4 * len(X))))


def test_curvature_matches_the_svd_and_the_hessian_at_zero() -> None:
    X, y = bright_images()
    dynamics = measure(X, y, X, y, learning_rate=0.1, steps=3)
    assert dynamics.lambda_max == pytest.approx(np.linalg.norm(X, 2) ** 2, rel=1e-10)
    assert dynamics.stable_step_limit == pytest.approx(limit_of(X), rel=1e-10)
    assert dynamics.lipschitz == pytest.approx(dynamics.lambda_max / (4 * len(X)))
    # at theta = 0 every h is 1/2, so the Hessian X^T D X / n is exactly X^T X / (4n)
    assert dynamics.hessian_top[0] == pytest.approx(dynamics.lipschitz, rel=1e-8)
    assert dynamics.second_curvature == pytest.approx(np.linalg.svd(X)[1][1] ** 2 / (4 * len(X)))
    # Q4.3's ink: L is at least a quarter of the mean row's squared length, 1 for the bias included
    mean_row = X.mean(axis=0)
    assert dynamics.mean_row_norm_squared == pytest.approx(mean_row @ mean_row, rel=1e-12)
    assert summarise(dynamics).mean_row_norm_squared == dynamics.mean_row_norm_squared
    assert dynamics.mean_row_norm_squared / 4 <= dynamics.lipschitz * (1 + 1e-12)


def test_hessian_along_the_path_matches_dense_eigenvalues() -> None:
    X, y = bright_images()
    dynamics = measure(X, y, X, y, learning_rate=0.5, steps=6)
    for k in (2, 5):  # theta after k updates is step k + 1
        theta = gradient_descent(X, y, X, y, 0.5, k)[0]
        h = sigmoid(X @ theta).ravel()
        dense = X.T @ (X * (h * (1 - h))[:, None]) / len(X)
        assert dynamics.hessian_top[k] == pytest.approx(np.linalg.eigvalsh(dense)[-1], rel=1e-7)


def test_path_is_the_assignments_gradient_descent() -> None:
    X, y = bright_images()
    dynamics = measure(X, y, X[:100], y[:100], learning_rate=0.5, steps=8)
    _, train_losses, _, _, val_accuracies = gradient_descent(X, y, X[:100], y[:100], 0.5, 8)
    np.testing.assert_allclose(dynamics.train_loss, train_losses, rtol=1e-12)
    assert dynamics.val_accuracy == val_accuracies
    theta = gradient_descent(X, y, X, y, 0.5, 4)[0].ravel()
    assert dynamics.bias[4] == pytest.approx(theta[0])
    # what is left of theta outside span{bias axis, top eigenvector}, by least squares
    top = np.linalg.svd(X)[2][0]
    basis = np.column_stack((np.eye(X.shape[1])[:, 0], top))
    residual = theta - basis @ np.linalg.lstsq(basis, theta, rcond=None)[0]
    assert dynamics.rest_norm[4] == pytest.approx(np.linalg.norm(residual), abs=1e-12)
    assert abs(dynamics.top_component[4]) == pytest.approx(abs(top @ theta))


def test_a_step_above_the_limit_oscillates_and_the_loss_rises() -> None:
    X, y = bright_images()
    findings = summarise(measure(X, y, X, y, learning_rate=1.5 * limit_of(X), steps=40))
    assert findings.step_exceeds_limit and findings.step_ratio == pytest.approx(1.5)
    assert findings.oscillates_along_top_direction
    assert findings.alternating_steps >= MIN_ALTERNATIONS
    assert findings.oscillation_period == 2.0
    assert findings.oscillation_grows
    assert findings.first_amplification > 1
    assert findings.loss_rises
    assert findings.top_direction_is_mean_image


def test_a_step_below_the_limit_does_not() -> None:
    X, y = bright_images()
    findings = summarise(measure(X, y, X, y, learning_rate=0.4 * limit_of(X), steps=40))
    assert not findings.step_exceeds_limit
    assert not findings.oscillates_along_top_direction
    assert findings.alternating_steps == 0
    assert findings.oscillation_period is None and findings.oscillation_peak_step is None
    assert not findings.oscillation_grows
    assert not findings.loss_rises and findings.rise_from_step is None
    assert findings.curvature_below_limit_step == 1


def test_just_below_the_limit_the_overshoot_alternates_but_dies_down() -> None:
    X, y = bright_images()
    findings = summarise(measure(X, y, X, y, learning_rate=0.95 * limit_of(X), steps=40))
    assert not findings.step_exceeds_limit
    assert not findings.oscillation_grows
    assert findings.first_amplification < 1


def make_dynamics(**changes: object) -> Dynamics:
    """A hand-made record, to test summarise on numbers chosen for each side of each rule."""
    base: dict[str, object] = dict(
        learning_rate=0.1,
        n_train=10,
        lambda_max=40.0,
        lipschitz=1.0,
        stable_step_limit=2.0,
        step_ratio=0.05,
        second_curvature=0.1,
        mean_row_norm_squared=3.9,
        cosine_mean_image_top=0.995,
        top_direction_bias_weight=0.1,
        train_loss=[0.7, 0.6, 0.5, 0.55, 0.58, 0.5],
        val_accuracy=[0.5, 0.6, 0.7, 0.7, 0.7, 0.8],
        predicted_second_class=[1.0, 0.5, 0.5, 0.5, 0.5, 0.5],
        bias=[0.0] * 6,
        top_component=[0.0] * 6,
        mean_image_component=[0.0] * 6,
        rest_norm=[0.0] * 6,
        top_update=[0.1, 0.05, 0.02, 0.01, 0.01, 0.01],
        hessian_top=[1.0] * 6,
        effective_curvature=[5.0] * 5,
        loss_rise_steps=[4, 5],
        sign_flip_steps=[],
        zigzag_steps=[],
    )
    base.update(changes)
    return Dynamics(**base)  # type: ignore[arg-type]


def test_summarise_reports_the_largest_climb_with_its_losses() -> None:
    findings = summarise(make_dynamics())
    assert (findings.rise_from_step, findings.rise_to_step) == (3, 5)
    assert (findings.rise_from_loss, findings.rise_to_loss) == (0.5, 0.58)
    none = summarise(make_dynamics(loss_rise_steps=[]))
    assert not none.loss_rises and none.rise_to_loss is None


def test_summarise_counts_alternations_on_both_sides_of_the_bar() -> None:
    flips = list(range(2, 2 + MIN_ALTERNATIONS))
    assert summarise(make_dynamics(sign_flip_steps=flips)).oscillates_along_top_direction
    short = summarise(make_dynamics(sign_flip_steps=flips[:-1]))
    assert not short.oscillates_along_top_direction and short.alternating_steps == len(flips) - 1


def test_summarise_zigzag_and_mean_image_bars() -> None:
    accuracy = [0.5, 0.7, 0.6, 0.7, 0.6, 0.7, 0.6, 0.7, 0.8]
    findings = summarise(
        make_dynamics(
            val_accuracy=accuracy, zigzag_steps=[3, 4, 5, 6, 7, 8], cosine_mean_image_top=0.98
        )
    )
    assert findings.accuracy_zigzags
    assert (findings.zigzag_from_step, findings.zigzag_to_step) == (2, 8)
    assert (findings.zigzag_low, findings.zigzag_high) == (0.6, 0.7)
    assert findings.largest_accuracy_drop == pytest.approx(0.1)
    assert not findings.top_direction_is_mean_image


def test_runs_group_close_steps() -> None:
    assert _runs([3, 4, 5, 9]) == [[3, 4, 5], [9]]
    assert _runs([3, 4, 5, 9], max_gap=4) == [[3, 4, 5, 9]]
    assert _runs([]) == []


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"learning_rate": -1.0}, "learning_rate must be a finite number > 0, got -1.0"),
        ({"learning_rate": float("nan")}, "learning_rate must be a finite number > 0, got nan"),
        ({"steps": 1}, "steps must be an integer >= 2, got 1"),
        ({"steps": 2.5}, "steps must be an integer >= 2, got 2.5"),
        (
            {"X_train": np.ones((5, 2))},
            "X_train must be \\(n >= 2, d >= 3\\) .* got shape \\(5, 2\\)",
        ),
        ({"X_train": np.zeros((5, 3))}, "X_train's first column must be the bias column of ones"),
        ({"y_train": np.full((5, 1), 2)}, "y_train must hold labels 0 and 1 only, got .*\\[2\\]"),
        ({"y_train": np.zeros((4, 1))}, "X_train and y_train must have as many rows, got 5 and 4"),
        ({"X_val": np.ones((3, 4))}, "X_val must have X_train's 3 columns, got shape \\(3, 4\\)"),
        ({"X_val": np.ones((2, 3))}, "X_val and y_val must have as many rows, got 2 and 3"),
        ({"X_val": np.full((3, 3), np.nan)}, "X_val must hold finite values only, got nan"),
    ],
)
def test_measure_rejects_bad_arguments(changes, message) -> None:
    arguments: dict[str, object] = {
        "X_train": np.ones((5, 3)),
        "y_train": np.array([[0], [1], [0], [1], [1]]),
        "X_val": np.ones((3, 3)),
        "y_val": np.zeros((3, 1)),
        "learning_rate": 0.1,
        "steps": 3,
    }
    arguments.update(changes)
    with pytest.raises(ValueError, match=message):
        measure(**arguments)  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def df_train(real_data_dir):
    """The training images as the assignment's frame, loaded here so only the data layer is needed."""
    (images, labels), _ = load_fashion_mnist(real_data_dir)
    return to_dataframe(flatten(normalize(images)), labels)


@pytest.fixture(scope="module")
def first_steps(df_train) -> dict[str, Dynamics]:
    """The assignment's first 40 steps on each pair, as docs/dynamics.md measures them (once for
    the module's tests)."""
    pairs = (("Pullover", "Coat"), ("Trouser", "Ankle boot"))
    return {pair[0]: measure_pair(df_train, pair, learning_rate=0.05, steps=40) for pair in pairs}


@pytest.mark.slow
@pytest.mark.realdata
def test_pullover_coat_loss_rises_because_the_step_exceeds_the_limit(first_steps) -> None:
    dynamics = first_steps["Pullover"]
    findings = summarise(dynamics)
    assert dynamics.n_train == 7200
    assert findings.step_exceeds_limit and 1.1 < findings.step_ratio < 1.3
    assert findings.loss_rises
    # logistic regression is the same on every machine: the README's "rises from step 8 to 14"
    assert (findings.rise_from_step, findings.rise_to_step) == (8, 14)
    assert findings.rise_from_loss == pytest.approx(0.63, abs=0.01)
    assert findings.rise_to_loss == pytest.approx(0.675, abs=0.01)
    assert findings.oscillates_along_top_direction and findings.oscillation_grows
    assert findings.top_direction_is_mean_image
    # the first overshoot grows as a quadratic of curvature L predicts: |1 - 0.05 L|
    assert findings.first_amplification == pytest.approx(findings.predicted_amplification, rel=0.02)
    assert findings.accuracy_zigzags and findings.prediction_swing > 0.5
    # measured after the first update: at step 1 the tie rule predicts every row as one class
    assert findings.prediction_swing_step is not None and findings.prediction_swing_step >= 3
    # Q4.3: the Pullovers and Coats carry more ink than the Trousers and Ankle boots, and the mean
    # row's direction takes most of L (measured: 173.9 against 93.6, over 90% of L for both)
    easy = summarise(first_steps["Trouser"])
    assert findings.mean_row_norm_squared > 1.5 * easy.mean_row_norm_squared
    for found in (findings, easy):
        assert 0.85 < found.mean_row_norm_squared / 4 / found.lipschitz <= 1


@pytest.mark.slow
@pytest.mark.realdata
def test_trouser_ankle_boot_descends_without_oscillating(first_steps) -> None:
    findings = summarise(first_steps["Trouser"])
    assert not findings.step_exceeds_limit and findings.step_ratio < 0.7
    assert not findings.loss_rises
    assert not findings.oscillates_along_top_direction
    assert not findings.accuracy_zigzags


def test_measure_takes_numpy_numbers_as_gradient_descent_does() -> None:
    """np.int64 steps and np.float32 rates pass logistic regression's checks: here too."""
    X = np.ones((5, 3))
    X[:, 1:] = np.arange(10).reshape(5, 2) / 10
    measured = measure(
        X,
        np.array([[0], [1], [0], [1], [1]]),
        X[:3],
        np.array([[0], [1], [0]]),
        np.float32(0.1),
        steps=np.int64(3),  # numpy scalars, as a caller may pass them
    )
    assert len(measured.val_accuracy) >= 3


def test_the_largest_fall_is_found_with_where_it_recovers() -> None:
    from fashionlab.analysis.findings import Fall, largest_fall

    path = [0.49, 0.60, 0.68, 0.66, 0.70, 0.52, 0.55, 0.69, 0.71, 0.8]  # steps 1 ... 10
    assert largest_fall(path, within=10) == Fall(5, 0.70, 6, 0.52, 9)  # 0.70 -> 0.52, back at 9
    assert largest_fall(path, within=4) == Fall(3, 0.68, 4, 0.66, 5)  # only the first 4 steps
    assert largest_fall(path[:8], within=8) == Fall(5, 0.70, 6, 0.52, None)  # never back
    assert largest_fall([0.5, 0.6, 0.6, 0.7], within=4) is None  # never falls


def test_turns_count_the_changes_of_direction_between_two_steps() -> None:
    from fashionlab.analysis.findings import turns

    path = [1, 2, 1, 2, 2, 3, 1]  # up, down, up, flat, up, down: turns at steps 2, 3 and 6
    assert turns(path, 1, 7) == 3
    assert turns(path, 3, 5) == 1  # only step 3's
    assert turns(path, 4, 5) == 0  # a flat step is no turn
    assert turns([1, 2, 2, 1], 1, 4) == 1  # up, flat, down: one turn (a review: it was none)
    assert turns([1, 2, 2, 1], 1, 2) == 0  # at step 3, where it falls
    assert turns([2, 1, 1, 1, 0], 1, 5) == 0  # down, flat, flat, down


def _as_shown(text: str, value: float) -> bool:
    """``text`` is ``value`` as a reader sees it: rounded to the digits it shows."""
    digits = len(text.partition(".")[2])
    return abs(value - float(text)) <= 0.5 * 10**-digits * (1 + 1e-9)


@pytest.mark.slow
@pytest.mark.realdata
def test_the_numbers_docs_dynamics_md_gives_are_measured(first_steps, df_train) -> None:
    """docs/dynamics.md's table and figures were typed in (the docs audit of stop 43): each is
    the measurement, as shown. Logistic regression is float64 numpy: the same on every machine."""
    doc = (Path(__file__).resolve().parents[1] / "docs" / "dynamics.md").read_text()
    rows = {
        cells[0]: [cell.strip("* ").replace(" ", "") for cell in cells[1:]]
        for line in doc.splitlines()
        if line.startswith("| ") and not line.startswith("|--")
        for cells in [[cell.strip() for cell in line.strip("|").split("|")]]
    }
    measured = {
        "lambda_max(X^T X)": "lambda_max",
        "L = lambda_max / (4n)": "lipschitz",
        "stable step limit 2 / L": "stable_step_limit",
        "learning rate / limit": "step_ratio",
        "next curvature, lambda_2 / (4n)": "second_curvature",
        "cosine(mean image, top eigenvector)": "cosine_mean_image_top",
    }
    for label, field in measured.items():
        for shown, pair in zip(rows[label], ("Pullover", "Trouser"), strict=True):
            assert _as_shown(shown, getattr(first_steps[pair], field)), (label, pair, shown)
    coat, trouser = first_steps["Pullover"], first_steps["Trouser"]
    prose = " ".join(doc.split())
    figures = {  # a phrase of the page, with {} where each measured number is shown
        "rises from {} at step 8 to {} at step 14": (coat.train_loss[7], coat.train_loss[13]),
        "|mean row|^2 ({} against {})": (coat.mean_row_norm_squared, trouser.mean_row_norm_squared),
        "its weight in the top eigenvector is {}": (abs(coat.top_direction_bias_weight),),
        "falls from {} (step 1) to {} (step 6) and then {} (step 11)": tuple(
            coat.hessian_top[k] for k in (0, 5, 10)
        ),
        "At first each swing is {} times the previous one": (summarise(coat).first_amplification,),
        "predicts |1 - 0.05 × 47.52| = {}": (summarise(coat).predicted_amplification,),
        "top eigenvalue falls from {} to": (trouser.hessian_top[0],),
    }
    accuracy, falls = coat.val_accuracy, -np.diff(coat.val_accuracy)  # [k - 1]: step k's
    slower, slowest = (  # the check below the limit (a review of stop 46 found "stop after step
        measure_pair(df_train, ("Pullover", "Coat"), learning_rate=rate, steps=40)  # 7" untrue)
        for rate in (0.04, 0.03)
    )
    figures |= {
        "It stays between {} and {}, with single-step falls of up to {}": (
            min(accuracy[2:]),  # steps 3 to 40
            max(accuracy[2:]),
            max(falls[1:]),
        ),
        "after 40 steps is {}, against {} at 0.05": (slower.val_accuracy[-1], accuracy[-1]),
        "(ratio {}, predicted {})": (
            summarise(slower).first_amplification,
            summarise(slower).predicted_amplification,
        ),
        "the training loss falls at every step, from {} to {} by step 40": (
            trouser.train_loss[0],
            trouser.train_loss[-1],
        ),
        "The validation accuracy is {} after one update and {} from step 12 on": (
            trouser.val_accuracy[1],
            min(trouser.val_accuracy[11:]),
        ),
        "The Hessian's top eigenvalue falls from {} to {} by step 40": (
            trouser.hessian_top[0],
            trouser.hessian_top[-1],
        ),
    }
    for phrase, values in figures.items():
        pattern = re.escape(phrase).replace(r"\{\}", r"(\d+(?:\.\d+)?)")
        found = re.search(pattern, prose)
        assert found is not None, phrase
        for shown, value in zip(found.groups(), values, strict=True):
            assert _as_shown(shown, value), (phrase, shown, value)
    assert max(abs(b) for b in coat.bias) < 0.032  # "stays below 0.032 in size"
    assert "the classes are balanced (49.96 % Coat)" in prose
    X, y = get_data_subset(df_train, ["Pullover", "Coat"])
    coats = train_test_validation_split(X, y)[1]
    assert round(100 * float(coats.mean()), 2) == 49.96
    assert "about 460 pixels above 0.1, against about 300 for trousers and ankle boots" in prose
    assert round((X > 0.1).sum(axis=1).mean(), -1) == 460
    trousers = get_data_subset(df_train, ["Trouser", "Ankle boot"])[0]
    assert round((trousers > 0.1).sum(axis=1).mean(), -2) == 300
    assert max(trouser.val_accuracy[11:]) == min(trouser.val_accuracy[11:])  # "from step 12 on"
    assert slower.loss_rise_steps == [] and trouser.loss_rise_steps == []  # "never rises"
    assert trouser.sign_flip_steps == [2, 3]  # "changes sign only at steps 2 and 3"
    assert coat.sign_flip_steps == list(range(2, 41))  # "every step of the 40-step record"
    assert slowest.sign_flip_steps == [2, 3, 4, 5, 6, 7, 40]
    assert "the sign changes come at steps 2 to 7 and once more at step 40" in prose
    # the Hessian, the swings and the predictions along the 40 steps at 0.05
    found = summarise(coat)
    assert found.curvature_below_limit_step == 11  # "That is the first step below 2 / 0.05 = 40"
    assert "(step 11). That is the first step below 2 / 0.05 = 40" in prose
    assert (round(min(coat.hessian_top[11:])), round(max(coat.hessian_top[11:]))) == (34, 38)
    assert "After that it stays at about 34 to 38" in prose
    # effective_curvature[0] is step 2's: the update of step 2 against step 1's
    crossed = next(k for k, c in enumerate(coat.effective_curvature, 2) if c < 40)
    assert (crossed, found.oscillation_peak_step) == (16, 15)
    assert "first falls below 40 at step 16 (from the\n  swings of steps 15 and 16), so the " in doc
    assert "largest swing is at step 15." in prose and "around steps 11 to 16." in prose
    swings = np.abs(coat.top_update)
    shrink = f"({swings[15] / swings[14]:.3f} of the previous one at step 16)"
    assert shrink in prose and f"({swings[-1] / swings[-2]:.3f} at step 40)" in prose
    grows = np.diff(coat.rest_norm)
    assert (round(min(grows), 2), round(max(grows), 2)) == (0.01, 0.03)
    assert "its norm rises by 0.01 to 0.03 per step" in prose
    share = coat.predicted_second_class
    assert found.prediction_swing == pytest.approx(abs(share[13] - share[12]))
    assert (round(100 * share[13]), round(100 * share[14])) == (97, 10)
    assert "97 % of\n  the training images as Coat at one step and 10 % at the next" in doc
    assert f"the largest swing in that share is\n  {found.prediction_swing:.2f}" in doc
    # "from step 2 to step 72 over 100 steps": the longer record, measured here
    longer = measure_pair(df_train, ("Pullover", "Coat"), learning_rate=0.05, steps=100)
    assert longer.sign_flip_steps == list(range(2, 73)) and found.oscillation_period == 2
    assert (
        "changes sign at every step from\n  step 2 to step 72 over 100 steps (a period of 2 steps"
        in doc
    )
