"""fashionlab's own local cluster: started with the environment its workers need, and whole.

Dask's nanny starts each worker with MALLOC_TRIM_THRESHOLD_=65536, which turns off glibc's adaptive
mmap threshold: every array of 128 KiB or more (a minibatch's activations, a class block's logits)
is mapped and unmapped at each step, and network training took 1.8x as long, the atlas's
convergence 1.3x (benchmarks/bench_malloc.py). The local cluster's workers start without it; for
`dask worker`, the README gives the YAML setting (the environment variable
DASK_DISTRIBUTED__NANNY__PRE_SPAWN_ENVIRON__... does not work: Dask lower-cases it).

A Ctrl-C or SIGTERM in the second or so while the cluster starts is held until it has started:
torn down half-started, its workers, still importing, printed screens of tracebacks. The workers
start with SIGINT blocked, so that a Ctrl-C at the terminal, which reaches every process of the
group, is this process's to act on: it closes the cluster, and the nanny stops its workers.

On Linux, with no more workers than cores, each worker runs on cores of its own (``cores``). A
failed heartbeat, which a worker logs as an error with a traceback, is kept off the terminal
(``worker_logs``). On a GPU, each worker takes GPU memory as it needs it (``gpu_memory_shared``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from ..critical import watched_signals
from ..errors import EnvironmentFault, FashionLabError, UsageError
from ..files.storage import nearest_existing

TRIM_VARIABLE = "MALLOC_TRIM_THRESHOLD_"
TRIM_SETTING = f"distributed.nanny.pre-spawn-environ.{TRIM_VARIABLE}"
# A worker lifetime (for long-running clusters, to recycle workers) retired fashionlab's workers
# for good unless lifetime.restart was also set: with every worker gone, a sweep waited forever,
# with no word. The local cluster lives as long as one command, so it uses none.
LIFETIME_SETTING = "distributed.worker.lifetime.duration"
# A worker that sends no heartbeat for this long (its process stopped, its machine swapping) is
# restarted by its nanny and its tasks run elsewhere. Dask's default, 5 minutes, turned one frozen
# worker of a 90 s sweep into a 5-minute pause; the scheduler checks once per period, and the
# nanny waits a few seconds before killing the worker, so a pause now lasts about 35 to 65 s.
# Heartbeats come from each worker's event loop, while its task runs in another thread, and Python
# switches threads every 5 ms: only one C call that holds the GIL for 30 s would hold them up.
# A worker-ttl the user's Dask configuration sets is kept.
WORKER_TTL = "30s"
DASK_WORKER_TTL = 300.0  # seconds: Dask's own default, which fashionlab's replaces
# Settings each worker reads in its own process, where a value Dask cannot read is a traceback on
# the terminal, or one at every memory check (626 lines in a short sweep, which still "worked"):
# read here first, by Dask's own rules (distributed-schema.yaml, and how the worker parses each).
# Fractions of a worker's memory limit: above 0 and at most 1, or False (pause=0 paused the worker
# for good, with no word); then durations, above 0, and the unit a bare number is read in (None:
# the worker refuses a bare number).
WORKER_FRACTIONS = tuple(
    f"distributed.worker.memory.{name}" for name in ("target", "spill", "pause", "terminate")
)
WORKER_TIMES = {
    "distributed.worker.memory.monitor-interval": None,
    "distributed.worker.profile.interval": "ms",
    "distributed.worker.profile.cycle": "ms",
    # read by the cluster in this process, when a worker leaves (a hostile review: a traceback on
    # every sweep's close, exit status 0)
    "distributed.deploy.lost-worker-timeout": "seconds",
}
# On a GPU, JAX takes 75 % of its memory in every process that starts it: a command's own process
# and each local worker, so the later ones found too little (a device check on an H200: a 4-worker
# atlas printed eleven of XLA's "Failed to allocate" blocks). A user who set either variable chose.
GPU_MEMORY_CHOICES = ("XLA_PYTHON_CLIENT_PREALLOCATE", "XLA_PYTHON_CLIENT_MEM_FRACTION")
FIX = (
    "check the DASK_* environment variables and Dask's configuration (~/.config/dask, $DASK_CONFIG)"
)


def usable_cores() -> list[int]:
    """The cores this process may run on: its affinity, which a ``taskset``, a container's or a
    batch job's cpuset narrows; [] where the system does not say."""
    return sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []


def default_workers() -> int:
    """One worker per core this process may run on, rather than one per core of the machine."""
    return len(usable_cores()) or os.cpu_count() or 1


def gpu_memory_shared() -> dict[str, str]:
    """The environment in which JAX takes GPU memory as it needs it rather than 75 % of it at
    once, so that several processes share one GPU; nothing where the user chose
    (``GPU_MEMORY_CHOICES``). No effect on a CPU."""
    chosen = any(name in os.environ for name in GPU_MEMORY_CHOICES)
    return {} if chosen else {GPU_MEMORY_CHOICES[0]: "false"}


def start(n_workers: int) -> Any:
    """A ``LocalCluster`` of ``n_workers`` processes with one thread each and no dashboard (the
    scheduler's health routes on a free local port, not 8787). A Ctrl-C while it starts is
    raised once it has started, and the cluster is closed first."""
    import dask
    from distributed import LocalCluster

    from . import cores, worker_logs

    check_worker_settings()
    plugins = (*cores.plugins(usable_cores(), n_workers), worker_logs.QuietHeartbeat())
    cluster = None
    held: list[logging.LogRecord] = []  # the nannies' records while it starts
    try:
        with (
            dask.config.set({TRIM_SETTING: None, LIFETIME_SETTING: None}),
            _without_trim(),
            _signals_held(),
            worker_logs.nanny_errors_held(held),
        ):
            cluster = LocalCluster(
                n_workers=n_workers,
                threads_per_worker=1,
                processes=True,
                dashboard_address=None,
                silence_logs=logging.ERROR,
                plugins=plugins,
                env=gpu_memory_shared(),  # set in each worker before its first task
                scheduler_kwargs={"dashboard_address": "127.0.0.1:0", "worker_ttl": worker_ttl()},
            )
    except BaseException as exc:  # also the held Ctrl-C, raised as the block ends
        if cluster is not None:  # no one else can close it
            cluster.close()
        failure = worker_logs.first_failure(held)
        said = _start_failure(exc, failure) if isinstance(exc, Exception) else None
        if said is not None:
            raise said from None
        raise
    return cluster


def worker_ttl() -> str | float | None:
    """``WORKER_TTL``, unless the user's Dask configuration sets a worker-ttl of its own."""
    import dask
    from dask.utils import parse_timedelta

    configured = dask.config.get("distributed.scheduler.worker-ttl")
    return WORKER_TTL if parse_timedelta(configured) == DASK_WORKER_TTL else configured


def check_worker_settings() -> None:
    """Refuse, in one line, a worker setting of Dask's configuration that a worker could not use
    (``WORKER_FRACTIONS``: above 0 and at most 1, or False; ``WORKER_TIMES``: a duration above
    0). Every one has a default in Dask's own file, so None is a value the user wrote. Then the
    folder workers spill to (``_check_temporary_directory``)."""
    import dask
    from dask.utils import parse_timedelta

    for key in WORKER_FRACTIONS:
        value = dask.config.get(key, None)
        if value is False:  # that threshold is off
            continue
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value <= 1:
            raise UsageError(
                f"the local Dask cluster did not start ({key} is {value!r}, not a "
                f"fraction above 0 and at most 1, or False); {FIX}"
            )
    for key, unit in WORKER_TIMES.items():
        value = dask.config.get(key, None)
        try:
            seconds = parse_timedelta(value, default=unit or False)
        except Exception:  # ValueError, KeyError, TypeError, IndexError (''), OverflowError...
            seconds = None
        if not isinstance(seconds, (int, float)) or not seconds > 0:
            raise UsageError(
                f"the local Dask cluster did not start ({key} is {value!r}, not a "
                f"duration above 0 such as '100ms' or '2s'); {FIX}"
            )
    _check_temporary_directory(dask.config.get("temporary-directory", None))


def _check_temporary_directory(folder: object) -> None:
    """Dask's ``temporary-directory`` (None, its default: the system's temporary folder) must be
    a folder path with no file, and no link that leads nowhere, where it or a folder above it
    belongs: Dask's own error was the system's "Not a directory" or "No such file or directory",
    exit status 1, or a traceback for a number."""
    if folder is None:
        return
    if not isinstance(folder, str):
        raise UsageError(
            f"the local Dask cluster did not start (temporary-directory is {folder!r}, not a "
            f"folder path); {FIX}"
        )
    found = nearest_existing(Path(folder))  # nothing exists below a file
    if not os.path.exists(found):  # a link that leads nowhere, or round in a loop
        what = f"a link to {os.readlink(found)!r} that leads nowhere"
    elif not os.path.isdir(found):
        what = "a file, not a folder"
    else:
        return
    raise UsageError(
        f"the local Dask cluster did not start (temporary-directory is {folder!r}, and "
        f"{str(found)!r} is {what}); {FIX}"
    )


def _start_failure(exc: Exception, failure: str | None) -> FashionLabError | None:
    """The local cluster's failure to start as one line, where its cause is known: a worker that
    failed to start (``failure``, from its nanny's held record), a setting Dask could not read (a
    ValueError or KeyError, which Dask wraps in a RuntimeError), or the system refusing (an
    OSError); else None, for the exception to go on as it is."""
    cause = exc.__cause__ if isinstance(exc, RuntimeError) and exc.__cause__ else exc
    if failure is not None:
        reason = f"a worker failed to start: {failure}"
    elif isinstance(cause, KeyError) and cause.args:  # parse_timedelta's lists every unit next
        reason = str(cause.args[0]).split(". ")[0]
    elif isinstance(cause, (ValueError, OSError)):
        reason = str(cause)
    else:
        return None
    line = f"the local Dask cluster did not start ({reason}); {FIX}"
    return (
        EnvironmentFault(line)
        if isinstance(cause, OSError) and failure is None
        else UsageError(line)
    )


@contextlib.contextmanager
def _without_trim() -> Iterator[None]:
    """MALLOC_TRIM_THRESHOLD_ out of this process's environment while workers start from it.

    A nanny sets its pre-spawn variables in the process that runs it, here this one: a Dask
    cluster started earlier in the same process (a notebook's) would leave the variable behind for
    the next cluster's workers to inherit. It is put back afterwards."""
    saved = os.environ.pop(TRIM_VARIABLE, None)
    try:
        yield
    finally:
        if saved is not None:
            os.environ[TRIM_VARIABLE] = saved


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """Until the block ends, SIGINT is blocked in this thread, and so in the threads and worker
    processes it starts; in the main thread, the only one that can set handlers, SIGINT and
    SIGTERM (those not ignored) are also noted, not acted on, and the first is raised again
    afterwards."""
    from multiprocessing import resource_tracker

    # Started now, before the mask: multiprocessing starts its tracker with the first process and
    # then unblocks SIGINT in the starting thread, here the one that would start the workers. It
    # starts with SIGHUP blocked: it ignores SIGINT and SIGTERM only, so a terminal's hang-up, sent
    # to the whole process group, ended it, and the program then started another, which warned and
    # printed tracebacks over resources it had never registered (a hostile review).
    hangup = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGHUP})
    try:
        resource_tracker.ensure_running()
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, hangup)
    held: list[int] = []
    main = threading.current_thread() is threading.main_thread()  # only it can set handlers
    watched = watched_signals()  # one ignored is kept ignored
    previous = (
        {s: signal.signal(s, lambda signum, frame: held.append(signum)) for s in watched}
        if main
        else {}
    )
    # Threads and processes started meanwhile (the cluster's event loop, which starts the worker
    # processes) inherit the mask: a terminal's SIGINT stays pending in them, never delivered.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a pending SIGINT is noted here
        for number, handler in previous.items():
            signal.signal(number, handler)
        if held:
            signal.raise_signal(held[0])
