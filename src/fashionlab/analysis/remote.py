"""Reaching a scheduler the user started (``--scheduler``): a wrong address is said at once.

Dask's client retries a refused connection for its whole timeout, and waits for ever on a port
where something else answers (a web server, the scheduler's own dashboard on 8787): its handshake
reads the reply as frame lengths. So before the client, a TCP probe checks that something listens,
and over tcp:// a one-call RPC checks that it is a Dask scheduler, each within seconds, whether
the other side stays silent or answers at once. Once connected, each worker the scheduler has is
asked what it computes with (``same_as_here``): a cache key says what its result depends on, so a
worker with other code, libraries or Keras backend, or none of fashionlab, would cache numbers
this machine did not compute.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
from typing import Any

from ..errors import UsageError
from . import probe

log = logging.getLogger(__name__)

IDENTITY_TIMEOUT = 10.0  # a scheduler answers in milliseconds; anything else never does


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


def same_as_here(client: Any) -> None:
    """``UsageError`` naming the first worker that computes with other code, library versions or
    Keras backend than this process, or cannot import fashionlab at all. A worker that joins
    later is not asked: the README tells users to start workers from the same install."""
    import cloudpickle

    cloudpickle.register_pickle_by_value(probe)  # its code travels: no import of fashionlab
    here = probe.environment()
    found = client.run(probe.environment, on_error="return")
    for address, there in sorted(found.items()):
        if isinstance(there, (OSError, TimeoutError)):  # gone since, or not answering: the
            continue  # scheduler's to remove
        if isinstance(there, BaseException) or not isinstance(there, dict):  # could not run it
            there = {"unimportable": f"the probe failed: {type(there).__name__}: {there}"}
        if "unimportable" in there:
            raise UsageError(
                f"argument --scheduler: the worker at {address} cannot run this fashionlab "
                f"({there['unimportable']}); install fashionlab, as here, where `dask worker` runs"
            )
        differences = _differences(there, here)
        if differences:
            raise UsageError(
                f"argument --scheduler: the worker at {address} computes with "
                f"{'; '.join(differences)}; start every worker from the same install of "
                "fashionlab and its libraries as this machine"
            )


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
