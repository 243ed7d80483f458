"""Flag types shared by every command: each turns a flag's text into a checked value, or raises
argparse's one-line error naming what was expected and echoing what was given; and the one flag
group several commands share, the Dask engine's."""

from __future__ import annotations

import argparse
import math
import re
import sys
from collections.abc import Callable
from typing import Any

# What a person types: ASCII digits, with a sign or an exponent for a number. Python's int() and
# float() also take "1_000" and other scripts' digits ("٣"), which a typo should not pass as.
_INTEGER = re.compile(r"[+-]?[0-9]{1,30}")  # int() refuses 4,300 digits and more
_NUMBER = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")


def integer(low: int, high: int) -> Callable[[str], int]:
    """An integer in [low, high], in ASCII digits."""

    def parse(text: str) -> int:
        if not _INTEGER.fullmatch(text.strip()) or not low <= int(text.strip()) <= high:
            raise argparse.ArgumentTypeError(
                f"must be an integer between {low:,} and {high:,}, got {text!r}"
            )
        return int(text.strip())

    return parse


def positive_float(text: str) -> float:
    """A finite number > 0, written as a decimal (``0.05``, ``5e-2``), and no smaller than the
    smallest normal float (2.2e-308): ``1e-400`` reads as 0, and a subnormal rate such as
    ``1e-320`` makes the weights subnormal too, which a processor handles many times slower."""
    if not _NUMBER.fullmatch(text.strip()):
        raise argparse.ArgumentTypeError(
            f"must be a finite number > 0 (such as 0.05 or 1e-3), got {text!r}"
        )
    value = float(text)
    written = text.strip()
    zero = not re.search(r"[1-9]", written.split("e")[0].split("E")[0])
    if not math.isfinite(value) or written.startswith("-") or zero:  # -1e-400 reads as -0.0
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    if value < sys.float_info.min:  # 1e-400 reads as 0; a subnormal 1e-320 slows every step
        raise argparse.ArgumentTypeError(
            f"must be at least {sys.float_info.min!r}, the smallest normal float, got {text!r}"
        )
    return value


def class_name(text: str) -> str:
    """A ``--classes`` value as its official spelling, or argparse's one-line error."""
    from ..data.preprocessing import canonical_class

    try:
        return canonical_class(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def comma_list(convert: Callable[[str], Any], what: str) -> Callable[[str], list[Any]]:
    """A flag type: a comma-separated, non-empty list of ``what`` (plural: "integers >= 1"), each
    item checked by ``convert``, whose own error names what one item must be."""

    def parse(text: str) -> list[Any]:
        items = [item.strip() for item in text.split(",")]
        if not text.strip() or any(not item for item in items):
            raise argparse.ArgumentTypeError(
                f"must be a comma-separated list of {what}, got {text!r}"
            )
        values = []
        for item in items:
            try:
                values.append(convert(item))
            except argparse.ArgumentTypeError as exc:
                raise argparse.ArgumentTypeError(f"each {exc} in {text!r}") from None
        return values

    return parse


def engine_flags(parser: argparse.ArgumentParser) -> None:
    """``--workers N`` or ``--scheduler ADDRESS``: the Dask engine's flags, shared by ``sweep``,
    ``atlas`` and ``run``."""
    parser.add_argument(
        "--workers",
        type=integer(1, 1024),
        default=None,
        metavar="N",
        help="Dask worker processes of a local cluster (default: one per core "
        "this process may use; sweep starts no more than it has tasks to run)",
    )
    parser.add_argument("--jobs", dest="workers", type=integer(1, 1024), help=argparse.SUPPRESS)
    parser.add_argument(
        "--scheduler",
        default=None,
        metavar="ADDRESS",
        help="a running Dask scheduler, e.g. tcp://10.0.0.5:8786, instead of a local cluster",
    )


def folder_path(text: str) -> str:
    """A folder flag's shape only: for ``--out`` and ``--plot``, ``outdir.check`` decides before
    any work whether fashionlab may write there; ``--data-dir`` is checked by the loader, in the
    same words as ``$FASHIONLAB_DATA`` (a sweep's is a path as the workers see it)."""
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must be a folder path, got {text!r}")
    return text


def plain_text(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must not be empty, got {text!r}")
    from ..render.page import clean_text

    try:
        return clean_text(text, "the text")
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{exc}; use plain text, got {text!r}") from None
