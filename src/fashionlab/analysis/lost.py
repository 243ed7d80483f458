"""Workers lost mid-run, as the user hears of them: a line when one goes, an error when a task
keeps taking its workers down.

A worker can leave unexpectedly: its process killed (by the user, or by the kernel when memory
runs out), or silent past the scheduler's ``worker-ttl`` (``local.WORKER_TTL``). Dask runs the
tasks it held again elsewhere; without a word, a sweep would seem to pause, or repeat progress.
A task whose every worker dies while running it (Dask gives up after
``distributed.scheduler.allowed-failures`` more tries) is an environment fault, not a bug: one
line, exit status 1, rather than Dask's exception.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from ..errors import EnvironmentFault

log = logging.getLogger(__name__)

TOPIC = "all"  # the scheduler's event topic for workers that join and leave


def say_lost_worker(event: tuple[float, Mapping[str, Any]]) -> None:
    """A client's handler for ``TOPIC``: one warning for each worker that left unexpectedly."""
    _, message = event
    if message.get("action") != "remove-worker" or message.get("expected"):
        return
    held = len(message.get("processing-tasks", ())) + len(message.get("lost-computed-tasks", ()))
    if held:
        log.warning("lost worker %s while it held %d task%s; Dask tries %s again elsewhere",
                    message.get("worker"), held, "" if held == 1 else "s",
                    "it" if held == 1 else "them")  # fmt: skip
    else:
        log.warning("lost worker %s (it held no tasks)", message.get("worker"))


def result(future: Any, what: str) -> Any:
    """``future.result()``; a task that took every worker that ran it down is an
    ``EnvironmentFault`` naming ``what`` ran (a task's namespace)."""
    from distributed import KilledWorker

    try:
        return future.result()
    except KilledWorker as exc:
        tries = exc.allowed_failures + 1
        which = "the worker" if tries == 1 else f"each of the {tries} workers"
        raise EnvironmentFault(
            f"one of the {what} tasks ended the process of {which} that ran it (out of memory, "
            "a crash in native code, or no heartbeat within the scheduler's worker-ttl); if "
            "memory is short, run fewer workers at once"
        ) from None
