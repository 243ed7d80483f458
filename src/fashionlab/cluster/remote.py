"""Reaching a scheduler the user started (``--scheduler``): a wrong address is said at once.

Dask's client retries a refused connection for its whole timeout, and waits for ever on a port
where something else answers (a web server, the scheduler's own dashboard on 8787): its handshake
reads the reply as frame lengths. So before the client, a TCP probe checks that something listens,
and over tcp:// a one-call RPC checks that it is a Dask scheduler, each within seconds, whether
the other side stays silent or answers at once. Once connected, each worker the scheduler has is
asked what it computes with (``same_as_here``), within seconds too: a cache key says what its
result depends on, so a worker with other code, libraries or Keras backend, or none of
fashionlab, would cache numbers this machine did not compute. Each task asks again
(``submit_as_here``), for a worker that joins later.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import socket
import sys
from collections.abc import Mapping
from typing import Any

from ..errors import EnvironmentFault, UsageError
from . import probe

log = logging.getLogger(__name__)

IDENTITY_TIMEOUT = 10.0  # a scheduler answers in milliseconds; anything else never does
PATIENCE = 10.0  # a worker asked what it computes with answers in milliseconds too, unless busy:
ANSWER_TIMEOUT = 30.0  # another client's task can hold it; the worker-ttl the README recommends


def listening(scheduler: str, timeout: float) -> None:
    """Raise ``OSError`` at once when nothing accepts a TCP connection at the address (a mistyped
    port, a scheduler not started), rather than after Dask's ``timeout`` of retries; every scheme
    fashionlab accepts runs over TCP. A port outside 1-65535 is a ``ValueError``."""
    from distributed.comm.addressing import parse_address, parse_host_port

    _, location = parse_address(scheduler)
    host, port = parse_host_port(location.split("/", 1)[0], 8786)
    if not 1 <= port <= 65535:
        raise ValueError(f"port {port} is outside 1-65535")
    with socket.create_connection((host, port), timeout=timeout):
        pass


def identity(scheduler: str, timeout: float) -> dict[str, Any]:
    """What answers at a tcp:// address, asked the way Dask asks (without its workers' details);
    ``UsageError`` unless it is a Dask scheduler."""
    from distributed.core import rpc

    async def ask() -> Any:
        remote = rpc(scheduler, timeout=timeout)
        try:
            return await remote.identity(n_workers=0)
        finally:
            await remote.close_rpc()

    try:
        found = asyncio.run(asyncio.wait_for(ask(), timeout))
    except Exception:  # noqa: BLE001 (Ctrl-C and cancellation are not Exceptions: they pass)
        # A timeout (an OSError), a closed connection, or bytes that are not Dask's, which its
        # decoder reads as it would its own: a reply read as frame lengths can ask for exabytes
        # (an HTTP status line read as an 8-byte count), be too short for the frames' count
        # (struct.error) or hold no frame (IndexError). Whatever it raises, this is no scheduler.
        found = None
    if not isinstance(found, dict) or found.get("type") != "Scheduler":
        raise UsageError(
            f"argument --scheduler: {scheduler!r} answers, but not as a Dask "
            "scheduler; check the port (a scheduler listens on 8786 unless told "
            "otherwise, its dashboard on 8787)"
        )
    return found


def check(scheduler: str, timeout: float) -> None:
    """Everything about ``--scheduler`` that can be known before the client starts."""
    listening(scheduler, timeout)
    if not scheduler.startswith("tcp://"):  # tls, ws and wss need the client's own settings
        return
    with contextlib.suppress(RuntimeError):
        asyncio.get_running_loop()
        return  # called from an event loop (a notebook's): the client's own checks must do
    if identity(scheduler, IDENTITY_TIMEOUT).get("n_workers") == 0:
        log.warning(
            "the scheduler at %s has no workers yet: its tasks wait until `dask worker "
            "%s` starts one",
            scheduler,
            scheduler,
        )


def by_value() -> None:
    """Have Dask send ``probe``'s functions as code, which runs where fashionlab does not import."""
    import cloudpickle

    cloudpickle.register_pickle_by_value(probe)


def erred_on(future: Any) -> str | None:
    """The worker of a user's cluster that ``future``'s task raised on; None on fashionlab's own
    local cluster (this machine's workers, all alike), or where the scheduler cannot say."""
    client = future.client
    if getattr(client, "cluster", None) is not None:
        return None
    by_value()
    try:
        found = client.run_on_scheduler(
            probe.erred_on, future.key, callback_timeout=IDENTITY_TIMEOUT
        )
    except Exception:  # noqa: BLE001 (the error itself is what the user needs; this is a detail)
        return None
    return ", ".join(found) or None


def same_as_here(client: Any) -> None:
    """``UsageError`` naming the first worker that computes with other code, library versions or
    Keras backend than this process, or cannot import fashionlab at all; ``EnvironmentFault``
    naming one that does not answer. A worker that joins later is asked with each task
    (``submit_as_here``), and named by ``refuse_other`` at its first."""
    by_value()
    here = probe.environment()
    for address in sorted(client.scheduler_info(n_workers=-1)["workers"]):
        there = _ask(client, address)
        if isinstance(there, OSError):  # gone since: the scheduler's to remove
            continue
        if isinstance(there, BaseException) or not isinstance(there, dict):  # could not run it
            there = {"unimportable": f"the probe failed: {type(there).__name__}: {there}"}
        _refuse(address, there, here)


def submit_as_here(client: Any, function: Any, kwargs: Mapping[str, Any], **options: Any) -> Any:
    """``client.submit(function, **kwargs, **options)``, as a task that runs ``function`` (a
    module's own function) only on a worker that computes as this process (``probe.as_here``):
    one that joined after ``same_as_here`` returns a refusal instead, for ``refuse_other``."""
    module, name = function.__module__, function.__name__
    if getattr(sys.modules.get(module), name, None) is not function:
        raise ValueError(f"a task's function must be a module's own, not {function!r}")
    return client.submit(_as_here(), probe.environment(), module, name, dict(kwargs), **options)


class _ByValue:
    """``function``, pickled as its code: Dask pickles a task with the standard pickle, which
    names a module's function (so that a worker without fashionlab fails to read the task),
    and turns to cloudpickle, which sends a registered module's code, only for a bare function."""

    def __init__(self, function: Any) -> None:
        import cloudpickle

        by_value()
        self.function, self.pickled = function, cloudpickle.dumps(function)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.function(*args, **kwargs)

    def __reduce__(self) -> tuple[Any, tuple[bytes]]:
        import cloudpickle

        return cloudpickle.loads, (self.pickled,)


@functools.cache
def _as_here() -> _ByValue:
    return _ByValue(probe.as_here)


def refuse_other(value: Any, client: Any) -> None:
    """Nothing, unless ``value`` is a refusal of ``probe.as_here``: then a ``UsageError`` naming
    a worker of a user's cluster as ``same_as_here`` does, and otherwise (fashionlab's own local
    workers, or alike by now) an ``EnvironmentFault``: what changed did so while this ran."""
    if not (isinstance(value, dict) and probe.REFUSED in value):
        return
    address, there, here = value[probe.REFUSED], value["environment"], probe.environment()
    if getattr(client, "cluster", None) is None:
        _refuse(address, there, here)
    changed = "; ".join(_differences(there, here)) or "what this process computed with"
    raise EnvironmentFault(
        f"the worker at {address} computes with {changed}: fashionlab or its libraries changed "
        "while it ran; run again"
    )


def _refuse(address: str, there: dict[str, Any], here: dict[str, Any]) -> None:
    """``UsageError`` naming the worker at ``address`` unless it computes (``there``) as this
    process does (``here``)."""
    if "unimportable" in there:
        raise UsageError(
            f"argument --scheduler: the worker at {address} cannot run this fashionlab "
            f"({there['unimportable']}); install fashionlab, as here, where `dask worker` runs"
        )
    differences = _differences(there, here)
    if differences:
        restart = " (or restart the workers, if fashionlab's files changed since they started)"
        raise UsageError(
            f"argument --scheduler: the worker at {address} computes with "
            f"{'; '.join(differences)}; start every worker from the same install of "
            "fashionlab and its libraries as this machine"
            + (restart if there.get("source") != here["source"] else "")
        )


def _ask(client: Any, address: str) -> Any:
    """What the worker at ``address`` answers the probe, or the error it ran into. A worker
    silent for ``PATIENCE`` is said to be waited for (a task of another client's can hold it);
    one silent for ``ANSWER_TIMEOUT`` is an ``EnvironmentFault`` (a stopped process holds Dask's
    call until the scheduler's worker-ttl ends it, by default 5 minutes of silence), unless the
    scheduler has removed it meanwhile: then it is gone, as one that died before it was asked."""
    try:
        return _answer(client, address, PATIENCE)
    except (TimeoutError, asyncio.TimeoutError):
        log.warning(
            "the worker at %s has not answered in %.0f s (busy, or stopped): waiting up to %.0f s",
            address,
            PATIENCE,
            ANSWER_TIMEOUT,
        )
    try:
        return _answer(client, address, ANSWER_TIMEOUT - PATIENCE)
    except (TimeoutError, asyncio.TimeoutError):
        if not _listed(client, address):  # died, or given up by the scheduler's worker-ttl
            log.warning(
                "the worker at %s stopped answering and the scheduler has removed it: going on "
                "without it",
                address,
            )
            return OSError("gone")
        raise EnvironmentFault(
            f"the worker at {address} did not answer within {ANSWER_TIMEOUT:.0f} s (a stopped "
            "or overloaded process); restart it, or end it, and run again"
        ) from None


def _listed(client: Any, address: str) -> bool:
    """Whether the scheduler still lists the worker at ``address`` (yes, if it cannot say)."""
    try:
        return address in client.scheduler_info(n_workers=-1)["workers"]
    except OSError:  # the scheduler lost too (Dask's closed connection is an OSError)
        return True


def _answer(client: Any, address: str, deadline: float) -> Any:
    """The worker's answer to ``probe.environment`` (``OSError`` if it is gone since), within
    ``deadline`` seconds: Client.run hands ``callback_timeout`` to its sync(), a deadline on the
    whole call."""
    found = client.run(
        probe.environment, workers=[address], on_error="return", callback_timeout=deadline
    )
    return found.get(address, OSError("gone"))


def _differences(there: dict[str, Any], here: dict[str, Any]) -> list[str]:
    """What differs, as 'numpy 2.1.0 (here 2.2.1)', 'other fashionlab code', 'Keras on torch'."""
    theirs, ours = there.get("versions", {}), here["versions"]
    said = [
        f"{name} {theirs.get(name, 'not installed')} (here {ours.get(name, 'not installed')})"
        for name in sorted(set(theirs) | set(ours))
        if theirs.get(name) != ours.get(name)
    ]
    if there.get("keras_backend") != here["keras_backend"]:
        said.append(f"Keras on {there.get('keras_backend')} (here {here['keras_backend']})")
    if there.get("source") != here["source"]:
        said.append("other fashionlab code (its source files differ from this machine's)")
    return said
