"""Ten classes: multinomial logistic (softmax) regression from scratch, in the binary code's style.

X has the bias column, shape (n, 785); Theta has shape (785, k); Y is one-hot, shape (n, k).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..checks import check_count, check_rate, check_rows
from ..config import SOFTMAX_EPOCHS

# The learning rate: with BATCH_SIZE and EPOCHS, the best of config.SOFTMAX_SETTINGS_TRIED settings
# on the last 10 % of the training images (docs/choose_softmax.py); the official test images did
# not choose, though docs/extras.md records their scores; about 5 s on 2 cores
LEARNING_RATE = 0.2
BATCH_SIZE = 128
EPOCHS = SOFTMAX_EPOCHS


def softmax(Z: np.ndarray) -> np.ndarray:
    """P = e^(Z - max Z) / sum e^(Z - max Z), row-wise; subtracting the row max avoids overflow."""
    shifted = Z - Z.max(axis=1, keepdims=True)
    E = np.exp(shifted)
    return E / E.sum(axis=1, keepdims=True)


def one_hot(labels: np.ndarray, k: int) -> np.ndarray:
    """(n,) integer labels -> (n, k) rows of zeros with a single one."""
    return np.eye(k)[np.ravel(labels).astype(int)]


def cross_entropy(Y: np.ndarray, P: np.ndarray) -> float:
    """J = -(1/n) sum_i sum_c Y_ic log P_ic, finite even where P is exactly 0."""
    eps = np.finfo(np.result_type(P, np.float32)).eps
    return float(-np.sum(Y * np.log(np.clip(P, eps, 1.0))) / len(Y))


def cross_entropy_gradient(X: np.ndarray, Y: np.ndarray, P: np.ndarray) -> np.ndarray:
    """grad J = (1/n) X^T (P - Y), the multiclass twin of eq. 9."""
    return X.T @ (P - Y) / len(Y)


def predict(P: np.ndarray) -> np.ndarray:
    """pred = argmax_k P[:, k], the multiclass twin of eq. 7: probabilities in, classes out, as
    ``logistic.predict`` and ``neural.predict`` take them."""
    return P.argmax(axis=1)


def classify(theta: np.ndarray, X: np.ndarray) -> np.ndarray:
    """The class of each row of ``X`` (with the bias column) under ``theta``, computed in float32
    as the fit trains."""
    return predict(softmax(X.astype(np.float32, copy=False) @ theta))


@dataclass
class SoftmaxFit:
    theta: np.ndarray  # (d + 1, k)
    train_losses: list[float]
    train_accuracies: list[float]


def check_fit_arguments(
    X: np.ndarray,
    labels: np.ndarray,
    n_classes: int,
    learning_rate: float,
    batch_size: int,
    epochs: int,
) -> None:
    """Validate ``fit_softmax``'s arguments, naming the bad one and echoing its value."""
    check_rate("learning_rate", learning_rate)
    for name, value in (("batch_size", batch_size), ("epochs", epochs), ("n_classes", n_classes)):
        check_count(name, value)
    if np.ndim(X) != 2:
        raise ValueError(f"X must be 2-D (n, d + 1), got shape {np.shape(X)}")
    labels = np.ravel(labels)
    check_rows(X, labels, "X and labels")
    if not np.issubdtype(labels.dtype, np.integer):
        raise ValueError(f"labels must be integers, got dtype {labels.dtype}")
    outside = labels[(labels < 0) | (labels >= n_classes)]
    if len(outside):
        raise ValueError(
            f"labels must lie in 0..{n_classes - 1} (n_classes={n_classes}), "
            f"got {int(outside[0])} ({len(outside)} outside)"
        )


def fit_softmax(
    X: np.ndarray,
    labels: np.ndarray,
    *,
    n_classes: int = 10,
    learning_rate: float = LEARNING_RATE,
    batch_size: int = BATCH_SIZE,
    epochs: int = EPOCHS,
    seed: int = 0,
    on_epoch: Callable[[int, float, float], None] | None = None,
) -> SoftmaxFit:
    """Mini-batch gradient descent from Theta = 0; ``X`` (n, d + 1) carries the bias column and
    ``labels`` (n,) are integers in 0..n_classes-1.

    The step size decays as 1/sqrt(epoch), a standard schedule for stochastic gradients. Work is
    done in float32, which halves memory traffic without changing the accuracy at this scale.
    Bad arguments raise ``ValueError`` naming the parameter and echoing its value.
    """
    check_fit_arguments(X, labels, n_classes, learning_rate, batch_size, epochs)
    X = X.astype(np.float32, copy=False)
    Y = one_hot(labels, n_classes).astype(np.float32)
    theta = np.zeros((X.shape[1], n_classes), dtype=np.float32)
    rng = np.random.default_rng(seed)
    losses: list[float] = []
    accuracies: list[float] = []
    for epoch in range(1, epochs + 1):
        rate = learning_rate / np.sqrt(epoch)
        order = rng.permutation(len(X))
        for start in range(0, len(X), batch_size):
            rows = order[start : start + batch_size]
            P = softmax(X[rows] @ theta)
            theta -= rate * cross_entropy_gradient(X[rows], Y[rows], P)
        P = softmax(X @ theta)
        losses.append(cross_entropy(Y, P))
        accuracies.append(float(np.mean(predict(P) == np.ravel(labels))))
        if on_epoch is not None:
            on_epoch(epoch, losses[-1], accuracies[-1])
    return SoftmaxFit(theta, losses, accuracies)
