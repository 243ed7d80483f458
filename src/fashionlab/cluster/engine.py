"""The Dask engine: run a list of pure, keyed tasks on a local cluster or on a running scheduler.

A ``Task`` is a module-level function, its keyword arguments and a deterministic key. ``run``
serves every task it can from the verified cache, sends only the others to the cluster, caches
each result as it arrives and returns the results in the tasks' order. The same code runs on a
``LocalCluster`` that fashionlab starts (``workers`` processes, one thread each, no dashboard) or
on a cluster the user started with ``dask scheduler`` and ``dask worker`` (``scheduler``).

Because tasks are pure and keyed, a worker lost mid-run costs only its tasks, which the scheduler
computes again elsewhere; results are gathered by key, so none is lost or counted twice. Dask is
imported inside the functions, so importing this module costs nothing.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import logging
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from ..files import cache
from . import local, lost, remote, shapes
from .connection import check_cluster, connect

log = logging.getLogger(__name__)
T = TypeVar("T")

# on_done(done, total, task, from_cache): called in the client once per task, in finishing order
OnDone = Callable[[int, int, "Task", bool], None]
# Tasks on the scheduler at once, at most: each holds a few kilobytes of its memory (the check of
# ``probe.as_here`` travels with it; 20,000 tasks took 190 MiB), and this many keep any cluster a
# sweep is likely to meet busy. A run sends one more as each finishes.
IN_FLIGHT = 2_000


@dataclass(frozen=True)
class Task:
    """One pure unit of work: ``function(**kwargs)`` returns a JSON value that ``check`` accepts.

    ``key`` is a deterministic digest of everything the result depends on (``keys.key_of``);
    it is both the cache key (in ``namespace``) and, prefixed, the task's key in the Dask graph
    (``submit`` adds a suffix of its own to each submission). ``check`` (``shapes``) raises
    ValueError for a result of the wrong shape: a cached one is then discarded and run again.
    """

    namespace: str
    key: str
    function: Callable[..., Any]
    kwargs: Mapping[str, Any]
    check: shapes.Check

    @property
    def dask_key(self) -> str:
        return f"fashionlab-{self.namespace}-{self.key}"


def cached_results(tasks: Sequence[Task]) -> dict[str, Any]:
    """The results of the tasks the verified cache already holds, by Dask key."""
    found = {}
    for task in tasks:
        value = cache.fetch(task.namespace, task.key, functools.partial(_decode_json, task.check))
        if value is not None:
            found[task.dask_key] = value
    return found


def _decode_json(check: shapes.Check, blobs: dict[str, bytes]) -> Any:
    value = cache.json_value(blobs)
    check(value)
    return value


def run_on(
    client: Any,
    tasks: Sequence[Task],
    on_done: OnDone | None = None,
    started: dict[str, Any] | None = None,
    cached: dict[str, Any] | None = None,
) -> list[Any]:
    """Run ``tasks`` through ``client``: cached ones are not sent; results in the tasks' order.
    The others start in the order given (as workers free up), at most ``IN_FLIGHT`` at once
    (but all those ``Session.start`` sent ahead); they may finish in any order.

    ``started`` holds futures already submitted by Dask key (``submit``); a task found there is
    gathered, not sent again, and its future is taken out. ``cached`` is what ``cached_results``
    gave for these tasks, if the caller has just read it. ``client`` may be None when every task
    is cached. A task that raises re-raises here; on any exit (also Ctrl-C) the futures still
    running are cancelled.
    """
    keys = [task.dask_key for task in tasks]
    if len(set(keys)) != len(keys):
        raise ValueError(f"tasks must have distinct keys, got {len(keys) - len(set(keys))} repeats")
    results = cached_results(tasks) if cached is None else dict(cached)
    total, done = len(tasks), _count_cached(tasks, results, on_done)
    started = {} if started is None else started
    for key in results:  # cached meanwhile (by another run): its started future is not needed
        started.pop(key, None)
    pending = [task for task in tasks if task.dask_key not in results]
    early = sum(task.dask_key in started for task in pending)
    log.info(
        "%d of %d tasks from the cache; %d started earlier; %d sent to the cluster",
        done,
        total,
        early,
        len(pending) - early,
    )
    if not pending:
        return _in_order(results, keys)
    from distributed import as_completed

    window = _Window(client, pending, started)
    try:
        window.send(IN_FLIGHT - window.sent)  # those sent ahead count too
        finishing = as_completed(window.futures())
        for future in finishing:
            task = window.finished(future)
            value = lost.result(future, task.namespace)
            future.release()  # held no longer on its worker: a worker lost later costs no rerun
            remote.refuse_other(value, client)  # a worker with other code: named, not cached
            task.check(value)  # a task's own result of the wrong shape is a bug: never cached
            # stored as it arrives, so an interrupted run resumes from here (the lambda is
            # called at once, within the loop step that made it)
            cache.cached_json(task.namespace, task.key, lambda: value)  # noqa: B023
            results[task.dask_key] = value
            done += 1
            if on_done is not None:
                on_done(done, total, task, False)
            finishing.update(window.send(1))  # one finished, one more sent
    finally:
        client.cancel([future for future in window.futures() if not future.done()])
    return _in_order(results, keys)


def _in_order(results: dict[str, Any], keys: list[str]) -> list[Any]:
    """The results in the tasks' order: every task has exactly one."""
    missing = sum(key not in results for key in keys)
    if missing:
        raise RuntimeError(
            f"{missing} of {len(keys)} tasks gave no result: a bug, please report it"
        )
    return [results[key] for key in keys]


class _Window:
    """One run's tasks on the scheduler: those ``Session.start`` sent ahead (taken out of
    ``started``), then the others, sent in their order as ``send`` is asked for more. It holds
    only the futures not yet finished, each with its task."""

    def __init__(self, client: Any, tasks: Sequence[Task], started: dict[str, Any]) -> None:
        ahead = [task for task in tasks if task.dask_key in started]
        self.client, self.unsent = client, iter([t for t in tasks if t.dask_key not in started])
        self.running: dict[str, tuple[Any, Task]] = {}
        for task in ahead:
            future = started.pop(task.dask_key)
            self.running[future.key] = (future, task)
        self.sent = len(ahead)  # also the next task's place in the order: its priority

    def send(self, count: int) -> list[Any]:
        """Send the next ``count`` unsent tasks (none for a count below 1; fewer at the end),
        after those before them; their futures."""
        batch = list(itertools.islice(self.unsent, max(0, count)))
        new = list(submit(self.client, batch, first=self.sent).values())
        self.running.update((f.key, (f, task)) for f, task in zip(new, batch, strict=True))
        self.sent += len(batch)
        return new

    def futures(self) -> list[Any]:
        """The futures not yet finished (or finished, not yet taken)."""
        return [future for future, _ in self.running.values()]

    def finished(self, future: Any) -> Task:
        """The task of ``future``, which is no longer held."""
        return self.running.pop(future.key)[1]


def _count_cached(tasks: Sequence[Task], results: Mapping[str, Any], on_done: OnDone | None) -> int:
    """How many of ``tasks`` have a result already, each counted to ``on_done`` in their order."""
    done = 0
    for task in tasks:
        if task.dask_key in results:
            done += 1
            if on_done is not None:
                on_done(done, len(tasks), task, True)
    return done


def deal(items: Sequence[T], count: int) -> list[list[T]]:
    """``items`` dealt round-robin into ``count`` shares, as equal as can be, in their order."""
    return [list(items[i::count]) for i in range(count)]


def submit(client: Any, tasks: Sequence[Task], first: int = 0) -> dict[str, Any]:
    """Send ``tasks`` to ``client`` without waiting: their futures by Dask key. Earlier tasks come
    first (Dask runs higher priorities first), so callers can order their work; ``first`` tasks
    were sent before these, by the same run."""
    # A fresh suffix per submission: a scheduler still releasing the same keys, cancelled by an
    # interrupted earlier run, would otherwise cancel these futures too.
    suffix = f"-{uuid.uuid4().hex[:12]}"
    return {
        task.dask_key: remote.submit_as_here(
            client, task.function, task.kwargs, key=task.dask_key + suffix, priority=-i
        )
        for i, task in enumerate(tasks, start=first)
    }


class Session:
    """One cluster for several batches of tasks, connected on the first batch that needs it.

    ``with Session(workers, scheduler) as session: session.run(tasks)``; a fully cached batch
    starts nothing, and the cluster fashionlab started is closed on leaving (Ctrl-C included).
    ``session.start(tasks)`` sends tasks ahead, for the cluster to work through while this
    process does other work; a later ``run`` of the same tasks gathers them.

    A session told it runs ``one_batch`` starts no more local workers than that batch has tasks
    to send: a worker without a task costs its start and its memory, and nothing comes after.
    """

    def __init__(
        self, workers: int | None = None, scheduler: str | None = None, *, one_batch: bool = False
    ) -> None:
        check_cluster(workers, scheduler)
        self.workers, self.scheduler = workers, scheduler
        self.one_batch = one_batch
        self._stack = contextlib.ExitStack()
        self._client: Any = None
        self._started: dict[str, Any] = {}  # futures sent by start, not yet gathered by run

    def __enter__(self) -> Session:
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()  # closing the client releases the futures no run gathered

    def shares(self, items: Sequence[Any]) -> list[list[Any]]:
        """``items`` dealt round-robin into one share per worker (never an empty share): work
        that is cheapest done together, such as networks trained as one program, in one task per
        worker. With a scheduler, the cores this process may use stand in for the workers."""
        return deal(items, max(1, min(len(items), self.workers or local.default_workers())))

    @property
    def fills_every_core(self) -> bool:
        """Whether the cluster is a local one with a worker on every core this process may use."""
        cores = local.default_workers()  # the local cluster's default (``connect``)
        return self.scheduler is None and (self.workers or cores) >= cores

    def _needs(self, tasks: Sequence[Task]) -> tuple[list[Task], dict[str, Any]]:
        """The tasks neither cached nor started, connecting to the cluster if there are any, and
        the cached results (read once: an entry removed meanwhile cannot leave a task unsent)."""
        cached = cached_results(tasks)
        needed = [t for t in tasks if t.dask_key not in cached and t.dask_key not in self._started]
        if needed and self._client is None:
            workers = self._local_workers(len(needed))
            self._client = self._stack.enter_context(connect(workers, self.scheduler))
        return needed, cached

    def _local_workers(self, n_tasks: int) -> int | None:
        """The workers to ask ``connect`` for, given the first batch to send: at most that
        batch's tasks for a one-batch session (which then says so in ``workers``, as ``shares``
        reads it); None (the running cluster's own) on a scheduler."""
        if self.scheduler is not None or not self.one_batch:
            return self.workers
        wanted = self.workers or local.default_workers()
        if n_tasks >= wanted:
            return wanted
        log.info("%d local workers for %d tasks, not %d", n_tasks, n_tasks, wanted)
        self.workers = n_tasks
        return n_tasks

    def start(self, tasks: Sequence[Task]) -> int:
        """Send the tasks that are not cached to the cluster now, in this order, without waiting;
        return how many were sent."""
        needed, _ = self._needs(tasks)
        if needed:
            log.info("%d tasks started ahead of need", len(needed))
            self._started.update(submit(self._client, needed))
        return len(needed)

    def run(self, tasks: Sequence[Task], on_done: OnDone | None = None) -> list[Any]:
        """``run_on`` this session's cluster: the results of ``tasks`` in their order, gathering
        those ``start`` sent and sending the rest."""
        _, cached = self._needs(tasks)
        return run_on(self._client, tasks, on_done, self._started, cached)


def run(
    tasks: Sequence[Task],
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    on_done: OnDone | None = None,
) -> list[Any]:
    """One batch on a ``Session`` of its own: no cluster starts when the cache holds every task,
    and a local one has no more workers than there are tasks to send."""
    with Session(workers, scheduler, one_batch=True) as session:
        return session.run(tasks, on_done)
