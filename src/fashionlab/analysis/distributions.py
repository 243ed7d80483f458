"""The distribution functions behind the report's intervals and tests, from ``scipy.stats``.

``scipy.stats`` is imported on first use: its import takes about 1.2 s, which every command paid
while it sat at the top of ``metrics`` (2026-12-03: ``logreg --steps 3 --plot`` took 4.1 s, 2.9 s
without it), and only the report's statistics need it.
"""

from __future__ import annotations

from collections.abc import Sequence


def normal_quantile(p: float) -> float:
    """The standard normal's quantile: z with P(Z <= z) = p."""
    from scipy import stats

    return float(stats.norm.ppf(p))


def t_quantile(p: float, freedom: float) -> float:
    """Student's t quantile at ``freedom`` degrees of freedom (a fraction, for Welch's)."""
    from scipy import stats

    return float(stats.t.ppf(p, freedom))


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p)."""
    from scipy import stats

    return float(stats.binom.cdf(k, n, p))


def binomial_sf(k: int, n: int, p: float) -> float:
    """P(X > k) for X ~ Binomial(n, p)."""
    from scipy import stats

    return float(stats.binom.sf(k, n, p))


def fisher_exact_p(table: Sequence[Sequence[int]]) -> float:
    """Fisher's exact two-sided p for a 2 x 2 table of counts."""
    from scipy import stats

    return float(stats.fisher_exact(table).pvalue)
