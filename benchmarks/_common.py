"""Shared helpers: timing medians, a child process whose failure is shown, and the assignment's
literal cells as the reference."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parents[1] / "tests"))

import assignment_reference as reference  # noqa: E402

__all__ = ["arguments", "child", "median_seconds", "reference"]


def arguments(doc: str | None) -> argparse.ArgumentParser:
    """A benchmark's options, its ``--help`` opening with the first paragraph of its docstring
    (what it measures, against what)."""
    return argparse.ArgumentParser(
        description=(doc or "").split("\n\n")[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )


def median_seconds(work: Callable[[], object], repeats: int) -> tuple[float, list[float]]:
    """Median wall time of ``repeats`` calls (after one warm-up call), and every time."""
    work()
    times = []
    for _ in range(repeats):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times), times


def child(command: list[str], env: dict[str, str]) -> str:
    """The stdout of ``command``; if it fails, exit with the end of its stderr, which
    ``check=True`` alone would hide behind the whole command line."""
    done = subprocess.run(command, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join(done.stderr.splitlines()[-15:])
        raise SystemExit(f"a benchmark's child process failed (status {done.returncode}):\n{tail}")
    return done.stdout
