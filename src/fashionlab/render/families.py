"""Tests held together: how many of several of the answers' tests stay significant at a
family-wise ALPHA with Holm's method, where each answer gives its own p-value alone."""

from __future__ import annotations

from ..analysis.metrics import ALPHA, holm_rejections
from ..results import Comparison


def _holm(ps: list[float], these: str) -> str:
    """'held together to a family-wise 5% with Holm's method, 1 of these 3 stays significant'."""
    kept = holm_rejections(ps)
    stay = "stays" if kept == 1 else "stay"
    return (
        f"held together to a family-wise {ALPHA:.0%} with Holm's method, "
        f"{'all' if kept == len(ps) else kept} of {these} {stay} significant"
    )


def held_together(ps: list[float]) -> str:
    """', taken alone; held together ... 1 of these 3 stays significant' after the p-values of
    several tests, or nothing for one."""
    if len(ps) < 2:
        return ""
    return f", taken alone; {_holm(ps, f'these {len(ps)}')}"


def pair_mcnemar_family(compared: Comparison) -> str:
    """The answers' four McNemar tests between two models of the network's pair, held together:
    each answer gives its own, and the statistics review found none said what they make as a
    family. Said after the held-out test, in Q5.1's paragraph on the fair comparison."""
    tests = (compared.official_test, compared.heldout_test, compared.converged_test)
    ps = [test.p_value for test in (*tests, compared.longer_test)]
    alone = sum(p < ALPHA for p in ps)
    said = "none is" if alone == 0 else "1 is" if alone == 1 else f"{alone} are"
    return (
        f" The answers make {len(ps)} McNemar tests between models of this pair: the assignment's "
        "network against 100-step logistic regression on the official test rows (above); the "
        "network trained on logistic regression's rows against 100-step logistic regression and "
        "against logistic regression trained longer, both on the held-out rows (above); and in "
        f"Q4.2 logistic regression trained longer against 100 steps. Of these, {said} significant "
        f"taken alone; {_holm(ps, 'them')}."
    )
