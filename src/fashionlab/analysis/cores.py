"""Each worker of fashionlab's local cluster on cores of its own, where the system allows it (Linux).

Left to wander, a worker's threads share every core with the other workers' threads. XLA sizes its
thread pool from the cores a process may run on, so in a cold atlas on 2 cores the worker training
networks ran on three busy threads (22.7, 17.3 and 17.1 s of CPU), two of them on the core where
the other worker fitted logistic regressions, and each slowed the other. Pinned, each worker runs
on one core and XLA on one thread: the cold atlas took 53.3, 54.3 and 54.8 s against 61.2, 62.1
and 62.3 s unpinned (alternating), with the same 45 records (docs/benchmarks.md).

The cores this process may use are shared out in contiguous runs, one per worker, so that two
clusters started side by side (two fashionlab commands) also share the cores evenly. A cluster
with more workers than cores is left unpinned. Clusters that the user started (``--scheduler``)
are never touched. This module imports Dask, so only ``local.start`` imports it, inside.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Sequence
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin


def available() -> list[int]:
    """The cores this process may run on, or [] where it cannot choose its threads' cores."""
    if not hasattr(os, "sched_getaffinity") or not os.path.isdir("/proc/self/task"):
        return []
    return sorted(os.sched_getaffinity(0))


def shares(cores: Sequence[int], n_workers: int) -> list[list[int]]:
    """``cores`` in ``n_workers`` contiguous runs as equal as can be; [] when there are fewer
    cores than workers (or none)."""
    if n_workers < 1 or len(cores) < n_workers:
        return []
    return [list(cores[i * len(cores) // n_workers : (i + 1) * len(cores) // n_workers])
            for i in range(n_workers)]  # fmt: skip


def pin_this_process(cores: Sequence[int]) -> None:
    """Every thread of this process onto ``cores``; threads started later inherit it."""
    for thread in os.listdir("/proc/self/task"):
        with contextlib.suppress(OSError):  # a thread that has ended since the listing
            os.sched_setaffinity(int(thread), cores)


class PinToCores(WorkerPlugin):
    """Runs in each worker as it starts, before any task: the worker named ``i`` (the local
    cluster names them 0, 1, ...) goes onto ``shares[i]``, also when its nanny restarts it."""

    name = "fashionlab-pin-to-cores"

    def __init__(self, shares: Sequence[Sequence[int]]) -> None:
        self.shares = [list(share) for share in shares]

    def setup(self, worker: Any) -> None:
        if isinstance(worker.name, int) and 0 <= worker.name < len(self.shares):
            pin_this_process(self.shares[worker.name])


def plugins(n_workers: int) -> tuple[WorkerPlugin, ...]:
    """The worker plugins of a local cluster of ``n_workers``: the pinning where it applies."""
    split = shares(available(), n_workers)
    return (PinToCores(split),) if split else ()
