"""Logistic regression from scratch in numpy, in the order the assignment introduces it.

X has the bias column (eq. 3), shape (n, 785); theta has shape (785, 1); y has shape (n, 1).
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..data.preprocessing import (
    bias_trick,
    get_data_subset,
    resolve_pair,
    train_test_validation_split,
)

log = logging.getLogger(__name__)

CONVERGENCE_MAX_STEPS = 1000  # separable pairs never stop improving: cap the "converged" fit

StepCallback = Callable[[int, int, dict[str, float]], None]


def sigmoid(z: np.ndarray) -> np.ndarray:
    """h = 1 / (1 + e^(-z)) (eq. 6), finite and warning-free for any real z, dtype kept."""
    e = np.exp(-np.abs(z))  # e^(-|z|) is in (0, 1]: it can never overflow
    return np.where(z >= 0, 1 / (1 + e), e / (1 + e))


def binary_cross_entropy(y: np.ndarray, h: np.ndarray) -> float:
    """J = -(1/n) sum[y log h + (1 - y) log(1 - h)] (eq. 8), finite even at h in {0, 1}."""
    n = len(y)
    eps = np.finfo(np.result_type(h, np.float32)).eps  # the clip scikit-learn's log_loss uses
    h = np.clip(h, eps, 1 - eps)
    return float(-np.sum(y * np.log(h) + (1 - y) * np.log(1 - h)) / n)


def bce_gradient(X: np.ndarray, y: np.ndarray, h: np.ndarray) -> np.ndarray:
    """grad J = (1/n) X^T (H - Y) (eq. 9), given the forward pass H already computed."""
    return X.T @ (h - y) / len(y)


def binary_cross_entropy_derivative(X: np.ndarray, y: np.ndarray, theta: np.ndarray) -> np.ndarray:
    """The gradient of eq. 8 at theta (eq. 9), computing its own forward pass."""
    z = X @ theta  # eq. 5
    h = sigmoid(z)  # eq. 6
    return bce_gradient(X, y, h)


def predict(h: np.ndarray) -> np.ndarray:
    """pred = round(h) (eq. 7), with h = 0.5 going to 1."""
    return (h >= 0.5).astype(np.int64)


def accuracy(y: np.ndarray, h: np.ndarray) -> float:
    """The fraction of correct predictions; ``h`` may be probabilities or 0/1 predictions."""
    return float(np.mean(np.ravel(y) == np.ravel(predict(h))))


def gradient_descent(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    learning_rate: float,
    num_steps: int,
    callback: StepCallback | None = None,
) -> tuple[np.ndarray, list[float], list[float], list[float], list[float]]:
    """Gradient descent on BCE (eq. 10) from theta = 0, on inputs that carry the bias column.

    Each step records the train and validation loss and accuracy *before* updating theta, as the
    assignment's loop does. One forward pass per split per step: the gradient reuses the training one.
    """
    theta = np.zeros((X_train.shape[1], 1))
    log.info("Initial Accuracy:%.4f", accuracy(y_train, sigmoid(X_train @ theta)))
    train_losses: list[float] = []
    train_accuracies: list[float] = []
    val_losses: list[float] = []
    val_accuracies: list[float] = []
    for step in range(num_steps):
        h_train = sigmoid(X_train @ theta)
        h_val = sigmoid(X_val @ theta)
        train_losses.append(binary_cross_entropy(y_train, h_train))
        train_accuracies.append(accuracy(y_train, h_train))
        val_losses.append(binary_cross_entropy(y_val, h_val))
        val_accuracies.append(accuracy(y_val, h_val))
        theta = theta - learning_rate * bce_gradient(X_train, y_train, h_train)  # eq. 10
        if callback is not None:
            callback(
                step + 1,
                num_steps,
                {
                    "train_loss": train_losses[-1],
                    "train_accuracy": train_accuracies[-1],
                    "val_loss": val_losses[-1],
                    "val_accuracy": val_accuracies[-1],
                },
            )
    return theta, train_losses, train_accuracies, val_losses, val_accuracies


def logistic_regression(
    X: np.ndarray,
    y: np.ndarray,
    learning_rate: float,
    num_steps: int,
    callback: StepCallback | None = None,
) -> tuple[np.ndarray, list[float], list[float], list[float], list[float]]:
    """The assignment's function: bias trick, 60/20/20 split, then ``gradient_descent``.

    Returns ``theta, train_losses, train_accuracies, val_losses, val_accuracies``.
    """
    X_train, y_train, _, _, X_val, y_val = train_test_validation_split(bias_trick(X), y)
    return gradient_descent(X_train, y_train, X_val, y_val, learning_rate, num_steps, callback)


def fit_to_convergence(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    *,
    max_steps: int = CONVERGENCE_MAX_STEPS,
    patience: int = 50,
    tol: float = 1e-4,
) -> tuple[np.ndarray, int]:
    """Unpenalised logistic regression run until the validation loss stops improving: by more
    than ``tol`` within ``patience`` steps, or for ``max_steps``.

    Nesterov-accelerated gradient descent on the same loss and gradient (eqs. 8-9), with step
    size 1/L from the Lipschitz bound L = ||X||_2^2 / (4n). Inputs carry the bias column already.
    Returns the theta (float64) of the lowest validation loss and the step at which it was reached.

    It runs in float32: each step is two memory-bound passes over X, so half the bytes is half the
    time (measured 0.55 s against 1.1 s on Pullover vs Coat, with the same steps and scores).
    """
    X_train, y_train, X_val, y_val = (
        np.asarray(array, dtype=np.float32) for array in (X_train, y_train, X_val, y_val)
    )
    n = len(y_train)
    # ||X||_2^2 is the largest eigenvalue of X^T X: a 785 x 785 problem, 5x quicker than the SVD
    # of X that np.linalg.norm(X, 2) runs
    lipschitz = float(np.linalg.eigvalsh(X_train.T @ X_train)[-1] / (4 * n))
    step_size = 1.0 / lipschitz
    theta: np.ndarray = np.zeros((X_train.shape[1], 1), dtype=np.float32)
    momentum_point = theta
    best_theta, best_loss, best_step = theta, math.inf, 0
    for step in range(1, max_steps + 1):
        h = sigmoid(X_train @ momentum_point)
        previous = theta
        theta = momentum_point - step_size * bce_gradient(X_train, y_train, h)
        momentum_point = theta + (step - 1) / (step + 2) * (theta - previous)
        val_loss = binary_cross_entropy(y_val, sigmoid(X_val @ theta))
        if val_loss < best_loss - tol:
            best_theta, best_loss, best_step = theta, val_loss, step
        elif step - best_step >= patience:
            break
    return best_theta.astype(np.float64), best_step


def steps_to_fraction(values: Sequence[float], fraction: float) -> int:
    """The first step (1-based) whose value reaches ``fraction`` of the final value."""
    target = fraction * values[-1]
    return next(i + 1 for i, v in enumerate(values) if v >= target)


@dataclass
class PairRun:
    """Logistic regression on one class pair at the assignment's settings, with everything measured."""

    classes: tuple[str, str]
    learning_rate: float
    steps: int
    n_train: int
    n_val: int
    n_test: int
    theta: np.ndarray
    history: dict[str, list[float]]
    test_accuracy: float
    seconds: float
    official_test_accuracy: float | None = None  # the official test images of the pair
    converged_val_accuracy: float | None = None
    converged_test_accuracy: float | None = None
    converged_official_test_accuracy: float | None = None
    converged_steps: int | None = None
    converged_theta: np.ndarray | None = None

    def final(self, key: str) -> float:
        return self.history[key][-1]

    def summary(self) -> dict[str, object]:
        """The JSON record of ``fashionlab logreg --json``."""
        return {
            "classes": list(self.classes),
            "learning_rate": self.learning_rate,
            "steps": self.steps,
            "n_train": self.n_train,
            "n_val": self.n_val,
            "n_test": self.n_test,
            "train_accuracy": self.final("train_accuracy"),
            "train_loss": self.final("train_loss"),
            "val_accuracy": self.final("val_accuracy"),
            "val_loss": self.final("val_loss"),
            "test_accuracy": self.test_accuracy,
            "seconds": self.seconds,
            "history": self.history,
        }


def run_pair(
    df: pd.DataFrame,
    classes: Sequence[str],
    *,
    learning_rate: float = 0.05,
    steps: int = 100,
    converge: bool = False,
    callback: StepCallback | None = None,
    official_test: tuple[np.ndarray, np.ndarray] | None = None,
) -> PairRun:
    """The assignment's cells for one pair: subset, gradient descent, and the held-out score.

    With ``converge``, also fit to convergence on the same rows. With ``official_test`` (the pair's
    official test images as (n, 784) and labels (n, 1)), also score both fits there.
    """
    pair = resolve_pair(classes)
    X, y = get_data_subset(df, pair)
    X_train, y_train, X_test, y_test, X_val, y_val = train_test_validation_split(bias_trick(X), y)
    started = time.perf_counter()
    theta, train_losses, train_accuracies, val_losses, val_accuracies = gradient_descent(
        X_train, y_train, X_val, y_val, learning_rate, steps, callback
    )
    seconds = time.perf_counter() - started
    run = PairRun(
        classes=pair,
        learning_rate=learning_rate,
        steps=steps,
        n_train=len(y_train),
        n_val=len(y_val),
        n_test=len(y_test),
        theta=theta,
        history={
            "train_loss": train_losses,
            "train_accuracy": train_accuracies,
            "val_loss": val_losses,
            "val_accuracy": val_accuracies,
        },
        test_accuracy=accuracy(y_test, sigmoid(X_test @ theta)),
        seconds=seconds,
    )
    if converge:
        converged, run.converged_steps = fit_to_convergence(X_train, y_train, X_val, y_val)
        run.converged_theta = converged
        run.converged_val_accuracy = accuracy(y_val, sigmoid(X_val @ converged))
        run.converged_test_accuracy = accuracy(y_test, sigmoid(X_test @ converged))
    if official_test is not None:
        X_official, y_official = bias_trick(official_test[0]), official_test[1]
        run.official_test_accuracy = accuracy(y_official, sigmoid(X_official @ theta))
        if run.converged_theta is not None:
            run.converged_official_test_accuracy = accuracy(
                y_official, sigmoid(X_official @ run.converged_theta)
            )
    return run
