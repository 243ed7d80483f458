"""The library's two argument rules, one wording each: a count is an integer (Python's or numpy's,
never a bool) of at least some value; a rate is a finite number above 0. Each error names the
argument and echoes its value. (The CLI checks its flags itself, naming the flag.)
"""

from __future__ import annotations

import math
import numbers


def check_count(name: str, value: object, least: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")


def check_rate(name: str, value: object) -> None:
    if (isinstance(value, bool) or not isinstance(value, numbers.Real)
            or not math.isfinite(value) or value <= 0):  # fmt: skip
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
