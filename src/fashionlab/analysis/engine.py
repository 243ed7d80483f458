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
import logging
import uuid
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from .. import cache
from ..errors import UsageError
from . import local, lost, remote, shapes

log = logging.getLogger(__name__)
T = TypeVar("T")

# on_done(done, total, task, from_cache): called in the client once per task, in finishing order
OnDone = Callable[[int, int, "Task", bool], None]


@dataclass(frozen=True)
class Task:
    """One pure unit of work: ``function(**kwargs)`` returns a JSON value that ``check`` accepts.

    ``key`` is a deterministic digest of everything the result depends on (``cache.key_of``);
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


SCHEMES = ("tcp", "tls", "ws", "wss")  # the addresses of a scheduler another machine can reach


def check_cluster(workers: int | None, scheduler: str | None) -> None:
    """Validate the two ways to get a cluster; errors name the flag and echo the value."""
    if workers is not None and (isinstance(workers, bool) or not isinstance(workers, int)
                                or workers < 1):  # fmt: skip
        raise UsageError(f"argument --workers: must be an integer >= 1, got {workers!r}")
    if scheduler is not None:
        if workers is not None:
            raise UsageError(f"argument --workers: not used with --scheduler {scheduler!r} (the "
                             "running cluster has its own workers); give one of them")  # fmt: skip
        scheme, _, location = scheduler.partition("://")
        if scheme not in SCHEMES or not location.strip():
            raise UsageError(f"argument --scheduler: must be an address such as "
                             f"tcp://HOST:8786 ({', '.join(SCHEMES)}), got {scheduler!r}")  # fmt: skip


@contextlib.contextmanager
def connect(workers: int | None = None, scheduler: str | None = None,
            timeout: float = 30.0) -> Iterator[Any]:  # fmt: skip
    """A ``distributed.Client``: to ``scheduler`` if given, else to a new ``LocalCluster``.

    On leaving (also on Ctrl-C) the client is closed, and so is the cluster if this started it.
    """
    check_cluster(workers, scheduler)
    Client = _import_client()  # noqa: N806 (a class)
    cluster = None
    if scheduler is not None:
        try:
            remote.check(scheduler, timeout)
            client = Client(scheduler, timeout=timeout)
        except UsageError:  # something other than a scheduler answers there: said in full
            raise
        except (OSError, ValueError, TypeError) as exc:  # refused, unknown scheme or port, no TLS
            raise UsageError(f"argument --scheduler: cannot reach {scheduler!r} ({exc}); check the "
                             "address, and that `dask scheduler` runs there") from None  # fmt: skip
    else:
        cluster = local.start(workers or local.default_workers())
        try:
            client = Client(cluster)
        except BaseException:
            cluster.close()
            raise
    log.info("dask client %s", client)
    with lost.reconnection_quiet(client):  # until closed: closing cancels a reconnection
        try:
            client.subscribe_topic(lost.TOPIC, lost.Watch(client, scheduler))
            yield client
        finally:
            with contextlib.suppress(Exception):
                client.unsubscribe_topic(lost.TOPIC)  # else closing sends an event to a closed one
            with contextlib.suppress(Exception):
                client.close()
            if cluster is not None:
                with contextlib.suppress(Exception):
                    cluster.close()


def _import_client() -> Any:
    """``distributed.Client``. Importing Dask reads its configuration files (``~/.config/dask``,
    ``$DASK_CONFIG``, which the README has users write): a broken one is one line, not a traceback."""
    try:
        from distributed import Client
    except ValueError as exc:  # Dask's, for a file that does not parse or is not a mapping
        raise UsageError(f"Dask's configuration cannot be read ({exc}); fix or remove that file "
                         "(Dask reads ~/.config/dask, /etc/dask and $DASK_CONFIG)") from None  # fmt: skip
    return Client


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


def run_on(client: Any, tasks: Sequence[Task], on_done: OnDone | None = None,
           started: dict[str, Any] | None = None,
           cached: dict[str, Any] | None = None) -> list[Any]:  # fmt: skip
    """Run ``tasks`` through ``client``: cached ones are not sent; results in the tasks' order.
    The others start in the order given (as workers free up); they may finish in any order.

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
    total, done = len(tasks), 0
    for task in tasks:
        if task.dask_key in results:
            done += 1
            if on_done is not None:
                on_done(done, total, task, True)
    started = {} if started is None else started
    for key in results:  # cached meanwhile (by another run): its started future is not needed
        started.pop(key, None)
    pending = [task for task in tasks if task.dask_key not in results]
    early = sum(task.dask_key in started for task in pending)
    log.info("%d of %d tasks from the cache; %d started earlier; %d sent to the cluster", done,
             total, early, len(pending) - early)  # fmt: skip
    if not pending:
        return [results[key] for key in keys]
    from distributed import as_completed

    new = submit(client, [task for task in pending if task.dask_key not in started])
    futures = [started.pop(t.dask_key) if t.dask_key in started else new[t.dask_key]
               for t in pending]  # fmt: skip
    by_future = {future.key: task for task, future in zip(pending, futures, strict=True)}
    try:
        for future in as_completed(futures):
            task = by_future[future.key]
            value = lost.result(future, task.namespace)
            future.release()  # held no longer on its worker: a worker lost later costs no rerun
            task.check(value)  # a task's own result of the wrong shape is a bug: never cached
            # stored as it arrives, so an interrupted run resumes from here (the lambda is
            # called at once, within the loop step that made it)
            cache.cached_json(task.namespace, task.key, lambda: value)  # noqa: B023
            results[task.dask_key] = value
            done += 1
            if on_done is not None:
                on_done(done, total, task, False)
    finally:
        client.cancel([future for future in futures if not future.done()])
    assert len(results) == total, "every task has exactly one result"
    return [results[key] for key in keys]


def deal(items: Sequence[T], count: int) -> list[list[T]]:
    """``items`` dealt round-robin into ``count`` shares, as equal as can be, in their order."""
    return [list(items[i::count]) for i in range(count)]


def submit(client: Any, tasks: Sequence[Task]) -> dict[str, Any]:
    """Send ``tasks`` to ``client`` without waiting: their futures by Dask key. Earlier tasks come
    first (Dask runs higher priorities first), so callers can order their work."""
    # A fresh suffix per submission: a scheduler still releasing the same keys, cancelled by an
    # interrupted earlier run, would otherwise cancel these futures too.
    suffix = f"-{uuid.uuid4().hex[:12]}"
    return {task.dask_key: client.submit(task.function, key=task.dask_key + suffix, priority=-i,
                                         **task.kwargs)
            for i, task in enumerate(tasks)}  # fmt: skip


class Session:
    """One cluster for several batches of tasks, connected on the first batch that needs it.

    ``with Session(workers, scheduler) as session: session.run(tasks)``; a fully cached batch
    starts nothing, and the cluster fashionlab started is closed on leaving (Ctrl-C included).
    ``session.start(tasks)`` sends tasks ahead, for the cluster to work through while this
    process does other work; a later ``run`` of the same tasks gathers them.
    """

    def __init__(self, workers: int | None = None, scheduler: str | None = None) -> None:
        check_cluster(workers, scheduler)
        self.workers, self.scheduler = workers, scheduler
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
            self._client = self._stack.enter_context(connect(self.workers, self.scheduler))
        return needed, cached

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


def run(tasks: Sequence[Task], *, workers: int | None = None, scheduler: str | None = None,
        on_done: OnDone | None = None) -> list[Any]:  # fmt: skip
    """One batch on a ``Session`` of its own; no cluster starts when the cache holds every task."""
    with Session(workers, scheduler) as session:
        return session.run(tasks, on_done)
