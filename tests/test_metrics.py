"""The report's statistics against independent oracles: the score equation solved numerically,
published values, scipy's binomial test, and counts done by hand."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import optimize, stats

from fashionlab.analysis.metrics import (
    accuracy_interval,
    compare,
    error_count,
    mcnemar_p,
    mean_sd,
    paired_outcome,
    paired_test,
    prediction_interval,
    wilson_interval,
)
from fashionlab.render.format import interval, percent, share_text
from fashionlab.results import McNemar


def score_equation_bounds(correct: int, n: int, confidence: float) -> tuple[float, float]:
    """The Wilson bounds by definition: the p where the score statistic equals z, found by root search."""
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    p_hat = correct / n

    def excess(p: float) -> float:
        return (p_hat - p) ** 2 - z**2 * p * (1 - p) / n

    inside = min(max(p_hat, 1e-12), 1 - 1e-12)  # excess < 0 here, > 0 beyond each bound
    low = 0.0 if correct == 0 else optimize.brentq(excess, 1e-15, inside, xtol=1e-14)
    high = 1.0 if correct == n else optimize.brentq(excess, inside, 1 - 1e-15, xtol=1e-14)
    return low, high


@pytest.mark.parametrize(
    "correct, n, confidence",
    [
        (81, 263, 0.95),
        (0, 10, 0.95),
        (10, 10, 0.9),
        (1976, 2400, 0.95),
        (3, 7, 0.99),
        (2397, 2400, 0.95),
    ],
)
def test_wilson_matches_the_score_equation(correct, n, confidence) -> None:
    expected = score_equation_bounds(correct, n, confidence)
    np.testing.assert_allclose(wilson_interval(correct, n, confidence), expected, atol=1e-10)


def test_wilson_matches_published_values() -> None:
    # Newcombe (1998), Stat. Med. 17:857, example 81/263, method 3 (score): 0.2553 to 0.3662
    low, high = wilson_interval(81, 263)
    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    # ... and 0/10 (method 3): 0 to 0.2775
    assert round(wilson_interval(0, 10)[1], 4) == 0.2775


def test_accuracy_interval_counts_the_rows_and_refuses_a_share_of_none() -> None:
    # 0.8229166666666666 is 1975 / 2400, however the float was computed
    assert accuracy_interval(0.8229166666666666, 2400) == wilson_interval(1975, 2400)
    assert accuracy_interval(1975 / 2400 + 1e-12, 2400) == wilson_interval(1975, 2400)
    assert interval(0.8229166666666666, 2400) == "82.29% (80.7%–83.8%)"
    with pytest.raises(ValueError, match="whole number of rows out of n=2400"):
        accuracy_interval(0.8231, 2400)  # 1975.44 rows: rounding it would hide a wrong pairing
    with pytest.raises(ValueError, match="whole number of rows"):
        interval(0.8231, 2400)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"correct": 11, "n": 10}, "correct must be a whole number in \\[0, n=10\\], got 11"),
        ({"correct": -1, "n": 10}, "got -1"),
        ({"correct": 1, "n": 0}, "n must be an integer >= 1, got 0"),
        ({"correct": 1, "n": 10, "confidence": 1.0}, "confidence must be in \\(0, 1\\), got 1.0"),
        ({"correct": 0.5, "n": 10}, "correct must be .* got 0.5"),
    ],
)
def test_wilson_rejects_bad_arguments(kwargs, message) -> None:
    with pytest.raises(ValueError, match=message):
        wilson_interval(**kwargs)


def test_mcnemar_counts_and_matches_scipy_binomtest() -> None:
    rng = np.random.default_rng(0)
    a = rng.random(500) < 0.85
    b = np.where(rng.random(500) < 0.1, ~a, a)
    result = paired_test("validation", a, b)
    only_a = sum(1 for x, y in zip(a, b, strict=True) if x and not y)
    only_b = sum(1 for x, y in zip(a, b, strict=True) if y and not x)
    assert (result.only_first, result.only_second, result.n) == (only_a, only_b, 500)
    oracle = stats.binomtest(only_a, only_a + only_b, 0.5).pvalue
    assert result.p_value == pytest.approx(oracle, rel=1e-12)


def test_mcnemar_small_case_by_hand() -> None:
    # one row only A right, five only B right, two both right: p = 2 (C(6,0) + C(6,1)) / 2^6 = 14/64
    a = np.array([True, False, False, False, False, False, True, True])
    b = np.array([False, True, True, True, True, True, True, True])
    assert paired_test("held-out", a, b) == McNemar("held-out", 8, 1, 5, p_value=14 / 64)
    # all five discordant rows one way: p = 2 / 2^5
    assert paired_test("", ~np.zeros(5, bool), np.zeros(5, bool)).p_value == pytest.approx(2 / 32)


def test_mcnemar_without_discordant_rows_has_p_one() -> None:
    rows = np.array([True, False, True])
    assert paired_test("validation", rows, rows) == McNemar("validation", 3, 0, 0, p_value=1.0)


def test_mcnemar_rejects_non_boolean_or_mismatched_rows() -> None:
    with pytest.raises(ValueError, match="first must be a 1-D boolean array .* got dtype int64"):
        paired_test("", np.array([1, 0]), np.array([True, False]))
    with pytest.raises(ValueError, match="same rows, got shapes \\(2,\\) and \\(3,\\)"):
        paired_test("", np.ones(2, bool), np.ones(3, bool))


def test_a_paired_outcome_needs_both_more_rows_and_a_small_p() -> None:
    assert paired_outcome(20, 5, 0.004) == "better"
    assert paired_outcome(5, 20, 0.004) == "worse"  # the second model is the better one
    assert paired_outcome(12, 8, 0.5) == "undecided"
    assert paired_outcome(20, 5, 0.05) == "undecided"  # p must be below alpha
    with pytest.raises(ValueError, match="alpha"):
        paired_outcome(1, 0, 1.0, alpha=0)


def test_compare_counts_whole_rows() -> None:
    n = 2400
    assert compare(1976 / n, 1976 / n + 8e-10, n) == "tie"  # float32 noise is not a row
    assert compare(float(np.float32(1976 / n)), 1976 / n, n) == "tie"
    assert compare(1977 / n, 1976 / n, n) == "win"  # one row is a result
    assert compare(1975 / n, 1976 / n, n) == "loss"
    with pytest.raises(ValueError, match="accuracy must be a whole number of rows out of n=2400"):
        compare(0.5001, 0.5, n)


def test_error_count_is_exact_and_refuses_inconsistent_accuracies() -> None:
    assert error_count(1976 / 2400, 2400) == 424
    assert error_count(float(np.float32(1975 / 2400)), 2400) == 425
    assert error_count(1.0, 7) == 0 and error_count(0.0, 7) == 7
    with pytest.raises(ValueError, match="got 0.82375 \\(1976.1762 rows\\)") as caught:
        error_count(0.82375, 2399)  # 0.82375 is 1977 of 2400 rows, not a count out of 2399
    assert "n=2399" in str(caught.value)
    with pytest.raises(ValueError, match="accuracy must be in \\[0, 1\\], got 1.5"):
        error_count(1.5, 10)
    with pytest.raises(ValueError, match="n must be an integer >= 1, got 2.5"):
        error_count(0.5, 2.5)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "value, digits, expected",
    [
        (Fraction(2397, 2400), 2, "99.88%"),  # 99.875: the half goes up
        (2397 / 2400, 2, "99.88%"),
        (np.float32(2397 / 2400), 2, "99.88%"),  # float32 holds 0.998749971..., still prints 99.88
        (Fraction(1, 8), 1, "12.5%"),
        (Fraction(1, 16), 1, "6.3%"),  # 6.25 -> 6.3 (away from zero, not to even)
        (Fraction(3, 16), 1, "18.8%"),  # 18.75 -> 18.8
        (0.125, 0, "13%"),  # 12.5 -> 13, where Python's round gives 12
        (Fraction(-1, 16), 1, "-6.3%"),  # away from zero on the negative side too
        (0.82291, 2, "82.29%"),
        (1.0, 2, "100.00%"),
    ],
)
def test_percent_rounds_half_away_from_zero(value, digits, expected) -> None:
    assert percent(value, digits) == expected


def test_percent_snaps_to_whole_rows_when_given_n() -> None:
    noisy = 2397 / 2400 - 3e-9  # a float32 mean that landed just below the half
    assert percent(noisy, n=2400) == "99.88%"
    assert f"{100 * noisy:.2f}%" == "99.87%"  # what plain formatting would have printed
    with pytest.raises(ValueError, match="whole number of rows out of n=2400"):
        percent(0.9990001, n=2400)


def test_percent_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="digits must be a whole number >= 0, got -1"):
        percent(0.5, -1)
    with pytest.raises(ValueError, match="value must be finite, got nan"):
        percent(math.nan)


def test_mean_sd_uses_the_sample_standard_deviation() -> None:
    mean, sd = mean_sd([0.80, 0.82, 0.84])
    assert mean == pytest.approx(0.82)
    assert sd == pytest.approx(math.sqrt(((0.02) ** 2 + 0 + 0.02**2) / 2))  # divide by n - 1
    with pytest.raises(ValueError, match="at least 2 numbers, got shape \\(1,\\)"):
        mean_sd([0.8])


def test_the_prediction_interval_covers_one_more_draw_95_times_in_100() -> None:
    """Against a simulation: five draws give the interval, a sixth falls in it about 95 % of the
    time (a confidence interval of the mean, too narrow here, would cover far less)."""
    rng = np.random.default_rng(0)
    draws = rng.normal(0.885, 0.005, size=(20_000, 6))
    inside = [
        low <= row[5] <= high for row in draws for low, high in [prediction_interval(row[:5])]
    ]
    assert np.mean(inside) == pytest.approx(0.95, abs=0.006)
    low, high = prediction_interval([0.8945, 0.885, 0.8845, 0.8925, 0.8835])  # the report's seeds
    assert (round(low, 4), round(high, 4)) == (0.8725, 0.9035)
    assert stats.t.ppf(0.975, 4) == pytest.approx(2.776, abs=1e-3)


def test_a_share_short_of_one_is_never_shown_as_one() -> None:
    assert percent(Fraction(2399, 2400), 1) == "99.96%"  # not 100.0%
    assert percent(Fraction(1, 240000), 2) == "0.0004%"  # not 0.00%
    assert (percent(1.0, 1), percent(0.0, 1), percent(Fraction(2397, 2400), 1)) == (
        "100.0%",
        "0.0%",
        "99.9%",
    )
    assert (share_text(2399 / 2400), share_text(1.0), share_text(0.8229), share_text(1e-5)) == (
        "0.9996",
        "1.000",
        "0.823",
        "0.00001",
    )
    assert interval(2397 / 2400, 2400) == "99.88% (99.6%–99.96%)"
    assert interval(1.0, 2400) == "100.00% (99.8%–100.0%)"  # a float bound of k = n is 1


@pytest.mark.parametrize("errors_first, errors_second", [(425, 218), (12, 3), (40, 40), (7, 0)])
def test_the_largest_mcnemar_p_is_that_of_no_shared_error(errors_first, errors_second) -> None:
    """Over every overlap of the two models' errors on 2,400 rows, counted by brute force."""
    from fashionlab.analysis.metrics import largest_mcnemar_p, mcnemar_p

    n = 2400
    worst = 0.0
    for shared in range(min(errors_first, errors_second) + 1):
        first = np.ones(n, bool)
        second = np.ones(n, bool)
        first[:errors_first] = False  # the first's errors, then the second's overlapping `shared`
        second[errors_first - shared : errors_first - shared + errors_second] = False
        worst = max(worst, paired_test("", first, second).p_value)
    assert largest_mcnemar_p(errors_first, errors_second) == pytest.approx(worst, rel=1e-12)
    assert mcnemar_p(0, 0) == 1.0


def test_holm_rejects_in_step_down_order() -> None:
    """Holm (1979): the k-th smallest p of m against alpha / (m - k + 1), stopping at the first
    that fails; between Bonferroni's count and the unadjusted one."""
    from fashionlab.analysis.metrics import holm_rejections

    # 0.005 < 0.05/4, 0.01 < 0.05/3, 0.03 >= 0.05/2: two, where Bonferroni (0.0125) allows one
    assert holm_rejections([0.01, 0.04, 0.03, 0.005]) == 2
    assert holm_rejections([0.04, 0.001]) == 2  # 0.001 < 0.05 / 2, then 0.04 < 0.05 / 1
    assert holm_rejections([0.06, 0.001]) == 1
    assert holm_rejections([0.2, 0.001, 0.002]) == 2  # a failure ends it, whatever comes after
    assert holm_rejections([]) == 0
    assert holm_rejections([0.025, 0.05]) == 0  # p must be below alpha / (m - k), not equal
    assert holm_rejections([float("nan"), 0.001]) == holm_rejections([0.001, float("nan")]) == 1
    generator = np.random.default_rng(0)
    for _ in range(200):
        p = generator.uniform(0, 0.1, size=int(generator.integers(1, 30)))
        found = holm_rejections(list(p))
        assert (p < 0.05 / len(p)).sum() <= found <= (p < 0.05).sum()
        assert holm_rejections(list(p / 2)) >= found  # smaller p: never fewer rejections


def test_chance_mixing_is_the_binomial_tail_of_more_than_half() -> None:
    from math import comb

    from fashionlab.analysis.metrics import chance_mixing

    assert chance_mixing(10) == pytest.approx(sum(comb(10, j) for j in range(6, 11)) / 2**10)
    assert round(chance_mixing(10), 3) == 0.377  # not the 0.5 the report said
    rng = np.random.default_rng(0)  # simulated: 10 neighbours, each of the other class at 1/2
    assert np.mean(rng.integers(0, 2, (200_000, 10)).sum(axis=1) > 5) == pytest.approx(
        chance_mixing(10), abs=0.005
    )


def test_two_sample_p_is_fishers_exact_test() -> None:
    from fashionlab.analysis.metrics import two_sample_p

    # 1,997 of 2,400 against 1,605 of 2,000: the 100-step held-out against official test counts
    p = two_sample_p(1997, 2400, 1605, 2000)
    assert p == pytest.approx(stats.fisher_exact([[1997, 403], [1605, 395]]).pvalue)
    assert 0.005 < p < 0.02
    assert two_sample_p(90, 100, 90, 100) == 1.0


def test_accuracies_p_counts_each_share_exactly_then_tests() -> None:
    from fashionlab.analysis.metrics import accuracies_p, two_sample_p

    assert accuracies_p(1997 / 2400, 2400, 1605 / 2000, 2000) == two_sample_p(
        1997, 2400, 1605, 2000
    )
    with pytest.raises(ValueError):
        accuracies_p(0.5001, 2400, 0.8, 2000)  # no count of 2,400 rows gives 0.5001


def test_impossible_counts_and_p_values_are_refused() -> None:
    """A negative count gave p = 1, and a NaN p was taken for a decision ("better")."""
    with pytest.raises(ValueError, match="counts of rows must be >= 0, got -3 and 2"):
        mcnemar_p(-3, 2)
    with pytest.raises(ValueError, match="p_value must be in"):
        paired_outcome(10, 2, p_value=float("nan"))
