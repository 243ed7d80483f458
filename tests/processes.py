"""Processes as Linux's /proc shows them, for the tests that check what a run leaves running."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path


def stat_fields(pid: int | str) -> list[str] | None:
    """The fields of /proc/PID/stat after "pid (comm)": state, ppid, pgrp, ...; None for no such
    process (or one that ended while it was read)."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None


def state(pid: int) -> str | None:
    """The state letter ("T" for stopped, "Z" for a zombie), or None for no such process."""
    fields = stat_fields(pid)
    return fields[0] if fields else None


def alive(pid: int) -> bool:
    """Whether ``pid`` runs (a zombie nobody has reaped does not)."""
    return state(pid) not in (None, "Z", "X")


def wait_for(condition: Callable[[], object], seconds: float, step: float = 0.05) -> None:
    """Return once ``condition()`` is true; fail the test after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s"
        time.sleep(step)
