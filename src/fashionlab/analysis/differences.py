"""How large a gap is, with its uncertainty: intervals for the difference of two accuracies and
for a correlation, where the tests in ``metrics`` say only whether there is a gap.

- Two models on the same rows: Agresti and Min's (2005) interval, the Wald interval of the paired
  difference after adding 1/2 to each of the four cells of the paired table.
- One model (or two) on two independent sets of rows: Newcombe's (1998) hybrid score interval
  (his method 10), built from each accuracy's Wilson interval.
- A correlation over a few seeds: Fisher's z interval, as ``scipy.stats.pearsonr`` gives it.
"""

from __future__ import annotations

import math
from typing import NamedTuple

import numpy as np

from ..checks import check_count
from .distributions import normal_quantile, t_quantile
from .metrics import mean_sd, wilson_interval


def _z(confidence: float) -> float:
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    return normal_quantile(0.5 + confidence / 2)


def paired_difference(
    only_first: int, only_second: int, n: int, confidence: float = 0.95
) -> tuple[float, float, float]:
    """The first model's accuracy minus the second's on the same ``n`` rows, from the rows only
    one of them gets right, with Agresti and Min's interval: (difference, low, high)."""
    check_count("n", n)
    for name, value in (("only_first", only_first), ("only_second", only_second)):
        check_count(name, value, least=0)
    if only_first + only_second > n:
        raise ValueError(f"only_first + only_second must be at most n={n}")
    z = _z(confidence)
    first, second, rows = only_first + 0.5, only_second + 0.5, n + 2  # a half to each cell
    centre = (first - second) / rows
    half = z * math.sqrt(first + second - (first - second) ** 2 / rows) / rows
    return (only_first - only_second) / n, max(-1.0, centre - half), min(1.0, centre + half)


def independent_difference(
    right_first: int, n_first: int, right_second: int, n_second: int, confidence: float = 0.95
) -> tuple[float, float, float]:
    """The first accuracy minus the second, on two independent sets of rows, with Newcombe's
    hybrid score interval: (difference, low, high)."""
    low1, high1 = wilson_interval(right_first, n_first, confidence)
    low2, high2 = wilson_interval(right_second, n_second, confidence)
    first, second = right_first / n_first, right_second / n_second
    difference = first - second
    low = difference - math.sqrt((first - low1) ** 2 + (high2 - second) ** 2)
    high = difference + math.sqrt((high1 - first) ** 2 + (second - low2) ** 2)
    return difference, low, high


def correlation(
    x: list[float], y: list[float], confidence: float = 0.95
) -> tuple[float, float | None, float | None]:
    """Pearson's r of two series (0 where either is constant) and Fisher's z interval for it;
    no interval for fewer than 4 points or a constant series."""
    a, b = np.asarray(x, np.float64), np.asarray(y, np.float64)
    if a.shape != b.shape or a.ndim != 1 or len(a) < 2:
        raise ValueError(f"x and y must be 1-D and of one length >= 2, got {a.shape}, {b.shape}")
    if np.std(a) == 0 or np.std(b) == 0:
        return 0.0, None, None
    r = float(np.clip(np.corrcoef(a, b)[0, 1], -1.0, 1.0))
    if len(a) < 4 or abs(r) == 1:
        return r, None, None
    half = _z(confidence) / math.sqrt(len(a) - 3)
    return r, math.tanh(math.atanh(r) - half), math.tanh(math.atanh(r) + half)


class SeedsMean(NamedTuple):
    """What an interval for the mean of k seeds' accuracies on the same n test images is made of:
    the variance of the seeds' mean (sd^2 / k), the images' own binomial variance (shared by every
    seed, so not divided by k), and Welch and Satterthwaite's degrees of freedom for their sum
    (inf where the seeds agree exactly, so that the images' part is all)."""

    seeds: float
    images: float
    freedom: float


def seeds_mean_parts(accuracies: list[float], n: int) -> SeedsMean:
    """``SeedsMean`` of ``accuracies`` on ``n`` images: Q5.1 prints each part, and
    ``seeds_mean_half_width`` makes its interval of them."""
    check_count("n", n)
    mean, sd = mean_sd(accuracies)
    k = len(accuracies)
    seeds = sd**2 / k
    images = mean * (1 - mean) / n  # known, not estimated: infinite degrees of freedom
    if seeds == 0 or len(set(accuracies)) == 1:  # equal floats can leave an sd of 1e-17
        return SeedsMean(seeds, images, math.inf)
    return SeedsMean(seeds, images, (seeds + images) ** 2 / (seeds**2 / (k - 1)))


def seeds_mean_half_width(
    accuracies: list[float], n: int | None, confidence: float = 0.95
) -> float:
    """The half-width of an interval for the mean of k seeds' accuracies on the same ``n`` test
    images (``seeds_mean_parts``), with Student's t at the parts' degrees of freedom: k - 1 where
    the seeds' part is all, the normal's where the images' is. ``n`` None for the seeds' spread
    alone (the mean on these very images)."""
    if n is None:
        k = len(accuracies)
        return t_quantile(0.5 + confidence / 2, k - 1) * mean_sd(accuracies)[1] / math.sqrt(k)
    parts = seeds_mean_parts(accuracies, n)
    total = parts.seeds + parts.images
    if math.isinf(parts.freedom):
        return _z(confidence) * math.sqrt(total)
    return t_quantile(0.5 + confidence / 2, parts.freedom) * math.sqrt(total)
