"""Gradient descent on one pair for several learning rates at once (Q4's learning-rate grid).

The same descent as ``logistic.descend``, from theta = 0 and eq. 10, with one row of weights per
rate, so that each step's passes over the images serve every rate.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from ..checks import check_images_and_labels
from .logistic import check_schedule, predict, sigmoid


def descend_rates(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    learning_rates: Sequence[float],
    steps: int,
) -> tuple[np.ndarray, np.ndarray, list[int | None]]:
    """``descend`` for several learning rates at once: one row of weights per rate, so each
    step's passes over the images serve every rate (on one core, the study's 6 rates take 2.4 s
    for 200 steps, against 7.2 s one at a time).

    Returns the thetas (d, R), one column per rate (``descend``'s theta is (d, 1)), each rate's
    validation accuracy before each step (steps, R) and the step at which each rate's logits
    first overflowed, or None. The products sum in another order than ``descend``'s, so the runs
    differ by rounding. Descent keeps that rounding small at a rate it is stable at, and amplifies
    it far past the limit 2/L (L = lambda_max(X^T X) / 4n, ``analysis.dynamics``); once the logits
    overflow, the order of the sums decides where inf and NaN appear. Such a rate is for
    ``descend`` alone.
    """
    if len(learning_rates) == 0:
        raise ValueError("learning_rates must hold at least one rate")
    for rate in learning_rates:
        check_schedule(rate, steps)
    check_images_and_labels(X_train, y_train, "X_train", "y_train")
    check_images_and_labels(X_val, y_val, "X_val", "y_val")
    rates = np.asarray(learning_rates, dtype=np.float64)[:, None]
    # transposed copies, so that each product reads rows in memory order (2x, in OpenBLAS)
    X_train_T, X_val_T = np.ascontiguousarray(X_train.T), np.ascontiguousarray(X_val.T)
    y_train_row, y_val_row = y_train.reshape(1, -1), y_val.reshape(1, -1)
    theta = np.zeros((len(rates), X_train.shape[1]))  # a row per rate: (R, d)
    val_accuracy = np.full((steps, len(rates)), np.nan)
    overflowed = np.zeros(len(rates), dtype=np.int64)  # 0: not (yet)
    with np.errstate(over="ignore", invalid="ignore"):
        for step in range(1, steps + 1):
            z_train, z_val = theta @ X_train_T, theta @ X_val_T  # eq. 5, a row per rate
            finite = np.isfinite(z_train).all(axis=1) & np.isfinite(z_val).all(axis=1)
            overflowed[(overflowed == 0) & ~finite] = step
            if overflowed.all():
                break
            val_accuracy[step - 1] = np.mean(predict(sigmoid(z_val)) == y_val_row, axis=1)
            gradient = (
                (sigmoid(z_train) - y_train_row) @ X_train / len(X_train)
            )  # eq. 9: (H - Y)^T X / n
            theta = theta - rates * gradient  # eq. 10
    return theta.T, val_accuracy, [int(step) if step else None for step in overflowed]
