"""How numbers become words: one rounding rule for accuracies and shares (``percent``), one
way to name a pair, a step, a count."""

from __future__ import annotations

import math
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal, localcontext
from fractions import Fraction

from ..analysis.differences import independent_difference, paired_difference
from ..analysis.metrics import accuracy_interval, right_count, undecidable_lead
from ..data.preprocessing import pair_name as pair_name  # re-exported for render's modules
from ..results import Results

# The largest lead, in rows, that McNemar's exact test can never call significant at p < 0.05
# (5: p >= 2 / 2**5 = 0.0625 whatever the rows)
UNDECIDABLE_LEAD = undecidable_lead()


def _exact_decimal(value: float | Fraction) -> Decimal:
    if isinstance(value, Fraction):
        return Decimal(value.numerator) / Decimal(value.denominator)
    # str gives the shortest decimal that round-trips at the value's own precision, so float32
    # 0.99875 reads as 0.99875, not as 0.99874997138977...
    return Decimal(str(value))


SAME_SHARE = 1e-12  # a float this close to 0 or 1 (a Wilson bound of k = n) is shown as 0 or 1


def _shown(value: float | Fraction, digits: int, whole: int) -> Decimal:
    """``whole * value`` rounded half away from zero to ``digits`` decimals, with as many more as
    it takes for a share short of ``whole`` (or above 0) not to show as ``whole`` (or 0)."""
    if isinstance(digits, bool) or not isinstance(digits, int) or digits < 0:
        raise ValueError(f"digits must be a whole number >= 0, got {digits!r}")
    if not isinstance(value, Fraction) and not math.isfinite(value):
        raise ValueError(f"value must be finite, got {value!r}")
    with localcontext() as context:
        context.prec = 50  # exact for any k / n a report meets
        scaled = whole * _exact_decimal(value)
        rounded = scaled.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
        while rounded in (0, whole) and abs(rounded - scaled) > SAME_SHARE * whole and digits < 12:
            digits += 1
            rounded = scaled.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return rounded


def percent(value: float | Fraction, digits: int = 2, *, n: int | None = None) -> str:
    """The one rounding rule for the report: 100 * value, rounded half away from zero.

    ``2397/2400 -> '99.88%'`` whether it arrives as ``Fraction(2397, 2400)``, a float64, a float32
    or (with ``n=2400``) any float within ``ROW_TOLERANCE`` of it. With ``n``, the value is first
    snapped to the exact fraction k / n. A share short of 100 % (or above 0 %) is never shown as
    100 % (or 0 %): it gets more digits, ``2399/2400 -> '99.96%'`` with ``digits=1``.
    """
    if n is not None and math.isfinite(value):
        value = Fraction(right_count(float(value), n), n)
    return f"{_shown(value, digits, 100)}%"


def share_text(share: float, digits: int = 3) -> str:
    """A share as a decimal, '0.823', by ``percent``'s rule: never 1.000 (or 0.000) for a share
    short of 1 (or above 0)."""
    return str(_shown(share, digits, 1))


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


def times(n: int) -> str:
    """'once', '2 times', '1,000 times'."""
    return "once" if n == 1 else f"{count(n)} times"


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
