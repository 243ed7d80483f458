"""Statistics written apart from fashionlab's own code, for the tests to check it against."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np


def holm_rejected(ps: Sequence[float], alpha: float = 0.05) -> list[bool]:
    """Which tests Holm's method rejects at family-wise ``alpha``, in the order given: by its
    adjusted p-values, the running maximum of (m - j) p_(j) over the sorted p-values (the code
    counts its step-down instead). A stable sort: tied p-values are adjusted alike."""
    order = np.argsort(ps, kind="stable")
    m = len(ps)
    adjusted = np.maximum.accumulate([(m - j) * ps[i] for j, i in enumerate(order)])
    rejected = [False] * m
    for i, value in zip(order, adjusted, strict=True):
        rejected[i] = bool(value < alpha)
    return rejected
