"""Where logistic regression's weights sit on the 28 x 28 image, as ``results.json`` records it.

``analysis.learned`` finds the patches; ``render.sections_extras`` words them ("What the models
learned"). Rows and columns count from 0, as the weight figures' axes do.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Patch:
    """Side-by-side pixels whose weights push one way at least half as hard as that way's
    strongest: the first and last row and column they lie within (a bounding box: the patch may
    fill only part of it), their share of all that way's weight, and their strongest weight."""

    rows: list[int]
    columns: list[int]
    share: float
    peak: float  # the largest weight in it, pushing that way (positive)


@dataclass
class WeightSummary:
    """The patches pushing towards each class, the largest share first, and the strongest
    weight: positive weights push towards the pair's second class, negative ones its first."""

    classes: tuple[str, str]
    positive_patches: list[Patch]
    negative_patches: list[Patch]
    strongest_weight: float
    strongest_at: list[int]
