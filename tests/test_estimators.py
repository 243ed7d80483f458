"""scikit-learn's own estimator checks, and the models inside Pipeline, GridSearchCV, cross_val_score."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.datasets import make_classification
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


def test_logistic_in_pipeline_grid_search_and_cross_validation() -> None:
    X, y = _binary()
    pipeline = make_pipeline(StandardScaler(), LogisticRegressionGD(num_steps=50))
    scores = cross_val_score(pipeline, X, y, cv=5)
    assert scores.mean() > 0.8
    grid = GridSearchCV(pipeline, {"logisticregressiongd__learning_rate": [0.05, 0.5]}, cv=3)
    grid.fit(X, y)
    assert grid.best_params_["logisticregressiongd__learning_rate"] in (0.05, 0.5)
    assert grid.best_score_ > 0.8 and len(grid.cv_results_["params"]) == 2


def test_softmax_in_pipeline_grid_search_and_cross_validation() -> None:
    X, y = make_classification(
        n_samples=400, n_features=10, n_informative=6, n_classes=4, random_state=1
    )
    pipeline = make_pipeline(StandardScaler(), SoftmaxRegressionGD(epochs=20))
    assert cross_val_score(pipeline, X, y, cv=5).mean() > 0.5
    grid = GridSearchCV(pipeline, {"softmaxregressiongd__epochs": [1, 20]}, cv=3).fit(X, y)
    assert grid.best_params_["softmaxregressiongd__epochs"] == 20


def test_binary_estimator_refuses_three_classes() -> None:
    X = np.random.default_rng(0).normal(size=(30, 2))
    with pytest.raises(
        ValueError, match="Only binary classification is supported: y has 3 classes"
    ):
        LogisticRegressionGD().fit(X, np.arange(30) % 3)


@pytest.mark.parametrize("rate", [0, -1, float("nan")])
def test_bad_learning_rate_is_named(rate) -> None:
    X, y = _binary()
    with pytest.raises(ValueError, match="learning_rate must be > 0"):
        LogisticRegressionGD(learning_rate=rate).fit(X, y)
