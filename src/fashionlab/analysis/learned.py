"""What the models learned: where logistic regression's strong weights sit, and the most
confident errors."""

from __future__ import annotations

import numpy as np

from ..results import Pair
from ..results.weight_map import Patch, WeightSummary


def weight_summary(classes: Pair, theta: np.ndarray) -> WeightSummary:
    """The patches of strong weights pushing towards each class, and the strongest weight.

    ``theta`` is (785, 1) with the bias first; the rest is laid out as the 28 x 28 image.
    """
    weights = np.asarray(theta).ravel()[1:].reshape(28, 28)
    strongest = np.unravel_index(np.argmax(np.abs(weights)), weights.shape)
    return WeightSummary(
        classes=classes,
        positive_patches=patches(np.clip(weights, 0, None)),
        negative_patches=patches(np.clip(-weights, 0, None)),
        strongest_weight=float(weights[strongest]),
        strongest_at=[int(strongest[0]), int(strongest[1])],
    )


def patches(push: np.ndarray) -> list[Patch]:
    """The patches of ``push`` (one way's weights, 0 elsewhere) at least half as strong as its
    strongest: pixels that touch by an edge, each patch's share of the whole push, largest first;
    none where nothing pushes."""
    from scipy import ndimage

    total = float(push.sum())
    if total <= 0:
        return []
    labels, count = ndimage.label(push >= push.max() / 2)
    found = []
    for label in range(1, count + 1):
        rows, columns = np.nonzero(labels == label)
        share = float(push[rows, columns].sum()) / total
        bounds = [int(rows.min()), int(rows.max())], [int(columns.min()), int(columns.max())]
        found.append(Patch(*bounds, share, float(push[rows, columns].max())))
    return sorted(found, key=lambda patch: -patch.share)


def errors_by_confidence(
    probabilities: np.ndarray, predictions: np.ndarray, y: np.ndarray
) -> np.ndarray:
    """The rows a model gets wrong (its 0/1 ``predictions``, by its own rule, from
    ``probabilities`` of label 1), the most confident mistake first."""
    wrong = np.flatnonzero(np.ravel(predictions) != np.ravel(y))
    return wrong[np.argsort(-np.abs(probabilities[wrong] - 0.5), kind="stable")]
