"""What the models learned: where logistic regression's weights sit, and the most confident errors."""

from __future__ import annotations

import numpy as np

from ..results import Pair, WeightSummary


def weight_summary(classes: Pair, theta: np.ndarray) -> WeightSummary:
    """Weighted centres of the weights pushing towards each class, and the strongest weight.

    ``theta`` is (785, 1) with the bias first; the rest is laid out as the 28 x 28 image.
    """
    weights = np.asarray(theta).ravel()[1:].reshape(28, 28)
    rows, columns = np.mgrid[0:28, 0:28]

    def centre(mass: np.ndarray) -> list[float]:
        total = mass.sum()
        if total == 0:
            return [float("nan"), float("nan")]
        return [float((rows * mass).sum() / total), float((columns * mass).sum() / total)]

    strongest = np.unravel_index(np.argmax(np.abs(weights)), weights.shape)
    return WeightSummary(
        classes=classes,
        positive_centre=centre(np.clip(weights, 0, None)),
        negative_centre=centre(np.clip(-weights, 0, None)),
        strongest_weight=float(weights[strongest]),
        strongest_at=[int(strongest[0]), int(strongest[1])],
    )


def errors_by_confidence(
    probabilities: np.ndarray, predictions: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """The rows a model gets wrong (its 0/1 ``predictions``, by its own rule, from
    ``probabilities`` of label 1), the most confident mistake first."""
    wrong = np.flatnonzero(np.ravel(predictions) != np.ravel(y))
    return wrong[np.argsort(-np.abs(probabilities[wrong] - 0.5), kind="stable")]
