"""Each worker of fashionlab's local cluster on cores of its own, where the system allows it (Linux).

Left to wander, a worker's threads share every core with the other workers' threads. XLA sizes its
thread pool from the cores a process may run on, so in a cold atlas on 2 cores the worker training
networks had three busy threads (22.7, 17.3 and 17.1 s of CPU), free to run on either core, beside
the other worker fitting logistic regressions. Pinned, each worker runs on one core and XLA on one
thread: the cold atlas took 53.3, 54.3 and 54.8 s against 61.2, 62.1 and 62.3 s unpinned
(alternating), with the same 45 records (docs/benchmarks.md).

The cores this process may use are dealt out in runs, one per worker, in the order of their
numbers. A cluster with more workers than cores is left unpinned, and so are clusters that the
user started (``--scheduler``). The price: two commands run at once pin their workers alike, so
the system can no longer move one command's busy worker onto a core where the other's is idle.
This module imports Dask, so only ``local.start`` imports it, inside.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

log = logging.getLogger(__name__)


def runs(cores: Sequence[int], n_workers: int) -> list[list[int]]:
    """``cores`` in ``n_workers`` runs of consecutive items, as equal as can be; [] when there are
    fewer cores than workers (or none)."""
    if n_workers < 1 or len(cores) < n_workers:
        return []
    return [
        list(cores[i * len(cores) // n_workers : (i + 1) * len(cores) // n_workers])
        for i in range(n_workers)
    ]


def pin_this_process(cores: Sequence[int]) -> int:
    """Every thread of this process onto ``cores`` (threads started later inherit it), listing
    them again until no new one appears; how many were pinned."""
    seen: set[int] = set()
    pinned = 0
    while True:
        try:
            threads = {int(name) for name in os.listdir("/proc/self/task")} - seen
        except OSError:
            return pinned
        if not threads:
            return pinned
        for thread in threads:
            try:
                os.sched_setaffinity(thread, cores)
                pinned += 1
            except OSError:  # a thread that has ended since the listing
                pass
        seen |= threads


class PinToCores(WorkerPlugin):
    """Runs in each worker as it starts, before any task: the worker named ``i`` (the local
    cluster names them 0, 1, ...) goes onto ``runs[i]``, also when its nanny restarts it."""

    name = "fashionlab-pin-to-cores"

    def __init__(self, runs: Sequence[Sequence[int]]) -> None:
        self.runs = [list(run) for run in runs]

    def setup(self, worker: Any) -> None:
        if not (isinstance(worker.name, int) and 0 <= worker.name < len(self.runs)):
            return
        try:
            count = pin_this_process(self.runs[worker.name])
        except Exception as exc:  # a speed-up only: never a reason for a worker not to start
            log.warning("worker %s left unpinned: %s", worker.name, exc)
        else:
            log.debug(
                "worker %s: %d threads on cores %s", worker.name, count, self.runs[worker.name]
            )


def can_pin() -> bool:
    """Whether this system lets a process list its threads and choose their cores (Linux)."""
    return hasattr(os, "sched_setaffinity") and os.path.isdir("/proc/self/task")


def plugins(cores: Sequence[int], n_workers: int) -> tuple[WorkerPlugin, ...]:
    """The worker plugins of a local cluster of ``n_workers`` on ``cores`` (``local.usable_cores``):
    the pinning where it applies."""
    split = runs(cores, n_workers) if can_pin() else []
    return (PinToCores(split),) if split else ()
