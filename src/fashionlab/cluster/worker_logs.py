"""What a local worker's log may put on the user's terminal.

The local cluster's workers share this process's stderr and log Dask's errors there. One of them
is not the user's business: "Failed to communicate with scheduler during heartbeat", an ERROR with
a traceback, which a worker logs when one heartbeat fails (an ``OSError``) and then simply sends
the next. Its scheduler runs in this process, and a heartbeat can time out while this process is
busy, or fail while the cluster closes; of about a dozen cold ``fashionlab run``s in one sitting,
one printed it. A worker whose scheduler is really gone is reported by the client, so this record
is dropped, and every other record is kept. This module imports Dask, so only ``local.start``
imports it.

While the local cluster starts, a nanny whose worker fails to start logs the failure with a
traceback; those records are held, so that a failed start is one line naming the failure.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Iterator
from typing import Any

from distributed.diagnostics.plugin import WorkerPlugin

from ..errors import FashionLabError
from .lost import filtered

HEARTBEAT_FAILED = "Failed to communicate with scheduler during heartbeat"
WORKER_LOGGER = "distributed.worker"
NANNY_LOGGER = "distributed.nanny"


def not_a_failed_heartbeat(record: logging.LogRecord) -> bool:
    """A logging filter: False (drop) for the failed heartbeat's record, and for a task that
    failed on the user's input, as a ``FashionLabError`` (data without the pair's classes): the
    client raises that error again, and the CLI says it in one line, where the worker's record
    would put ten lines of traceback before it."""
    if str(record.msg).startswith(HEARTBEAT_FAILED):
        return False
    args = record.args if isinstance(record.args, tuple) else ()
    if str(record.msg).startswith(COMPUTE_FAILED) and len(args) >= 5:  # raised by fashionlab:
        # its own error class, from its own code (pandas has a DataError of its own)
        ours = str(args[3]).startswith(tuple(f"{name}(" for name in _users_errors()))
        return not (ours and f"{os.sep}fashionlab{os.sep}" in str(args[4]))
    return True


COMPUTE_FAILED = "Compute Failed"  # a task raised; its fourth argument is the exception's repr


def _users_errors() -> set[str]:
    """The names of ``FashionLabError`` and every kind of it."""
    found, todo = set(), [FashionLabError]
    while todo:
        kind = todo.pop()
        found.add(kind.__name__)
        todo.extend(kind.__subclasses__())
    return found


class QuietHeartbeat(WorkerPlugin):
    """Runs in each local worker as it starts: the records ``not_a_failed_heartbeat`` names are
    dropped."""

    name = "fashionlab-quiet-heartbeat"

    def setup(self, worker: Any) -> None:
        logger = logging.getLogger(WORKER_LOGGER)
        if not_a_failed_heartbeat not in logger.filters:
            logger.addFilter(not_a_failed_heartbeat)


@contextlib.contextmanager
def nanny_errors_held(held: list[logging.LogRecord]) -> Iterator[None]:
    """The nannies' records are put in ``held`` while the block runs; if it ends without an
    exception, they are then logged as they would have been."""

    def hold(record: logging.LogRecord) -> bool:
        held.append(record)
        return False

    with filtered(NANNY_LOGGER, hold) as logger:
        yield
    for record in held:
        logger.handle(record)


def first_failure(held: list[logging.LogRecord]) -> str | None:
    """'MemoryError' or 'OSError: ...': the first held record's exception, if any has one."""
    for record in held:
        if record.exc_info and record.exc_info[1] is not None:
            error = record.exc_info[1]
            return f"{type(error).__name__}: {error}" if str(error) else type(error).__name__
    return None
