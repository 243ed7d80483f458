"""scikit-learn's own estimator checks, and the models inside Pipeline, GridSearchCV, cross_val_score."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest
from processes import modules_loaded
from sklearn.datasets import make_classification
from sklearn.exceptions import FitFailedWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils.estimator_checks import parametrize_with_checks

from fashionlab.models.estimators import LogisticRegressionGD, SoftmaxRegressionGD

# Checks that cannot apply, with the reason (scikit-learn's expected_failed_checks mechanism).
EXPECTED_FAILURES: dict[str, dict[str, str]] = {
    "LogisticRegressionGD": {},
    "SoftmaxRegressionGD": {},
}


def expected_failed_checks(estimator):
    return EXPECTED_FAILURES.get(type(estimator).__name__, {})


@parametrize_with_checks(
    [LogisticRegressionGD(), SoftmaxRegressionGD()],
    expected_failed_checks=expected_failed_checks,
)
def test_scikit_learn_estimator_checks(estimator, check) -> None:
    check(estimator)


def _binary():
    return make_classification(n_samples=300, n_features=8, random_state=0)


def _needs_a_large_rate(n: int = 300, seed: int = 0):
    """x1 = signal + noise, x2 = the same noise: the first gradient points along x1 alone (about
    66 % accurate), the answer x1 - x2 is exact. Reaching it takes a rate that turns theta far
    from its first direction within the step budget; a tiny rate stays on that first direction.
    """
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    noise = rng.normal(scale=3.0, size=n)
    return np.column_stack([(2 * y - 1) + noise, noise]), y


def test_logistic_in_pipeline_and_cross_validation() -> None:
    X, y = _binary()
    pipeline = make_pipeline(StandardScaler(), LogisticRegressionGD(num_steps=50))
    assert cross_val_score(pipeline, X, y, cv=5).mean() > 0.8


def test_grid_search_picks_the_rate_that_does_better_on_held_out_folds() -> None:
    X, y = _needs_a_large_rate()
    pipeline = make_pipeline(StandardScaler(), LogisticRegressionGD(num_steps=50))
    key = "logisticregressiongd__learning_rate"
    grid = GridSearchCV(pipeline, {key: [1e-3, 1.0]}, cv=3).fit(X, y)
    small, large = grid.cv_results_["mean_test_score"]
    assert small < 0.75 and large > 0.9  # measured 0.68 and 0.98
    assert grid.best_params_[key] == 1.0 and grid.best_score_ == large


@pytest.mark.filterwarnings("ignore:One or more of the test scores are non-finite")
def test_grid_search_never_picks_a_diverging_rate() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (90, 20))
    y = (X[:, :3].sum(axis=1) > 1.5).astype(int)
    with pytest.warns(FitFailedWarning, match="3 fits failed"):
        grid = GridSearchCV(LogisticRegressionGD(), {"learning_rate": [0.5, 1e308]}, cv=3).fit(X, y)
    scores = grid.cv_results_["mean_test_score"]
    assert np.isfinite(scores[0]) and np.isnan(scores[1])
    assert grid.best_params_ == {"learning_rate": 0.5}


def test_divergence_raises_naming_the_step_and_the_rate() -> None:
    rng = np.random.default_rng(0)
    X = rng.uniform(0, 1, (90, 20))
    y = (X[:, :3].sum(axis=1) > 1.5).astype(int)
    with pytest.raises(
        ValueError, match=r"diverged: .* not finite at step \d+ of 100 with learning_rate=1e\+308"
    ):
        LogisticRegressionGD(learning_rate=1e308).fit(X, y)


def test_fit_runs_the_library_loop_and_records_every_step() -> None:
    from fashionlab.data.preprocessing import bias_trick
    from fashionlab.models.logistic import descend

    X, y = _binary()
    model = LogisticRegressionGD(learning_rate=0.3, num_steps=40).fit(X, y)
    run = descend(bias_trick(X), y.reshape(-1, 1).astype(float), 0.3, 40)
    np.testing.assert_array_equal(
        np.concatenate([model.intercept_, model.coef_.ravel()]), run.theta.ravel()
    )
    assert model.loss_curve_ == run.history["train_loss"] and model.n_iter_ == 40
    assert all(np.diff(model.loss_curve_) < 0)  # full-batch descent at a small rate never climbs


def test_logistic_converges_to_scikit_learn_weights() -> None:
    rng = np.random.default_rng(2)
    X = rng.normal(size=(1000, 3))
    logits = 0.3 + X @ np.array([1.0, -1.5, 0.5])
    y = (rng.uniform(size=1000) < 1 / (1 + np.exp(-logits))).astype(int)
    ours = LogisticRegressionGD(learning_rate=2.0, num_steps=2000).fit(X, y)
    oracle = LogisticRegression(C=np.inf, tol=1e-10, max_iter=10_000).fit(X, y)
    np.testing.assert_allclose(ours.coef_, oracle.coef_, atol=1e-4)
    np.testing.assert_allclose(ours.intercept_, oracle.intercept_, atol=1e-4)
    np.testing.assert_allclose(ours.predict_proba(X), oracle.predict_proba(X), atol=1e-5)


def test_softmax_in_pipeline_grid_search_and_cross_validation() -> None:
    X, y = make_classification(
        n_samples=400, n_features=10, n_informative=6, n_classes=4, random_state=1
    )
    pipeline = make_pipeline(StandardScaler(), SoftmaxRegressionGD(epochs=20))
    assert cross_val_score(pipeline, X, y, cv=5).mean() > 0.5
    grid = GridSearchCV(pipeline, {"softmaxregressiongd__epochs": [1, 20]}, cv=3).fit(X, y)
    one_epoch, twenty_epochs = grid.cv_results_["mean_test_score"]
    assert twenty_epochs > one_epoch + 0.02  # 0.037 at the default rate, 0.2 (0.055 at 0.3)
    assert grid.best_params_["softmaxregressiongd__epochs"] == 20


def test_binary_estimator_refuses_three_classes() -> None:
    X = np.random.default_rng(0).normal(size=(30, 2))
    with pytest.raises(
        ValueError, match="Only binary classification is supported: y has 3 classes"
    ):
        LogisticRegressionGD().fit(X, np.arange(30) % 3)


@pytest.mark.parametrize(
    "parameters, message",
    [
        ({"learning_rate": 0}, "learning_rate must be a finite number > 0, got 0"),
        ({"learning_rate": -1}, "learning_rate must be a finite number > 0, got -1"),
        ({"learning_rate": float("nan")}, "learning_rate must be a finite number > 0, got nan"),
        ({"learning_rate": "0.1"}, "learning_rate must be a finite number > 0, got '0.1'"),
        ({"num_steps": 0}, "num_steps must be an integer >= 1, got 0"),
        ({"num_steps": 2.5}, r"num_steps must be an integer >= 1, got 2\.5"),
    ],
)
def test_bad_logistic_parameters_are_named_and_echoed(parameters, message) -> None:
    X, y = _binary()
    with pytest.raises(ValueError, match=message):
        LogisticRegressionGD(**parameters).fit(X, y)


@pytest.mark.parametrize(
    "parameters, message",
    [
        ({"learning_rate": float("inf")}, "learning_rate must be a finite number > 0, got inf"),
        ({"learning_rate": -0.3}, r"learning_rate must be a finite number > 0, got -0\.3"),
        ({"batch_size": 0}, "batch_size must be an integer >= 1, got 0"),
        ({"epochs": 0}, "epochs must be an integer >= 1, got 0"),
    ],
)
def test_bad_softmax_parameters_are_named_and_echoed(parameters, message) -> None:
    X, y = _binary()
    with pytest.raises(ValueError, match=message):
        SoftmaxRegressionGD(**parameters).fit(X, y)


def test_no_warnings_from_a_healthy_fit() -> None:
    X, y = _needs_a_large_rate()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        make_pipeline(StandardScaler(), LogisticRegressionGD(learning_rate=1.0)).fit(X, y).predict(
            X
        )


@pytest.mark.slow
def test_the_readmes_library_example_prints_what_it_says(real_data_dir, tmp_path) -> None:
    """The README's Python block, run as a user would, prints the values its comments show."""
    readme = (Path(__file__).parents[1] / "README.md").read_text()
    (block,) = re.findall(r"```python\n(.*?)```", readme, re.DOTALL)
    shown = re.findall(r"^print\(.*\)  # (.+)$", block, re.MULTILINE)
    env = {**os.environ, "FASHIONLAB_DATA": str(real_data_dir)}
    done = subprocess.run(
        [sys.executable, "-c", block],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert len(shown) == 2 and done.stdout.splitlines() == shown, (done.stdout, shown)


def test_importing_the_package_loads_no_numerical_library() -> None:
    """The README: `import fashionlab` is instant, numpy, pandas and the rest loading on first use
    (the CLI's `--help` depends on it too). The program's entry point, too, which installs the
    signal handlers (docs/cli.md: a signal is heard from about 0.1 s after launch)."""
    heavy = ["numpy", "pandas", "scipy", "sklearn", "matplotlib", "jax", "keras", "dask"]
    code = (
        "import sys, fashionlab.entry\n"
        f"print(sorted(m for m in {heavy!r} if m in sys.modules))\n"
        "fashionlab.normalize\n"  # the first use of a name loads it
        "print('numpy' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.split("\n")[:2] == ["[]", "True"], done.stdout + done.stderr


def test_a_command_that_reports_no_statistic_loads_no_scipy_stats(tiny_data_dir, tmp_path) -> None:
    """scipy.stats takes 1.2 s to import (2026-12-03: 4.5 s of CPU per ``logreg --steps 3
    --plot``, 1.2 of them importing it for a module's top line); only the intervals and tests
    the report quotes use it, and import it where they do."""
    argv = ["logreg", "--steps", "3", "--plot", str(tmp_path / "plots"), "--no-verify"]
    said, done = modules_loaded([*argv, "--data-dir", str(tiny_data_dir)], ["scipy.stats"])
    assert said == "0", done.stdout + done.stderr  # exit status 0, scipy.stats not loaded
