"""The library's argument rules, one wording each: a count is an integer (Python's or numpy's,
never a bool) of at least some value; a rate is a finite number above 0; images and labels pair
up row by row; binary labels are 0 and 1; pixels are finite real numbers. Each error names the
arguments and echoes the values. (The CLI checks its flags itself, naming the flag.) And
``required``: a result that a caller relies on is there, under ``python -O`` too.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sized
from typing import TypeVar

import numpy as np
import numpy.typing as npt

T = TypeVar("T")


def check_count(name: str, value: object, least: int = 1) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < least:
        raise ValueError(f"{name} must be an integer >= {least}, got {value!r}")


def check_rate(name: str, value: object) -> None:
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value <= 0
    ):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")


def check_rows(X: Sized, y: Sized, names: str = "X and y") -> None:
    """Images and labels pair up row by row (``names``: the caller's words for the two)."""
    if len(X) != len(y):
        raise ValueError(f"{names} must have as many rows, got {len(X)} and {len(y)}")


def check_labels(name: str, y: npt.ArrayLike) -> None:
    """Labels 0 and 1 only: a 2 or a -1 would give a loss and an accuracy, and no error."""
    if not np.isin(y, (0, 1)).all():
        found = np.unique(np.asarray(y))[:5].tolist()
        raise ValueError(f"{name} must hold labels 0 and 1 only, got values such as {found}")


def check_finite(name: str, values: object) -> None:
    """Every value a finite real number: a NaN pixel would end gradient descent at its first step."""
    array = np.asarray(values)
    if array.dtype.kind not in "biuf":  # bool, integers, floats
        raise ValueError(f"{name} must hold real numbers, got dtype {array.dtype}")
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        where = tuple(np.argwhere(~np.isfinite(array))[0].tolist())
        place = f"row {where[0]}, column {where[1]}" if len(where) == 2 else f"index {where}"
        raise ValueError(
            f"{name} must hold finite values only, got {array[where].item()!r} at {place}"
        )


def check_images_and_labels(
    X: np.ndarray, y: np.ndarray, x_name: str = "X", y_name: str = "y", *, finite: bool = True
) -> None:
    """Images (n, d), at least one row, finite (one read of X: ``finite=False`` where a NaN would
    show in the result anyway), and labels that pair up with them row by row and are 0 and 1;
    an error names the argument by the caller's name for it."""
    both = f"{x_name} and {y_name}"
    check_rows(X, y, both)
    if np.ndim(X) != 2:
        raise ValueError(f"{x_name} must be 2-D (rows, features), got shape {np.shape(X)}")
    if len(X) == 0:
        raise ValueError(f"{both} must hold at least one row, got none")
    if finite:
        check_finite(x_name, X)
    check_labels(y_name, y)


def required(value: T | None, what: str) -> T:
    """``value``, which the caller's results hold; else an error naming ``what``, never a page that
    says "None". (An ``assert`` would vanish under ``python -O``, and the cache's check of a stored
    study, which writes its report, would let a damaged one through.)"""
    if value is None:
        raise RuntimeError(f"the results lack {what}")
    return value
