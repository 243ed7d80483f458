"""``python -m fashionlab.cli.results_table report/results.json`` (``make results-table``):
print the README's results table and its findings from a run's ``results.json``; a file it cannot
use is one line on stderr and exit status 2, as a usage error of the CLI is."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import NoReturn

from ..jsonio import strict_loads
from ..render.readme_table import readme_results
from ..render.report import checked_sections
from ..results import SCHEMA_VERSION, Results, from_json


def main(argv: list[str] | None = None) -> None:
    """Print the table and its findings, or refuse the file in one line."""
    path = Path((argv or sys.argv[1:] or ["report/results.json"])[0])
    try:
        data = strict_loads(path.read_text())
    except (OSError, ValueError, RecursionError) as exc:  # RecursionError: nested too deep
        _refuse(f"{path}: cannot be read as JSON ({exc}); run `make run` to write it")
    found = data.get("schema_version") if isinstance(data, dict) else None
    if found != SCHEMA_VERSION:  # an older run's file lacks fields this code reads
        _refuse(
            f"{path}: schema_version {found!r}, but this fashionlab reads "
            f"{SCHEMA_VERSION}; run `make run` to write it again"
        )
    try:  # written by hand, or damaged: a field missing or mistyped, an accuracy above 1, a test
        results = from_json(Results, data)  # or a seed missing; the table draws on what the
        checked_sections(results)  # report's prose does, which checks what it relies on
    except ValueError as exc:
        _refuse(
            f"{path}: not a results.json that fashionlab wrote ({exc}); run `make run` to "
            "write it again"
        )
    text = readme_results(results)
    try:
        print(text, flush=True)
    except OSError as exc:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush
        if not isinstance(exc, BrokenPipeError):  # `| head` has what it wanted; a full disk not
            print(f"cannot write the table ({exc.strerror or exc})", file=sys.stderr)
            sys.exit(1)


def _refuse(message: str) -> NoReturn:
    print(message, file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main()
