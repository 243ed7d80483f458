"""Tests held together: how many of several of the answers' tests stay significant at a
family-wise ALPHA with Holm's method, where each answer gives its own p-value alone."""

from __future__ import annotations

from ..analysis.metrics import ALPHA, holm_rejections
from ..results import Comparison


def held_together(ps: list[float]) -> str:
    """', taken alone; held together ... 1 of these 3 stays significant' after the p-values of
    several tests, or nothing for one."""
    if len(ps) < 2:
        return ""
    kept = holm_rejections(ps)
    return (
        f", taken alone; held together to a family-wise {ALPHA:.0%} with Holm's method, "
        f"{'all' if kept == len(ps) else kept} of these {len(ps)} stay{'s' if kept == 1 else ''} "
        "significant"
    )


def tests_held_together(compared: Comparison) -> str:
    """The answers' McNemar tests between two models of the network's pair, held together: each
    answer gives its own, and the statistics review found none said what they make as a family."""
    tests = (compared.official_test, compared.heldout_test, compared.converged_test)
    ps = [test.p_value for test in (*tests, compared.longer_test)]
    alone, kept = sum(p < ALPHA for p in ps), holm_rejections(ps)
    return (
        f" The answers make {len(ps)} McNemar tests between models of this pair: these two, the "
        "network against logistic regression trained longer (above), and in Q4.2 logistic "
        f"regression trained longer against 100 steps. {alone} are significant taken alone; held "
        f"together to a family-wise {ALPHA:.0%} with Holm's method, "
        f"{'all' if kept == len(ps) else kept} of them stay{'s' if kept == 1 else ''} significant."
    )
