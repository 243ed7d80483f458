"""Logistic regression trained past the assignment's 100 steps, until its validation loss stops
improving: the same loss and gradient (eqs. 8-9) as ``logistic``, with Nesterov's acceleration.

``nesterov_path`` is the descent, step by step; ``fit_to_convergence`` walks it with Keras's
EarlyStopping rule (``min_delta=tol``, ``patience``, ``restore_best_weights=True``).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np

from ..checks import check_count, check_images_and_labels
from ..config import CONVERGENCE_MAX_STEPS, CONVERGENCE_PATIENCE, CONVERGENCE_TOL
from .logistic import bce, bce_gradient, sigmoid


class EarlyStopped(NamedTuple):
    """What the fit keeps: the weights (float64) of the last step that brought the validation loss
    more than ``tol`` below its best so far, that step, the step at which it stopped, and the rule
    it stopped by."""

    theta: np.ndarray
    steps: int
    steps_run: int
    max_steps: int
    patience: int
    tol: float


def fit_to_convergence(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    *,
    max_steps: int = CONVERGENCE_MAX_STEPS,
    patience: int = CONVERGENCE_PATIENCE,
    tol: float = CONVERGENCE_TOL,
) -> EarlyStopped:
    """Unpenalised logistic regression run until the validation loss has not fallen more than
    ``tol`` below its best for ``patience`` steps, or for ``max_steps``; inputs carry the bias
    column. A later step a little lower still (by less than ``tol``) is not kept, as in Keras.

    It runs in float32: each step is two memory-bound passes over X, so half the bytes is half the
    time (measured 0.55 s against 1.1 s on Pullover vs Coat, with the same steps and scores).
    """
    check_count("max_steps", max_steps)
    check_count("patience", patience)
    if isinstance(tol, bool) or not isinstance(tol, numbers.Real) or not 0 <= tol < math.inf:
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")
    best_theta, best_loss, best_step, step = None, math.inf, 0, 0
    for step, (theta, val_loss) in enumerate(
        nesterov_path(X_train, y_train, X_val, y_val, max_steps=max_steps), start=1
    ):
        if val_loss < best_loss - tol:
            best_theta, best_loss, best_step = theta, val_loss, step
        elif step - best_step >= patience:
            break
    kept = best_theta if best_theta is not None else np.zeros((X_train.shape[1], 1))
    return EarlyStopped(kept.astype(np.float64), best_step, step, max_steps, patience, float(tol))


def nesterov_path(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    *,
    max_steps: int,
) -> Iterator[tuple[np.ndarray, float]]:
    """Nesterov-accelerated gradient descent from theta = 0 on eqs. 8-9, step size 1/L from the
    Lipschitz bound L = ||X||_2^2 / (4n), in float32: after each step, theta and the loss on the
    validation rows."""
    check_images_and_labels(X_train, y_train, "X_train", "y_train")
    check_images_and_labels(X_val, y_val, "X_val", "y_val")
    X_train, y_train, X_val, y_val = (
        np.asarray(array, dtype=np.float32) for array in (X_train, y_train, X_val, y_val)
    )
    y_train, y_val = y_train.reshape(-1, 1), y_val.reshape(-1, 1)  # as the probabilities come
    step_size = nesterov_step_size(X_train)
    theta: np.ndarray = np.zeros((X_train.shape[1], 1), dtype=np.float32)
    momentum_point = theta
    for step in range(1, max_steps + 1):
        h = sigmoid(X_train @ momentum_point)
        previous = theta
        theta = momentum_point - step_size * bce_gradient(X_train, y_train, h)
        momentum_point = nesterov_point(theta, previous, step)
        yield theta, bce(y_val, sigmoid(X_val @ theta))  # eq. 8, its labels checked above


def nesterov_point(theta: np.ndarray, previous: np.ndarray, step: int) -> np.ndarray:
    """Nesterov's momentum point after step k: y_{k+1} = theta_k + (k - 1) / (k + 2) (theta_k -
    theta_{k-1}), in theta's dtype."""
    return theta + (step - 1) / (step + 2) * (theta - previous)


def nesterov_step_size(X_train: np.ndarray) -> float:
    """1/L for the BCE gradient's Lipschitz bound L = ||X||_2^2 / (4n), X with the bias column."""
    # ||X||_2^2 is the largest eigenvalue of X^T X: a 785 x 785 problem, 5x quicker than the SVD
    # of X that np.linalg.norm(X, 2) runs
    return 1.0 / float(np.linalg.eigvalsh(X_train.T @ X_train)[-1] / (4 * len(X_train)))
