"""Intervals for gaps and correlations, against published values, scipy and simulated coverage."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from fashionlab.analysis.differences import (
    correlation,
    independent_difference,
    paired_difference,
    seeds_mean_half_width,
    seeds_mean_parts,
)


def test_newcombes_interval_gives_his_published_example() -> None:
    """Newcombe (1998), Statistics in Medicine 17: 873-890, Table II: 56/70 against 48/80 by his
    method 10 (the hybrid score interval) is 0.0524 to 0.3339."""
    difference, low, high = independent_difference(56, 70, 48, 80)
    assert difference == pytest.approx(0.2)
    assert (round(low, 4), round(high, 4)) == (0.0524, 0.3339)


def test_newcombes_interval_is_the_mirror_image_when_the_two_swap() -> None:
    difference, low, high = independent_difference(48, 80, 56, 70)
    assert (difference, low, high) == pytest.approx((-0.2, -0.3339, -0.0524), abs=5e-5)


@pytest.mark.parametrize("p_only_first, p_only_second, n", [(0.12, 0.03, 2000), (0.05, 0.05, 300)])
def test_the_paired_interval_covers_the_true_difference_about_95_times_in_100(
    p_only_first: float, p_only_second: float, n: int
) -> None:
    """Simulated paired tables of two models on n rows: the interval's coverage of the true
    difference is close to its nominal 95 %."""
    rng = np.random.default_rng(0)
    cells = rng.multinomial(
        n, [p_only_first, p_only_second, 1 - p_only_first - p_only_second], 4000
    )
    truth = p_only_first - p_only_second
    covered = [
        low <= truth <= high
        for low, high in (paired_difference(int(b), int(c), n)[1:] for b, c, _ in cells)
    ]
    assert 0.935 <= np.mean(covered) <= 0.965


def test_the_paired_interval_of_the_reports_official_test_comparison() -> None:
    """251 of 2,000 right only for the network, 60 only for logistic regression: a lead of 9.55
    points, 7.9 to 11.2 (an instructor's review computed the same by the Wald interval)."""
    difference, low, high = paired_difference(251, 60, 2000)
    assert difference == pytest.approx(0.0955)
    assert (round(100 * low, 1), round(100 * high, 1)) == (7.9, 11.2)
    assert paired_difference(7, 7, 100)[1] == pytest.approx(-paired_difference(7, 7, 100)[2])


@pytest.mark.parametrize("bad", [(-1, 0, 10), (6, 5, 10), (0, 0, 0)])
def test_the_paired_interval_refuses_counts_that_cannot_be(bad: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError):
        paired_difference(*bad)


def test_the_correlations_interval_is_scipys() -> None:
    x, y = [0.905, 0.899, 0.911, 0.902, 0.909], [0.888, 0.883, 0.894, 0.884, 0.891]
    r, low, high = correlation(x, y)
    expected = stats.pearsonr(x, y)
    ci = expected.confidence_interval(0.95)
    assert (r, low, high) == pytest.approx((expected.statistic, ci.low, ci.high))
    assert correlation(x[:3], y[:3])[1:] == (None, None)  # too few points for Fisher's z
    assert correlation([1.0, 1.0, 1.0, 1.0], y[:4]) == (0.0, None, None)


def test_the_seeds_half_width_is_students_t_when_the_images_add_nothing() -> None:
    seeds = [0.8835, 0.8945, 0.8870, 0.8890, 0.8860]
    sem = stats.sem(seeds)
    low, high = stats.t.interval(0.95, len(seeds) - 1, loc=np.mean(seeds), scale=sem)
    assert seeds_mean_half_width(seeds, 10**12) == pytest.approx((high - low) / 2, rel=1e-6)
    assert seeds_mean_half_width(seeds, None) == pytest.approx((high - low) / 2, rel=1e-12)


def test_the_seeds_and_the_images_variances_add_with_welch_satterthwaites_freedom() -> None:
    """An instructor's review: half-widths added in quadrature (t for the seeds, z for the images)
    gave +-1.52 points where one t on the summed variances gives +-1.45."""
    seeds = [0.8835, 0.8945, 0.8870, 0.8890, 0.8860]
    mean, k, n = np.mean(seeds), len(seeds), 2000
    of_seeds, of_images = np.var(seeds, ddof=1) / k, mean * (1 - mean) / n
    freedom = (of_seeds + of_images) ** 2 / (of_seeds**2 / (k - 1))
    expected = stats.t.ppf(0.975, freedom) * np.sqrt(of_seeds + of_images)
    assert seeds_mean_half_width(seeds, n) == pytest.approx(expected, rel=1e-12)
    parts = seeds_mean_parts(seeds, n)  # Q5.1 prints each
    assert (parts.seeds, parts.images) == pytest.approx((of_seeds, of_images), rel=1e-12)
    assert parts.freedom == pytest.approx(freedom, rel=1e-12)
    assert 700 < freedom < 1200  # the images' known variance dominates: nearly the normal
    alone = seeds_mean_half_width(seeds, None)
    images = 1.959964 * np.sqrt(of_images)
    assert images < seeds_mean_half_width(seeds, n) < np.hypot(alone, images)
    same = [0.885] * 4  # no spread over seeds: the images' normal interval
    assert seeds_mean_half_width(same, n) == pytest.approx(1.959964 * np.sqrt(0.885 * 0.115 / n))
    assert seeds_mean_parts(same, n).freedom == np.inf


def test_the_paired_interval_is_agresti_and_mins_not_walds() -> None:
    """Two models that never disagree on 10 rows: Wald's interval has no width; Agresti and Min's
    adds a half to each cell, so +-1.96 * sqrt(1) / 12."""
    assert paired_difference(0, 0, 10) == pytest.approx((0.0, -1.959964 / 12, 1.959964 / 12))


def test_the_paired_interval_by_hand_off_the_centre_and_at_the_ends() -> None:
    """The mutation review: a centre divided by n, not n + 2, and the clip to [-1, 1], passed
    every test. By hand, from Agresti and Min (2005): cells 3.5 and 1.5 of 12 rows."""
    z = stats.norm.ppf(0.975)
    centre, half = 2 / 12, z * np.sqrt(5 - 2**2 / 12) / 12
    assert paired_difference(3, 1, 10) == pytest.approx((0.2, centre - half, centre + half))
    assert paired_difference(3, 1, 10)[1:] == pytest.approx((-0.186167, 0.519501), abs=1e-6)
    # one model right on every row where the two disagree, on all of them: the interval stops at 1
    assert paired_difference(10, 0, 10) == pytest.approx((1.0, 0.5666, 1.0), abs=1e-4)
    assert paired_difference(0, 10, 10) == pytest.approx((-1.0, -1.0, -0.5666), abs=1e-4)
