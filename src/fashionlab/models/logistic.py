"""Logistic regression from scratch in numpy, in the order the assignment introduces it.

X has the bias column (eq. 3), shape (n, 785), except where a function takes images (``probability``
takes X of shape (n, 784) and adds it); theta has shape (785, 1); y has shape (n, 1).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from .. import checks
from ..checks import check_count, check_images_and_labels, check_rate
from ..data.preprocessing import bias_trick, train_test_validation_split

StepCallback = Callable[[int, int, dict[str, float]], None]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """h = 1 / (1 + e^(-z)) (eq. 6), finite and warning-free for any real z; a float dtype is
    kept, integers and bools become float64 (an unsigned -|z| would wrap around)."""
    z = np.asarray(z)
    if not np.issubdtype(z.dtype, np.floating):
        z = z.astype(np.float64)
    e = np.exp(-np.abs(z))  # e^(-|z|) is in (0, 1]: it can never overflow
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def probability(theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    """h = sigmoid([1, x] theta) (eqs. 3, 5-6) for images X (n, 784), without the bias column."""
    return sigmoid(bias_trick(X) @ theta)


def predict(h: np.ndarray) -> np.ndarray:
    """pred = round(h) (eq. 7), with h = 0.5 going to 1."""
    return (np.asarray(h) >= 0.5).astype(np.int64)


def accuracy(y: np.ndarray, h: np.ndarray) -> float:
    """The fraction of correct predictions; ``h`` may be probabilities or 0/1 predictions. The
    arguments are checked, then ``share_right`` computes it."""
    return share_right(*checked(y, h))


def share_right(y: np.ndarray, h: np.ndarray) -> float:
    """accuracy = (1/n) sum [pred_i = y_i], on arrays already checked and paired."""
    return float(np.mean(np.ravel(y) == np.ravel(predict(h))))


def binary_cross_entropy(y: np.ndarray, h: np.ndarray) -> float:
    """J = -(1/n) sum[y log h + (1 - y) log(1 - h)] (eq. 8), finite even at h in {0, 1}. The
    arguments are checked, then ``bce`` computes it."""
    return bce(*checked(y, h))


def bce(y: np.ndarray, h: np.ndarray) -> float:
    """Eq. 8 on arrays already checked and paired (the loop checks its labels once, and a
    diverging run's NaN must give a NaN loss here, not an error)."""
    eps = np.finfo(np.result_type(h, np.float32)).eps  # the clip scikit-learn's log_loss uses
    h = np.clip(h, eps, 1 - eps)
    return float(-np.sum(y * np.log(h) + (1 - y) * np.log(1 - h)) / len(y))


def bce_gradient(X: np.ndarray, y: np.ndarray, h: np.ndarray) -> np.ndarray:
    """grad J = (1/n) X^T (H - Y) (eq. 9), given the forward pass H already computed."""
    return X.T @ (h - paired(y, h)) / len(y)


def binary_cross_entropy_derivative(X: np.ndarray, y: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """The gradient of eq. 8 at theta (eq. 9), computing its own forward pass: X (n, d) with the
    bias column, y (n, 1) labels 0 and 1, theta (d, 1)."""
    X, theta = np.asarray(X), np.asarray(theta)
    if X.ndim != 2 or theta.ndim == 0 or theta.shape[0] != X.shape[1]:
        raise ValueError(
            f"X must be (n, d) and theta (d, 1), got shapes {X.shape} and {theta.shape}"
        )
    check_images_and_labels(X, y, finite=False)  # a NaN in X gives a NaN gradient, in plain view
    z = X @ theta  # eq. 5
    h = sigmoid(z)  # eq. 6
    return bce_gradient(X, y, h)


@dataclass
class Descent:
    """What gradient descent returns: the weights and the loss and accuracy before each step.

    ``diverged_at_step`` is the 1-based step whose loss was not finite (the run stopped there).
    """

    theta: np.ndarray
    history: dict[str, list[float]]
    diverged_at_step: int | None = None


def descend(
    X_train: np.ndarray,
    y_train: np.ndarray,
    learning_rate: float,
    steps: int,
    validation: tuple[np.ndarray, np.ndarray] | None = None,
    callback: StepCallback | None = None,
) -> Descent:
    """Gradient descent on BCE (eq. 10) from theta = 0, on inputs that carry the bias column.

    Each step records the loss and accuracy *before* updating theta, as the assignment's loop
    does; one forward pass per split per step (the gradient reuses the training one). A loss
    that is not finite ends the run at that step: divergence is a result, not a crash.
    """
    check_schedule(learning_rate, steps)
    check_images_and_labels(X_train, y_train, "X_train", "y_train")
    if validation is not None:
        check_images_and_labels(*validation, "X_val", "y_val")
    y_train = np.asarray(y_train).reshape(-1, 1)  # as the probabilities come: (n, 1)
    if validation is not None:
        validation = (validation[0], np.asarray(validation[1]).reshape(-1, 1))
    with np.errstate(over="ignore", invalid="ignore"):  # a diverging run ends in inf and NaN
        return _descend(X_train, y_train, learning_rate, steps, validation, callback)


def _descend(
    X_train: np.ndarray,
    y_train: np.ndarray,
    learning_rate: float,
    steps: int,
    validation: tuple[np.ndarray, np.ndarray] | None,
    callback: StepCallback | None,
) -> Descent:
    theta = np.zeros((X_train.shape[1], 1))
    history: dict[str, list[float]] = {"train_loss": [], "train_accuracy": []}
    if validation is not None:
        history.update(val_loss=[], val_accuracy=[])
    for step in range(1, steps + 1):
        h_train = sigmoid(X_train @ theta)  # eqs. 5-6
        history["train_loss"].append(bce(y_train, h_train))  # eq. 8
        history["train_accuracy"].append(share_right(y_train, h_train))
        if validation is not None:
            h_val = sigmoid(validation[0] @ theta)
            history["val_loss"].append(bce(validation[1], h_val))
            history["val_accuracy"].append(share_right(validation[1], h_val))
        if not all(math.isfinite(values[-1]) for values in history.values()):
            return Descent(theta, history, diverged_at_step=step)
        theta = theta - learning_rate * bce_gradient(X_train, y_train, h_train)  # eq. 10
        if callback is not None:
            callback(step, steps, {key: values[-1] for key, values in history.items()})
    return Descent(theta, history)


def gradient_descent(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    learning_rate: float,
    num_steps: int,
    callback: StepCallback | None = None,
) -> tuple[np.ndarray, list[float], list[float], list[float], list[float]]:
    """``descend`` with the assignment's five return values."""
    check_schedule(learning_rate, num_steps, "num_steps")  # in the assignment's words
    run = descend(X_train, y_train, learning_rate, num_steps, (X_val, y_val), callback)
    h = run.history
    return run.theta, h["train_loss"], h["train_accuracy"], h["val_loss"], h["val_accuracy"]


def logistic_regression(
    X: np.ndarray,
    y: np.ndarray,
    learning_rate: float,
    num_steps: int,
    callback: StepCallback | None = None,
) -> tuple[np.ndarray, list[float], list[float], list[float], list[float]]:
    """The assignment's function: bias trick, 60/20/20 split, then ``gradient_descent``.

    Returns ``theta, train_losses, train_accuracies, val_losses, val_accuracies``. As in the
    assignment's loop, each loss and accuracy is measured before that step's update: the last
    ones are those of the weights before the final step, not of the ``theta`` returned.
    """
    with_bias = bias_trick(X)  # which refuses an X that is not 2-D
    checks.check_finite("X", X)  # named as given, before the bias column moves its columns
    X_train, y_train, _, _, X_val, y_val = train_test_validation_split(with_bias, y)
    return gradient_descent(X_train, y_train, X_val, y_val, learning_rate, num_steps, callback)


# The checks at the boundary: a wrong shape or label is an error that names it, never a
# silently broadcast wrong number.


def check_schedule(learning_rate: float, steps: int, name: str = "steps", least: int = 1) -> None:
    """Validate gradient descent's two settings, naming the bad one (``name``: the caller's word
    for the number of steps, at least ``least``)."""
    check_rate("learning_rate", learning_rate)
    check_count(name, steps, least)


def checked(y: np.ndarray, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Labels 0 and 1, and ``h`` probabilities in [0, 1] (sigmoid's output or 0/1 predictions),
    as arrays of the same shape: a swapped pair or logits give a wrong number, not an error."""
    h = np.asarray(h)
    if not np.issubdtype(h.dtype, np.floating):  # 0/1 predictions; a float keeps its eps
        h = h.astype(np.float64)
    y = paired(y, h)
    if y.size == 0:
        raise ValueError("y and h must hold at least one value, got none")
    checks.check_labels("y", y)
    if not (h >= 0).all() or not (h <= 1).all():  # NaN fails both
        raise ValueError(
            f"h must hold probabilities in [0, 1] (sigmoid's output), got "
            f"values from {np.min(h).item()!r} to {np.max(h).item()!r}"
        )
    return y, h


def paired(y: np.ndarray, h: np.ndarray) -> np.ndarray:
    """``y`` in the shape of ``h``: labels (n,) and probabilities (n, 1), or the reverse, would
    otherwise broadcast to an (n, n) matrix and give a wrong number with no error."""
    y, h = np.asarray(y), np.asarray(h)
    if y.shape == h.shape:
        return y
    if y.size != h.size:
        raise ValueError(
            f"labels and probabilities must hold as many values, got shapes {y.shape} and {h.shape}"
        )
    return y.reshape(h.shape)
