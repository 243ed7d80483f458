"""How numbers become words: one rounding rule for accuracies and shares (``metrics.percent``), one
way to name a pair, a step, a count."""

from __future__ import annotations

from collections.abc import Sequence

from ..analysis.differences import independent_difference, paired_difference
from ..analysis.metrics import accuracy_interval, percent, right_count, undecidable_lead
from ..data.preprocessing import pair_name as pair_name  # re-exported for render's modules
from ..results import Results

# The largest lead, in rows, that McNemar's exact test can never call significant at p < 0.05
# (5: p >= 2 / 2**5 = 0.0625 whatever the rows)
UNDECIDABLE_LEAD = undecidable_lead()


def pct(value: float | None, n: int | None = None) -> str:
    """0.82291 -> '82.29%'; a value not measured (None) -> '-'. One rounding rule for the page."""
    return "-" if value is None else percent(value, n=n)


def interval(value: float | None, n: int) -> str:
    """'82.29% (80.7%–83.8%)': with its 95 % Wilson interval of an accuracy measured on n rows."""
    if value is None:
        return "-"
    low, high = accuracy_interval(value, n)
    return f"{pct(value, n)} ({percent(low, 1)}–{percent(high, 1)})"


def probability(value: float) -> str:
    """A model's probability: 0.9991 -> '99.9%'; one short of 1 never reads as 100 % ('> 99.9%')."""
    shown = f"{value:.1%}"
    return "> 99.9%" if shown == "100.0%" and value < 1 else shown


def points(value: float) -> str:
    """A difference of two accuracies in percentage points: 0.0867 -> '8.67 percentage points'."""
    return f"{100 * abs(value):.2f} percentage points"


def _signed(points: float, digits: int) -> str:
    shown = f"{points:+.{digits}f}"
    return shown[1:] if float(shown) == 0 else shown  # no '-0.0' or '+0.0'


def gap(difference: float, low: float, high: float) -> str:
    """'+9.55 points, 95% interval +7.9 to +11.2': a difference of two accuracies (commas, as it
    mostly stands inside parentheses)."""
    return (
        f"{_signed(100 * difference, 2)} points, 95% interval {_signed(100 * low, 1)} to "
        f"{_signed(100 * high, 1)}"
    )


def paired_gap(only_first: int, only_second: int, n: int) -> str:
    """The first model's lead over the second on the same rows, with Agresti and Min's interval."""
    return gap(*paired_difference(only_first, only_second, n))


def independent_gap(first: float, n_first: int, second: float, n_second: int) -> str:
    """The first accuracy minus the second, on two independent sets of rows, with Newcombe's
    interval."""
    right = right_count(first, n_first), right_count(second, n_second)
    return gap(*independent_difference(right[0], n_first, right[1], n_second))


def count(value: int) -> str:
    return f"{int(value):,}"


def plural(n: int, word: str, words: str | None = None) -> str:
    """'1 step', '2 steps', '1 epoch'; ``words`` where the plural is not ``word`` + 's'."""
    return f"{count(n)} {word if n == 1 else words or word + 's'}"


def seconds(value: float) -> str:
    return f"{value:.2f} s"


def wall_time(results: Results, value: float) -> str:
    """A measured wall time, saying so when Dask workers were busy on the same cores."""
    beside = " (while Dask workers ran other tasks on the same cores)"
    return seconds(value) + (beside if results.timings.get("shared_cores") else "")


def logreg_wall_time(results: Results, value: float) -> str:
    """A pair's logistic-regression time; beside Dask workers, and where the pairs' runs do the
    same arithmetic (as many rows and steps, none diverged), a gap between them is the machine's."""
    runs = results.logreg
    same = len(runs) > 1 and len({(r.n_train, r.steps, r.diverged_at_step) for r in runs}) == 1
    said = wall_time(results, value)
    if same and results.timings.get("shared_cores"):
        said += (
            "; both pairs' runs do the same arithmetic, so a gap between their times comes "
            "from the machine (its load, the order they ran in), not the pair"
        )
    return said


def shape(dims: Sequence[int]) -> str:
    return "(" + ", ".join(count(d) for d in dims) + ")"


def article(word: str) -> str:
    """'a Coat', 'an Ankle boot'."""
    return ("an " if word[:1].lower() in "aeiou" else "a ") + word


def p_value(p: float) -> str:
    """'p = 0.012', 'p < 0.001'."""
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"
