"""Reaching a scheduler the user started (``--scheduler``): a wrong address is said at once.

Dask's client retries a refused connection for its whole timeout, and waits for ever on a port
where something else answers (a web server, the scheduler's own dashboard on 8787): its handshake
reads the reply as frame lengths. So before the client, a TCP probe checks that something listens,
and over tcp:// a one-call RPC checks that it is a Dask scheduler, each within seconds.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from typing import Any

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
    """What answers at a tcp:// address, asked the way Dask asks; ``OSError`` unless it is a
    Dask scheduler."""
    from distributed.core import rpc

    async def ask() -> Any:
        remote = rpc(scheduler, timeout=timeout)
        try:
            return await remote.identity()
        finally:
            await remote.close_rpc()

    try:
        found = asyncio.run(asyncio.wait_for(ask(), timeout))
    except Exception as exc:  # a timeout, a closed connection, bytes that are not Dask's
        found = exc
    if not isinstance(found, dict) or found.get("type") != "Scheduler":
        raise OSError("something answers there, but not a Dask scheduler (a dashboard's port? "
                      "the scheduler listens on 8786 unless told otherwise)")  # fmt: skip
    return found


def check(scheduler: str, timeout: float) -> None:
    """Everything about ``--scheduler`` that can be known before the client starts."""
    listening(scheduler, timeout)
    if scheduler.startswith("tcp://"):  # tls, ws and wss need the client's own settings
        found = identity(scheduler, IDENTITY_TIMEOUT)
        if found.get("n_workers") == 0:
            log.warning("the scheduler at %s has no workers yet: its tasks wait until `dask "
                        "worker %s` starts one", scheduler, scheduler)  # fmt: skip
