"""Workers, or the scheduler, lost mid-run, as the user hears of them: a line when a worker goes
(and one when the user's cluster has none left), an error when a task keeps taking its workers
down or the scheduler is gone.

A worker can leave unexpectedly: its process killed (by the user, or by the kernel when memory
runs out), or silent past the scheduler's ``worker-ttl`` (``local.WORKER_TTL``). Dask runs the
tasks it held again elsewhere; without a word, a sweep would seem to pause, or repeat progress.
A task whose every worker dies while running it (Dask gives up after
``distributed.scheduler.allowed-failures`` more tries) is an environment fault, not a bug: one
line, exit status 1, rather than Dask's exception. So is a local cluster left with no worker
(each one its nanny starts ended before it joins, by Dask's memory limits), whose tasks would
otherwise wait for ever.

A scheduler that goes (its process ended, the network between) cancels every future its client
waits for; the client logs its failed reconnection with a traceback. That is one line too, and the
tasks that finished are in the cache, so the same command resumes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable, Iterator, Mapping
from typing import Any

from ..errors import EnvironmentFault, FashionLabError
from . import remote

log = logging.getLogger(__name__)

TOPIC = "all"  # the scheduler's event topic for workers that join and leave
SCHEDULER_LOST = "scheduler-connection-lost"  # the reason Dask gives its cancelled futures
NO_WORKER_LEFT = "fashionlab-no-worker-left"  # the reason a local cluster's Watch gives them
WAITING = ("pending", "lost")  # a future's states that still wait for a worker
CLIENT_LOGGER = "distributed.client"
RECONNECT_FAILED = "Failed to reconnect to scheduler"  # the client's ERROR when it gives up


class Watch:
    """A client's handler for ``TOPIC``: one warning for each worker that left unexpectedly, and a
    word when, ``grace`` seconds after a worker went, none is left and none has joined since:
    Dask's tasks then wait without a word for one to join. On a cluster the user started
    (``scheduler``) that is a warning, since the user can start one; on fashionlab's own local
    cluster nothing will, so the tasks the client waits for are cancelled (``NO_WORKER_LEFT``),
    ``result`` says why in one line, and the check is made again each grace while none joins. A
    nanny (under ``dask worker``, or a local cluster's) starts its worker again within the grace;
    the scheduler itself is asked how many are left, once the grace has passed."""

    GRACE = 30.0  # seconds: a nanny restarts its worker in a few

    def __init__(
        self, client: Any, scheduler: str | None = None, grace: float | None = None
    ) -> None:
        self.client, self.scheduler = client, scheduler
        self.grace = self.GRACE if grace is None else grace
        self._said = False  # once for each time the cluster is left empty
        self._joined = -math.inf  # when a worker last joined (the event loop's clock)
        self._checks: set[asyncio.Task[None]] = set()  # held, so that none is collected midway

    def __call__(self, event: tuple[float, Mapping[str, Any]]) -> None:
        _, message = event
        loop = asyncio.get_running_loop()  # called in the client's event loop
        if message.get("action") == "add-worker":
            self._said, self._joined = False, loop.time()
        elif message.get("action") == "remove-worker":
            if not message.get("expected"):
                say_lost_worker(message)
            loop.call_later(self.grace, self._check, loop.time())

    def _check(self, removed: float) -> None:
        check = asyncio.ensure_future(self._none_left(removed))
        self._checks.add(check)
        check.add_done_callback(self._checks.discard)

    async def _none_left(self, removed: float) -> None:
        """What to do if the cluster has had no worker since the one that went at ``removed``."""
        try:
            left = (await self.client.scheduler.identity(n_workers=0)).get("n_workers")
        except Exception:  # noqa: BLE001 (the scheduler gone: ``result`` says so, in one line)
            return
        if left != 0:
            return
        if self.scheduler is None:  # a worker that joined since, and went, has a check of its own
            if self._joined < removed:
                await self._cancel_waiting()
                asyncio.get_running_loop().call_later(self.grace, self._check, removed)
        elif not self._said:
            self._said = True
            log.warning(
                "no worker is left on the scheduler at %s: its tasks wait until one "
                "joins (`dask worker %s`); Ctrl-C stops, and the tasks that finished are "
                "cached",
                self.scheduler,
                self.scheduler,
            )

    async def _cancel_waiting(self) -> None:
        """The tasks this client waits for (not those whose result or error it holds, which a
        caller may not have read yet), cancelled with the reason ``NO_WORKER_LEFT``."""
        from distributed import Future

        keys = [key for key, state in self.client.futures.items() if state.status in WAITING]
        if keys:
            waiting: list[Any] = [Future(key, self.client) for key in keys]
            with contextlib.suppress(Exception):  # the client closing meanwhile: nothing waits
                await self.client.cancel(
                    waiting, asynchronous=True, force=True, reason=NO_WORKER_LEFT
                )


def say_lost_worker(message: Mapping[str, Any]) -> None:
    """One warning for a worker that left unexpectedly (a ``remove-worker`` event)."""
    held = len(message.get("processing-tasks", ())) + len(message.get("lost-computed-tasks", ()))
    if held:
        log.warning(
            "lost worker %s while it held %d task%s; Dask tries %s again elsewhere",
            message.get("worker"),
            held,
            "" if held == 1 else "s",
            "it" if held == 1 else "them",
        )
    else:
        log.warning("lost worker %s (it held no tasks)", message.get("worker"))


def result(future: Any, what: str) -> Any:
    """``future.result()``; a task that took every worker that ran it down is an
    ``EnvironmentFault`` naming ``what`` ran (a task's namespace). A user's error that a task met
    on a user's cluster (a worker without the data) names that worker."""
    from distributed import KilledWorker
    from distributed.client import FutureCancelledError

    try:
        return future.result()
    except FashionLabError as exc:  # the user's input as a worker saw it: on a cluster the user
        where = remote.erred_on(future)  # started, which worker, for its data is its own
        if where is not None:
            exc.args = (f"{exc} (on the worker at {where})", *exc.args[1:])
        raise
    except FutureCancelledError as exc:
        if exc.reason == NO_WORKER_LEFT:
            raise EnvironmentFault(
                f"the local Dask cluster lost its last worker while the {what} tasks ran and "
                "started no other (a worker that Dask's memory limits end as it starts, or too "
                "little free memory); check distributed.worker.memory.* in Dask's configuration "
                "(~/.config/dask, $DASK_CONFIG, DASK_* variables), or run fewer workers; those "
                "that finished are cached"
            ) from None
        if exc.reason != SCHEDULER_LOST:
            raise
        raise EnvironmentFault(
            f"lost the connection to the Dask scheduler while the {what} tasks ran (its process "
            "ended, or the network failed); those that finished are cached, so the same command "
            "resumes once the scheduler runs again, with workers (a worker ends a few seconds "
            "after its scheduler)"
        ) from None
    except KilledWorker as exc:
        tries = exc.allowed_failures + 1
        which = "the worker" if tries == 1 else f"each of the {tries} workers"
        raise EnvironmentFault(
            f"one of the {what} tasks ended the process of {which} that ran it (out of memory, "
            "a crash in native code, or no heartbeat within the scheduler's worker-ttl); if "
            "memory is short, run fewer workers at once, or give each more (`dask worker "
            "--memory-limit`, or distributed.worker.memory.* in Dask's configuration)"
        ) from None


@contextlib.contextmanager
def reconnection_quiet(client: Any) -> Iterator[None]:
    """While the block runs, ``client``'s failed reconnection to a scheduler that is gone stays
    off the terminal (``result`` says it in one line): an ERROR carrying a closed connection or a
    cancelled wait, or the client's own "Failed to reconnect" once its wait (30 s) runs out,
    logged while the client is not running. A running client's records pass."""

    def not_a_failed_reconnection(record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        failed = isinstance(error, (OSError, asyncio.CancelledError)) or str(record.msg).startswith(
            RECONNECT_FAILED
        )
        return not (record.levelno >= logging.ERROR and client.status != "running" and failed)

    with filtered(CLIENT_LOGGER, not_a_failed_reconnection):
        yield


@contextlib.contextmanager
def filtered(name: str, keep: Callable[[logging.LogRecord], bool]) -> Iterator[logging.Logger]:
    """The logger ``name`` with the filter ``keep`` (False drops a record) while the block runs."""
    logger = logging.getLogger(name)
    logger.addFilter(keep)
    try:
        yield logger
    finally:
        logger.removeFilter(keep)
