"""Logistic regression trained past the assignment's 100 steps, until its validation loss stops
improving: the same loss and gradient (eqs. 8-9) as ``logistic``, with Nesterov's acceleration.
"""

from __future__ import annotations

import math

import numpy as np

from ..checks import check_count
from ..config import CONVERGENCE_MAX_STEPS, CONVERGENCE_PATIENCE, CONVERGENCE_TOL
from .logistic import bce_gradient, check_rows, loss, sigmoid


def fit_to_convergence(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    *,
    max_steps: int = CONVERGENCE_MAX_STEPS,
    patience: int = CONVERGENCE_PATIENCE,
    tol: float = CONVERGENCE_TOL,
) -> tuple[np.ndarray, int]:
    """Unpenalised logistic regression run until the validation loss stops improving: by more
    than ``tol`` within ``patience`` steps, or for ``max_steps``.

    Nesterov-accelerated gradient descent on the same loss and gradient (eqs. 8-9), with step
    size 1/L from the Lipschitz bound L = ||X||_2^2 / (4n). Inputs carry the bias column already.
    Returns the theta (float64) of the last step that brought the validation loss more than
    ``tol`` below its best so far, and that step, as Keras's EarlyStopping(min_delta=tol) keeps
    them: a later step a little lower still (by less than ``tol``) is not kept.

    It runs in float32: each step is two memory-bound passes over X, so half the bytes is half the
    time (measured 0.55 s against 1.1 s on Pullover vs Coat, with the same steps and scores).
    """
    check_count("max_steps", max_steps)
    check_count("patience", patience)
    check_rows(X_train, y_train, "X_train and y_train")
    check_rows(X_val, y_val, "X_val and y_val")
    X_train, y_train, X_val, y_val = (
        np.asarray(array, dtype=np.float32) for array in (X_train, y_train, X_val, y_val)
    )
    y_train, y_val = y_train.reshape(-1, 1), y_val.reshape(-1, 1)  # as the probabilities come
    step_size = nesterov_step_size(X_train)
    theta: np.ndarray = np.zeros((X_train.shape[1], 1), dtype=np.float32)
    momentum_point = theta
    best_theta, best_loss, best_step = theta, math.inf, 0
    for step in range(1, max_steps + 1):
        h = sigmoid(X_train @ momentum_point)
        previous = theta
        theta = momentum_point - step_size * bce_gradient(X_train, y_train, h)
        momentum_point = theta + (step - 1) / (step + 2) * (theta - previous)
        val_loss = loss(y_val, sigmoid(X_val @ theta))  # eq. 8, its labels checked above
        if val_loss < best_loss - tol:
            best_theta, best_loss, best_step = theta, val_loss, step
        elif step - best_step >= patience:
            break
    return best_theta.astype(np.float64), best_step


def nesterov_step_size(X_train: np.ndarray) -> float:
    """1/L for the BCE gradient's Lipschitz bound L = ||X||_2^2 / (4n), X with the bias column."""
    # ||X||_2^2 is the largest eigenvalue of X^T X: a 785 x 785 problem, 5x quicker than the SVD
    # of X that np.linalg.norm(X, 2) runs
    return 1.0 / float(np.linalg.eigvalsh(X_train.T @ X_train)[-1] / (4 * len(X_train)))
