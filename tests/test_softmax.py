"""Softmax regression against oracles: central differences for the gradient, scipy's softmax,
scikit-learn's log_loss, confusion_matrix, precision/recall and LogisticRegression."""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from scipy.special import softmax as scipy_softmax
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, log_loss, precision_score, recall_score
from sklearn.preprocessing import label_binarize

from fashionlab.analysis.metrics import confusion, precision_recall
from fashionlab.data.preprocessing import bias_trick
from fashionlab.models.softmax import (
    classify,
    cross_entropy,
    cross_entropy_gradient,
    fit_softmax,
    one_hot,
    predict,
    softmax,
)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradient_matches_central_differences(seed) -> None:
    rng = np.random.default_rng(seed)
    X = bias_trick(rng.normal(size=(25, 4)))  # float64 throughout
    labels = rng.integers(0, 3, 25)
    Y = one_hot(labels, 3)
    theta = rng.normal(scale=0.5, size=(5, 3))
    eps = 1e-6
    numeric = np.zeros_like(theta)
    for index in np.ndindex(theta.shape):
        step = np.zeros_like(theta)
        step[index] = eps
        plus = cross_entropy(Y, softmax(X @ (theta + step)))
        minus = cross_entropy(Y, softmax(X @ (theta - step)))
        numeric[index] = (plus - minus) / (2 * eps)
    analytic = cross_entropy_gradient(X, Y, softmax(X @ theta))
    assert analytic.shape == (5, 3)
    np.testing.assert_allclose(analytic, numeric, rtol=1e-6, atol=1e-9)


def test_softmax_matches_scipy_and_rows_sum_to_one() -> None:
    Z = np.random.default_rng(3).normal(scale=5, size=(50, 10))
    P = softmax(Z)
    np.testing.assert_allclose(P, scipy_softmax(Z, axis=1), rtol=1e-12)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(softmax(Z + 123.0), P, rtol=1e-9)  # shift-invariant per row


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_softmax_is_finite_and_silent_for_huge_logits(dtype) -> None:
    Z = np.array([[1000, 999, -1000], [1e30, 0, -1e30], [-5000, -5000, -5001]], dtype=dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        P = softmax(Z)
    assert P.dtype == dtype and np.isfinite(P).all()
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-6)
    np.testing.assert_allclose(P[0], scipy_softmax([1.0, 0.0, -2000.0]), rtol=1e-6)
    np.testing.assert_array_equal(P[1], [1.0, 0.0, 0.0])


def test_one_hot_matches_scikit_learn_label_binarize() -> None:
    labels = np.array([0, 2, 1, 4, 2])  # class 3 absent: still a column
    np.testing.assert_array_equal(one_hot(labels, 5), label_binarize(labels, classes=range(5)))
    np.testing.assert_array_equal(predict(one_hot(labels, 5)), labels)


def test_cross_entropy_equals_scikit_learn_log_loss() -> None:
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 4, 300)
    P = softmax(rng.normal(scale=2, size=(300, 4)))
    expected = log_loss(labels, P, labels=range(4))
    assert abs(cross_entropy(one_hot(labels, 4), P) - expected) < 1e-12
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isfinite(cross_entropy(one_hot([0, 1], 2), np.array([[0.0, 1.0], [1.0, 0.0]])))


def test_confusion_and_precision_recall_match_scikit_learn() -> None:
    rng = np.random.default_rng(5)
    true = rng.integers(0, 4, 200)  # class 4 never occurs, class 3 is never predicted
    predicted = np.where(rng.uniform(size=200) < 0.7, true, rng.integers(0, 5, 200))
    predicted[predicted == 3] = 0
    counts = confusion(true, predicted, n_classes=5)
    np.testing.assert_array_equal(counts, confusion_matrix(true, predicted, labels=range(5)))
    precision, recall = precision_recall(counts)
    options = {"labels": range(5), "average": None, "zero_division": 0}
    np.testing.assert_allclose(precision, precision_score(true, predicted, **options))
    np.testing.assert_allclose(recall, recall_score(true, predicted, **options))
    assert precision[3] == 0 and recall[4] == 0  # the zero-division cases, not NaN


def _three_classes_on_a_hidden_line(seed: int, n: int = 450):
    """Centres at x1 = -3, 0, 3 plus the same large noise on both features: the classes are
    separable along x1 - x2 (gaps of 3, within-class spread 0.4), but barely by x1 alone, so a fit
    has to move well past its first gradient direction to separate them.
    """
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 3
    shared = rng.normal(scale=3.0, size=n)
    centres = np.array([[-3.0, 0.0], [0.0, 0.0], [3.0, 0.0]])[y]
    X = centres + np.column_stack([shared, shared]) + rng.normal(scale=0.3, size=(n, 2))
    return X, y


def _test_accuracy(fitted, X_test, y_test) -> float:
    return float(np.mean(predict(softmax(bias_trick(X_test) @ fitted.theta)) == y_test))


def test_fit_softmax_learns_three_separable_classes_and_agrees_with_scikit_learn() -> None:
    X, y = _three_classes_on_a_hidden_line(seed=6)
    X_test, y_test = _three_classes_on_a_hidden_line(seed=7)
    fitted = fit_softmax(bias_trick(X), y, n_classes=3, learning_rate=0.3, batch_size=32, epochs=30)
    ours = predict(softmax(bias_trick(X_test) @ fitted.theta))
    np.testing.assert_array_equal(classify(fitted.theta, bias_trick(X_test)), ours)  # float32
    oracle = LogisticRegression(max_iter=1000).fit(X, y).predict(X_test)
    assert np.mean(ours == y_test) >= 0.97  # the bar; measured 1.0, as scikit-learn's
    assert np.mean(ours == oracle) >= 0.95
    assert fitted.theta.shape == (3, 3) and len(fitted.train_losses) == 30
    assert fitted.train_losses[-1] < 0.2 * fitted.train_losses[0]
    assert fitted.train_accuracies[-1] >= 0.97
    # the other side of the bar: one epoch at a tiny rate stays near x1 alone (measured 0.59)
    barely = fit_softmax(bias_trick(X), y, n_classes=3, learning_rate=1e-3, batch_size=32, epochs=1)
    assert _test_accuracy(barely, X_test, y_test) < 0.8


def test_fit_softmax_is_reproducible_for_a_seed() -> None:
    X, y = _three_classes_on_a_hidden_line(seed=8)
    first = fit_softmax(bias_trick(X), y, n_classes=3, epochs=3, seed=1)
    again = fit_softmax(bias_trick(X), y, n_classes=3, epochs=3, seed=1)
    np.testing.assert_array_equal(first.theta, again.theta)


@pytest.mark.parametrize(
    "arguments, message",
    [
        ({"epochs": 0}, "epochs must be an integer >= 1, got 0"),
        ({"epochs": 2.5}, r"epochs must be an integer >= 1, got 2\.5"),
        ({"batch_size": 0}, "batch_size must be an integer >= 1, got 0"),
        ({"batch_size": -8}, "batch_size must be an integer >= 1, got -8"),
        ({"learning_rate": 0}, "learning_rate must be a finite number > 0, got 0"),
        ({"learning_rate": -0.1}, r"learning_rate must be a finite number > 0, got -0\.1"),
        ({"learning_rate": float("nan")}, "learning_rate must be a finite number > 0, got nan"),
        ({"learning_rate": float("inf")}, "learning_rate must be a finite number > 0, got inf"),
        ({"n_classes": 2}, r"labels must lie in 0\.\.1 \(n_classes=2\), got 2 \(150 outside\)"),
    ],
)
def test_fit_softmax_names_the_bad_argument_and_its_value(arguments, message) -> None:
    X, y = _three_classes_on_a_hidden_line(seed=9)
    settings = {"n_classes": 3, "epochs": 1} | arguments
    with pytest.raises(ValueError, match=message):
        fit_softmax(bias_trick(X), y, **settings)


def test_fit_softmax_refuses_negative_and_non_integer_labels() -> None:
    X = bias_trick(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"labels must lie in 0\.\.2 \(n_classes=3\), got -1"):
        fit_softmax(X, np.array([0, 1, -1, 2]), n_classes=3)
    with pytest.raises(ValueError, match="labels must be integers, got dtype float64"):
        fit_softmax(X, np.array([0.0, 1.0, 0.5, 2.0]), n_classes=3)
    with pytest.raises(ValueError, match="X and labels must have as many rows, got 4 and 3"):
        fit_softmax(X, np.array([0, 1, 2]), n_classes=3)
