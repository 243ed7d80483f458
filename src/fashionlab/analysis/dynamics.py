"""Why gradient descent on BCE can make the loss rise: the step size against the curvature, measured.

The BCE Hessian at theta is X^T D X / n with D = diag(h (1 - h)) and h (1 - h) <= 1/4, so its largest
eigenvalue is at most L = lambda_max(X^T X) / (4n), with equality at theta = 0 (h = 1/2 there).
Gradient descent on a quadratic of curvature L is stable only for learning rates below 2 / L;
above it, the component of theta along the top eigenvector overshoots and changes sign every step
with a growing amplitude. ``measure`` runs the assignment's descent (eq. 10, theta = 0 at the start)
and records what actually happens along that direction; ``findings.summarise`` says what it means.

Steps are numbered as the assignment's histories are: step k (from 1) records theta after k - 1
updates, before the k-th, so ``train_loss[k - 1]`` is the loss the history lists at step k.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from scipy.sparse.linalg import LinearOperator, eigsh
from threadpoolctl import threadpool_limits

from ..checks import check_images_and_labels
from ..config import LEARNING_RATE
from ..data.preprocessing import bias_trick, get_data_subset, train_test_validation_split
from ..models.logistic import (
    accuracy,
    bce_gradient,
    binary_cross_entropy,
    check_schedule,
    predict,
    sigmoid,
)

if TYPE_CHECKING:
    import pandas as pd

# consecutive sign changes of the update along the top direction that make an oscillation
MIN_ALTERNATIONS = 6
FIRST_STEPS = 40  # the steps a study measures for Q4's account of the bumpy start
MEAN_IMAGE_COSINE = 0.99  # above this, "the top eigenvector is the mean image" is a fair sentence
ZIGZAG_GAP = 4  # turns of the validation accuracy this close together belong to one zig-zag
# a loss must grow by more than this to count as rising (float noise is not a rise)
RISE_TOLERANCE = 1e-12
PER_STEP = (
    "train_loss",
    "val_accuracy",
    "predicted_second_class",
    "bias",
    "top_component",
    "mean_image_component",
    "rest_norm",
    "top_update",
    "hessian_top",
)


@dataclass(frozen=True)
class Dynamics:
    """What gradient descent did along the loss's most curved direction; lists are per step.

    Per-step lists have one entry per step k = 1 ... steps, measured at theta after k - 1 updates.
    """

    learning_rate: float
    n_train: int
    lambda_max: float  # largest eigenvalue of X^T X (= ||X||_2^2)
    # L = lambda_max / (4n): the Hessian's top eigenvalue at theta = 0, and its bound
    lipschitz: float
    # 2 / L: below it every step lowers the loss; a quadratic of curvature L would diverge above
    # it, but BCE's curvature shrinks as the weights grow, so it is sufficient, not necessary
    stable_step_limit: float
    # learning_rate / stable_step_limit; above 1 the first steps may overshoot along the top direction
    step_ratio: float
    second_curvature: float  # lambda_2(X^T X) / (4n): the next most curved direction at theta = 0
    mean_row_norm_squared: float  # |mean training row|^2 <= lambda_max / n: brighter, steeper
    cosine_mean_image_top: float  # of the mean training image and the top eigenvector's pixels
    top_direction_bias_weight: float  # the top eigenvector's entry on the bias column
    train_loss: list[float]  # BCE on the training rows (eq. 8)
    val_accuracy: list[float]
    predicted_second_class: list[float]  # fraction of training rows predicted as label 1
    bias: list[float]  # theta[0]
    top_component: list[float]  # v . theta, v the unit top eigenvector of X^T X (v . mean row > 0)
    mean_image_component: list[float]  # m . theta, m the unit mean training image (bias entry 0)
    rest_norm: list[float]  # |theta| outside span{bias axis, v}
    top_update: list[float]  # v . (theta after step k - theta before): -learning_rate v . gradient
    hessian_top: list[float]  # largest eigenvalue of the actual Hessian X^T D X / n at step k
    # (1 - top_update[k] / top_update[k - 1]) / learning_rate, k >= 2
    effective_curvature: list[float]
    loss_rise_steps: list[int]  # steps k whose training loss exceeds step k - 1's
    sign_flip_steps: list[int]  # steps k whose top_update has the opposite sign to step k - 1's
    # steps k where the validation accuracy turns: up then down, or down then up
    zigzag_steps: list[int]


def _check_arguments(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    learning_rate: float,
    steps: int,
) -> None:
    """The library's rules (``checks``), and what the measures need: two rows to split the loss
    over, the bias column and two pixels, and validation images as wide as the training ones."""
    check_images_and_labels(X_train, y_train, "X_train", "y_train")
    check_images_and_labels(X_val, y_val, "X_val", "y_val")
    if X_train.shape[0] < 2 or X_train.shape[1] < 3:
        raise ValueError(
            f"X_train must be (n >= 2, d >= 3) with the bias column, got shape {X_train.shape}"
        )
    if not np.all(X_train[:, 0] == 1):
        raise ValueError(
            "X_train's first column must be the bias column of ones (bias_trick), got other values"
        )
    if X_val.shape[1] != X_train.shape[1]:
        raise ValueError(
            f"X_val must have X_train's {X_train.shape[1]} columns, got shape {X_val.shape}"
        )
    check_schedule(learning_rate, steps, least=2)  # as gradient descent does: numpy scalars too


def _hessian_top(X: np.ndarray, weights: np.ndarray, start: np.ndarray) -> tuple[float, np.ndarray]:
    """Largest eigenvalue and eigenvector of X^T diag(weights) X / n, by Lanczos on matrix-vector products."""
    n, d = X.shape
    hessian = LinearOperator(
        (d, d), matvec=lambda u: X.T @ (weights * (X @ u.ravel())) / n, dtype=np.float64
    )
    # warm-started from the last step's vector, a 4-vector Krylov space converges in a few products
    values, vectors = eigsh(hessian, k=1, which="LA", v0=start, tol=1e-8, ncv=min(4, d))
    return float(values[0]), vectors[:, 0]


def _rises(values: Sequence[float]) -> list[int]:
    """Steps k (from 1) whose value is above step k - 1's."""
    return [k + 1 for k in range(1, len(values)) if values[k] > values[k - 1] + RISE_TOLERANCE]


def _sign_flips(values: Sequence[float]) -> list[int]:
    """Steps k (from 1) whose value has the opposite sign to step k - 1's."""
    return [k + 1 for k in range(1, len(values)) if values[k] * values[k - 1] < 0]


def _effective_curvature(updates: Sequence[float], learning_rate: float) -> list[float]:
    """The curvature kappa along v that explains each update from the last: u_k = (1 - lr kappa) u_(k-1).

    On a quadratic this is exactly the eigenvalue; here it also carries the saturation of the
    sigmoid between two iterates and the coupling to the other directions.
    """
    with np.errstate(divide="ignore", invalid="ignore"):  # an update of exactly 0 gives inf / nan
        ratios = np.asarray(updates[1:]) / np.asarray(updates[:-1])
    return ((1 - ratios) / learning_rate).tolist()


def _geometry(X_train: np.ndarray) -> dict[str, Any]:
    """The curvature bound and the directions theta is decomposed along."""
    n, d = X_train.shape
    eigenvalues, eigenvectors = np.linalg.eigh(X_train.T @ X_train)  # a d x d problem
    mean_row = X_train.mean(axis=0)
    top = eigenvectors[:, -1] * np.sign(eigenvectors[:, -1] @ mean_row)  # point it along the data
    plane, _ = np.linalg.qr(np.column_stack((np.eye(d)[:, 0], top)))  # span{bias axis, top}
    return {
        "lambda_max": float(eigenvalues[-1]),
        "lambda_second": float(eigenvalues[-2]),
        "lipschitz": float(eigenvalues[-1]) / (4 * n),  # the BCE Hessian bound, h (1 - h) <= 1/4
        "mean_row": mean_row,
        "top": top,
        "plane": plane,
        "top_pixels": top[1:] / np.linalg.norm(top[1:]),
        "mean_image": np.concatenate(([0.0], mean_row[1:])) / np.linalg.norm(mean_row[1:]),
    }


def _descend(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    learning_rate: float,
    steps: int,
    geometry: dict[str, Any],
) -> dict[str, list[float]]:
    """The assignment's descent from theta = 0, recording each step before its update."""
    top, plane, mean_image = geometry["top"], geometry["plane"], geometry["mean_image"]
    theta = np.zeros((X_train.shape[1], 1))
    record: dict[str, list[float]] = {key: [] for key in PER_STEP}
    hessian_vector = top
    for _ in range(steps):
        h_train = sigmoid(X_train @ theta)  # eqs. 5-6
        gradient = bce_gradient(X_train, y_train, h_train)  # eq. 9
        curvature, hessian_vector = _hessian_top(
            X_train, (h_train * (1 - h_train)).ravel(), hessian_vector
        )
        flat = theta.ravel()
        record["train_loss"].append(binary_cross_entropy(y_train, h_train))  # eq. 8
        record["val_accuracy"].append(accuracy(y_val, sigmoid(X_val @ theta)))
        record["predicted_second_class"].append(float(np.mean(predict(h_train))))
        record["bias"].append(float(flat[0]))
        record["top_component"].append(float(top @ flat))
        record["mean_image_component"].append(float(mean_image @ flat))
        record["rest_norm"].append(float(np.linalg.norm(flat - plane @ (plane.T @ flat))))
        record["top_update"].append(float(-learning_rate * (top @ gradient.ravel())))
        record["hessian_top"].append(curvature)
        theta = theta - learning_rate * gradient  # eq. 10
    return record


def measure(
    X_train: np.ndarray,
    y_train: np.ndarray,
    X_val: np.ndarray,
    y_val: np.ndarray,
    learning_rate: float,
    steps: int = FIRST_STEPS,
) -> Dynamics:
    """Run gradient descent from theta = 0 (eq. 10) and measure it against the curvature.

    Parameters
    ----------
    X_train : ndarray, shape (n, d)
        Training inputs with the bias column of ones first (``bias_trick``).
    y_train : ndarray, shape (n, 1) or (n,)
        0/1 labels.
    X_val : ndarray, shape (m, d)
    y_val : ndarray, shape (m, 1) or (m,)
    learning_rate : float
        The step size, > 0.
    steps : int
        How many steps to record, >= 2.
    """
    X_train, X_val = np.asarray(X_train, dtype=np.float64), np.asarray(X_val, dtype=np.float64)
    y_train, y_val = np.asarray(y_train), np.asarray(y_val)
    _check_arguments(X_train, y_train, X_val, y_val, learning_rate, steps)
    y_train, y_val = y_train.reshape(-1, 1), y_val.reshape(-1, 1)
    n, d = X_train.shape

    with threadpool_limits(1, user_api="blas"):  # last digits that never depend on the threads
        geometry = _geometry(X_train)
        record = _descend(X_train, y_train, X_val, y_val, learning_rate, steps, geometry)
    lipschitz, top = geometry["lipschitz"], geometry["top"]

    stable_step_limit = 2 / lipschitz
    return Dynamics(
        learning_rate=float(learning_rate),
        n_train=n,
        lambda_max=geometry["lambda_max"],
        lipschitz=lipschitz,
        stable_step_limit=stable_step_limit,
        step_ratio=learning_rate / stable_step_limit,
        second_curvature=geometry["lambda_second"] / (4 * n),
        mean_row_norm_squared=float(geometry["mean_row"] @ geometry["mean_row"]),
        cosine_mean_image_top=float(geometry["mean_image"][1:] @ geometry["top_pixels"]),
        top_direction_bias_weight=float(top[0]),
        train_loss=record["train_loss"],
        val_accuracy=record["val_accuracy"],
        predicted_second_class=record["predicted_second_class"],
        bias=record["bias"],
        top_component=record["top_component"],
        mean_image_component=record["mean_image_component"],
        rest_norm=record["rest_norm"],
        top_update=record["top_update"],
        hessian_top=record["hessian_top"],
        effective_curvature=_effective_curvature(record["top_update"], learning_rate),
        loss_rise_steps=_rises(record["train_loss"]),
        sign_flip_steps=_sign_flips(record["top_update"]),
        zigzag_steps=_sign_flips(np.diff(record["val_accuracy"], prepend=np.nan).tolist()),
    )


def measure_pair(
    df: pd.DataFrame,
    classes: Sequence[str],
    *,
    learning_rate: float = LEARNING_RATE,
    steps: int = FIRST_STEPS,
) -> Dynamics:
    """``measure`` on the assignment's rows for one pair: subset, bias column, 60/20/20 split."""
    X, y = get_data_subset(df, classes)
    X_train, y_train, _, _, X_val, y_val = train_test_validation_split(bias_trick(X), y)
    return measure(X_train, y_train, X_val, y_val, learning_rate, steps)
