"""The statistics a report needs to make honest claims about accuracies measured on n rows.

An accuracy on n rows is a count k out of n: ``error_count`` recovers the count exactly,
``wilson_interval`` says how uncertain it is (and ``accuracy_interval`` the same from an
accuracy), ``compare`` calls a win, tie or loss by whole rows, and ``paired_test`` (McNemar's
exact test) tells whether two models that scored the same rows really differ; ``confusion`` and
``precision_recall`` count a ten-class model's rows by class. How a count is written is the
renderer's (``render.format.percent``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Literal

import numpy as np

from ..checks import check_count
from ..results import McNemar
from .distributions import binomial_cdf, binomial_sf, fisher_exact_p, normal_quantile, t_quantile

# How far an accuracy may sit from k/n and still be k/n (float32 noise is ~1e-7)
ROW_TOLERANCE = 1e-6

Outcome = Literal["win", "tie", "loss"]


def wilson_interval(correct: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson score interval for a binomial proportion correct / n.

    The set of p whose score test |p_hat - p| / sqrt(p (1 - p) / n) <= z does not reject:
    centre (p_hat + z^2/2n) / (1 + z^2/n), half-width z / (1 + z^2/n) sqrt(p_hat (1 - p_hat)/n + z^2/4n^2).

    Parameters
    ----------
    correct : int
        Rows right, 0 <= correct <= n.
    n : int
        Rows scored, >= 1.
    confidence : float
        Two-sided coverage, in (0, 1).

    Returns
    -------
    (low, high) : tuple of float
        Bounds on the proportion, within [0, 1].
    """
    check_count("n", n)  # the number of rows
    if (
        isinstance(correct, bool)
        or not isinstance(correct, (int, np.integer))
        or not 0 <= correct <= n
    ):
        raise ValueError(f"correct must be a whole number in [0, n={n}], got {correct!r}")
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be in (0, 1), got {confidence!r}")
    z = normal_quantile(0.5 + confidence / 2)  # two-sided normal quantile
    p_hat = correct / n
    shrink = 1 + z**2 / n
    centre = (p_hat + z**2 / (2 * n)) / shrink  # the score interval's centre
    half_width = z / shrink * math.sqrt(p_hat * (1 - p_hat) / n + z**2 / (4 * n**2))
    return max(0.0, centre - half_width), min(1.0, centre + half_width)


def _check_correctness(name: str, values: np.ndarray) -> np.ndarray:
    array = np.asarray(values)
    if array.ndim != 1 or array.dtype != np.bool_:
        raise ValueError(
            f"{name} must be a 1-D boolean array (one entry per row), got dtype "
            f"{array.dtype} shape {array.shape}"
        )
    return array


def paired_test(rows: str, first: np.ndarray, second: np.ndarray) -> McNemar:
    """McNemar's exact test of a first model against a second on the same ``rows`` (a name:
    "validation", "held-out", "official test"): a two-sided binomial test of the rows only the
    first gets right among those exactly one gets right, at p = 1/2.

    ``first``, ``second``: ndarray of bool, shape (n,), whether each model got each row right.
    """
    only_first, only_second = discordant(first, second)
    return McNemar(
        rows=rows,
        n=len(first),
        only_first=only_first,
        only_second=only_second,
        p_value=mcnemar_p(only_first, only_second),
    )


def discordant(first: np.ndarray, second: np.ndarray) -> tuple[int, int]:
    """The rows only the first model gets right, and those only the second gets right."""
    a, b = _check_correctness("first", first), _check_correctness("second", second)
    if a.shape != b.shape:
        raise ValueError(
            f"first and second must score the same rows, got shapes {a.shape} and {b.shape}"
        )
    return int(np.sum(a & ~b)), int(np.sum(~a & b))


def mcnemar_p(only_first: int, only_second: int) -> float:
    """McNemar's exact two-sided p from the rows right for one model only, and for the other."""
    if min(only_first, only_second) < 0:
        raise ValueError(f"counts of rows must be >= 0, got {only_first} and {only_second}")
    if only_first + only_second == 0:
        return 1.0
    # Binomial(b + c, 1/2) is symmetric: the two-sided p is twice the smaller tail, capped at 1
    tail = binomial_cdf(min(only_first, only_second), only_first + only_second, 0.5)
    return min(1.0, 2 * tail)


def largest_mcnemar_p(errors_first: int, errors_second: int) -> float:
    """The largest p McNemar's exact test can give two models with these error counts on the
    same rows, whichever rows they get wrong: that of no shared error (b = the second's errors,
    c = the first's), as sharing an error takes one row off each and leaves the lead as it is."""
    return mcnemar_p(errors_second, errors_first)


def chance_mixing(k: int) -> float:
    """The share of points that ``embedding.pair_mixing`` would call mixed for two equal classes
    placed at random: P(more than half of k neighbours are of the other class)."""
    return binomial_sf(k // 2, k, 0.5)


def two_sample_p(right_first: int, n_first: int, right_second: int, n_second: int) -> float:
    """Fisher's exact two-sided test that two accuracies measured on independent sets of rows are
    the same (right_first of n_first against right_second of n_second): one model on two sets,
    or two models each on its own."""
    table = [[right_first, n_first - right_first], [right_second, n_second - right_second]]
    return fisher_exact_p(table)


def accuracies_p(first: float, n_first: int, second: float, n_second: int) -> float:
    """``two_sample_p`` for two accuracies, each the share right of its own n rows, counted
    exactly (``error_count`` refuses a share that is no k / n)."""
    return two_sample_p(
        right_count(first, n_first), n_first, right_count(second, n_second), n_second
    )


def as_bits(correct: np.ndarray | list[bool]) -> str:
    """Per-row correctness as a string of "1"/"0", as ``results.json`` keeps it."""
    return "".join("1" if c else "0" for c in np.ravel(correct))


def from_bits(bits: str) -> np.ndarray:
    return np.frombuffer(bits.encode(), dtype=np.uint8) == ord("1")


ALPHA = 0.05  # the significance level of every paired test the report states


def paired_outcome(
    only_first: int, only_second: int, p_value: float, alpha: float = ALPHA
) -> Literal["better", "worse", "undecided"]:
    """How the first of two models compares with the second on McNemar's exact test: "better" or
    "worse" where p is below ``alpha`` (better: more rows right only for the first), else
    "undecided"."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if not 0 <= p_value <= 1:  # NaN too: it is below no alpha, and was taken for a decision
        raise ValueError(f"p_value must be in [0, 1], got {p_value!r}")
    if p_value >= alpha or only_first == only_second:
        return "undecided"
    return "better" if only_first > only_second else "worse"


def holm_rejections(p_values: Sequence[float], alpha: float = ALPHA) -> int:
    """How many of m tests Holm's step-down method rejects at family-wise level ``alpha``: the
    k-th smallest p (from 0) must be below alpha / (m - k), and every smaller one too. Monotone:
    upper bounds of the p-values give a lower bound of the count."""
    ordered = sorted(1.0 if math.isnan(p) else p for p in p_values)  # NaN: no evidence, p = 1
    m = len(ordered)
    return next((k for k, p in enumerate(ordered) if p >= alpha / (m - k)), m)


def undecidable_lead(alpha: float = ALPHA) -> int:
    """The largest lead (rows right for one model, less those right for the other only) that
    McNemar's exact two-sided test can never call significant at ``alpha``, whatever the rows: a
    lead of d gives at best p = 2 / 2**d, with no row right for the other model alone."""
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    lead = 0
    while 2 / 2 ** (lead + 1) >= alpha:
        lead += 1
    return lead


def error_count(accuracy: float, n: int) -> int:
    """The exact number of wrong rows, n (1 - accuracy), for an accuracy that is k / n.

    Raises ``ValueError`` when ``accuracy`` is not within ``ROW_TOLERANCE`` of some k / n: two
    numbers that disagree about the count (424 against 425 errors) cannot both be right.
    """
    check_count("n", n)  # the number of rows
    if not 0 <= accuracy <= 1:
        raise ValueError(f"accuracy must be in [0, 1], got {accuracy!r}")
    correct = round(accuracy * n)
    if abs(accuracy - correct / n) > ROW_TOLERANCE:
        raise ValueError(
            f"accuracy must be a whole number of rows out of n={n} (k/n within {ROW_TOLERANCE}), "
            f"got {accuracy!r} ({accuracy * n:.4f} rows)"
        )
    return n - correct


def right_count(accuracy: float, n: int) -> int:
    """The exact number of right rows, ``n`` less ``error_count``'s."""
    return n - error_count(accuracy, n)


def accuracy_interval(accuracy: float, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """The Wilson interval of an accuracy measured on n rows, from its exact count of rows right
    (``error_count``: an accuracy that is no k / n is refused, not rounded to one)."""
    return wilson_interval(right_count(accuracy, n), n, confidence)


def compare(acc_a: float, acc_b: float, n: int) -> Outcome:
    """Win, tie or loss for A against B, two accuracies on the same n rows.

    A tie is a difference of less than one row; both accuracies are first snapped to whole rows
    (see ``error_count``), so float noise such as 8e-10 is a tie and a one-row difference is not.
    """
    rows_ahead = error_count(acc_b, n) - error_count(acc_a, n)  # fewer errors is better
    if rows_ahead == 0:
        return "tie"
    return "win" if rows_ahead > 0 else "loss"


def mean_sd(values: np.ndarray | list[float]) -> tuple[float, float]:
    """Mean and sample standard deviation (ddof = 1) of at least two values, e.g. over seeds."""
    array = np.asarray(values, dtype=np.float64)
    if array.ndim != 1 or len(array) < 2:
        raise ValueError(
            f"values must be a 1-D sequence of at least 2 numbers, got shape {array.shape}"
        )
    return float(np.mean(array)), float(np.std(array, ddof=1))


def prediction_interval(
    values: np.ndarray | list[float], confidence: float = 0.95
) -> tuple[float, float]:
    """Where one more draw from the values' population falls with probability ``confidence``,
    assuming it is normal: mean ± t(k - 1) · sd · sqrt(1 + 1/k) over k values (e.g. seeds)."""
    mean, sd = mean_sd(values)
    k = len(values)
    half = t_quantile((1 + confidence) / 2, k - 1) * sd * math.sqrt(1 + 1 / k)
    return mean - half, mean + half


def confusion(true: np.ndarray, predicted: np.ndarray, n_classes: int = 10) -> np.ndarray:
    """counts[i, j]: images of class i predicted as class j."""
    counts = np.zeros((n_classes, n_classes), dtype=np.int64)
    np.add.at(counts, (np.ravel(true).astype(int), np.ravel(predicted).astype(int)), 1)
    return counts


def precision_recall(counts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-class precision (column-wise) and recall (row-wise) from a confusion matrix."""
    diagonal = np.diag(counts).astype(float)
    with np.errstate(invalid="ignore", divide="ignore"):
        precision = np.where(counts.sum(axis=0) > 0, diagonal / counts.sum(axis=0), 0.0)
        recall = np.where(counts.sum(axis=1) > 0, diagonal / counts.sum(axis=1), 0.0)
    return precision, recall
