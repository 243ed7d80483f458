"""Processes as Linux's /proc shows them, for the tests that check what a run leaves running."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

# ``fashionlab ARGV`` through its ``main``, then "STATUS MODULE ...": which of the modules named
# in argv[1] (comma-separated) the command loaded
_LOADING = (
    "import sys\n"
    "from fashionlab.cli import main\n"
    "status = main(sys.argv[2:])\n"
    "print(status, *sorted(m for m in sys.argv[1].split(',') if m in sys.modules))\n"
)


def modules_loaded(
    argv: Sequence[str], modules: Sequence[str], env: dict[str, str] | None = None
) -> tuple[str, subprocess.CompletedProcess[str]]:
    """``fashionlab ARGV`` in a fresh Python: the last line it printed, its exit status and the
    ``modules`` it loaded ("0" for a command that succeeded and loaded none), and the process."""
    done = subprocess.run(
        [sys.executable, "-c", _LOADING, ",".join(modules), *argv],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )
    return (done.stdout.splitlines() or [""])[-1], done


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


def started(pid: int) -> str | None:
    """When ``pid`` started (clock ticks since boot), which tells it from a later process given
    the same number; None for no such process, or one that has ended (a zombie)."""
    fields = stat_fields(pid)
    return fields[19] if fields and fields[0] not in ("Z", "X") else None


def wait_for(condition: Callable[[], object], seconds: float, step: float = 0.05) -> None:
    """Return once ``condition()`` is true; fail the test after ``seconds``."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, f"not within {seconds} s"
        time.sleep(step)


def live_group(pgid: int) -> list[int]:
    """The processes of process group ``pgid`` that have not ended (zombies excluded): a run
    started in a session of its own, and the Dask processes it started."""
    alive = []
    for entry in Path("/proc").iterdir():
        fields = stat_fields(entry.name) if entry.name.isdigit() else None  # None: it ended
        if fields and len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
            alive.append(int(entry.name))
    return alive


def dask_workers(pgid: int) -> list[int]:
    """The Dask worker processes of a run in process group ``pgid`` (multiprocessing spawns them)."""
    found = []
    for pid in live_group(pgid):
        with contextlib.suppress(OSError):
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
    return found
