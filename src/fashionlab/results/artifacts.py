"""The arrays a study hands its figures: kept in memory, never in ``results.json``."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class Artifacts:
    """What the figures draw, beyond the numbers of ``results.Results``."""

    images: np.ndarray  # (n, 28, 28) uint8: the training images, then the test images
    labels: np.ndarray  # (n,) the images' classes
    first_normalised: np.ndarray  # (28, 28): the first training image after /255
    variance_ratio: np.ndarray  # every principal component's share of the variance
    coordinates: np.ndarray  # (points, 2): the t-SNE map
    thetas: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)  # (785, 1) per pair
    galleries: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=dict)
    # model -> (validation images (k, 784), their labels (k,), P(second class) (k,)), errors only
    atlas_thetas: list[tuple[tuple[str, str], np.ndarray]] = field(default_factory=list)
