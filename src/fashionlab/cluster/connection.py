"""A Dask client for fashionlab's tasks: to a ``LocalCluster`` that fashionlab starts (``workers``
processes), or to a scheduler the user started with ``dask scheduler`` (``scheduler``), watched for
workers lost on the way (``lost``). Dask is imported inside the functions."""

from __future__ import annotations

import contextlib
import logging
import math
from collections.abc import Iterator
from typing import Any

from ..errors import UsageError
from . import local, lost, remote

log = logging.getLogger(__name__)

SCHEMES = ("tcp", "tls", "ws", "wss")  # the addresses of a scheduler another machine can reach
TCP_TIMEOUT = "distributed.comm.timeouts.tcp"
FEWEST_TCP_SECONDS = 11  # distributed.comm.tcp.set_tcp_timeout asserts int(seconds) >= 10 + 1


def check_cluster(workers: int | None, scheduler: str | None) -> None:
    """Validate the two ways to get a cluster; errors name the flag and echo the value."""
    if workers is not None and (
        isinstance(workers, bool) or not isinstance(workers, int) or workers < 1
    ):
        raise UsageError(f"argument --workers: must be an integer >= 1, got {workers!r}")
    if scheduler is not None:
        if workers is not None:
            raise UsageError(
                f"argument --workers: not used with --scheduler {scheduler!r} (the "
                "running cluster has its own workers); give one of them"
            )
        scheme, _, location = scheduler.partition("://")
        if scheme not in SCHEMES or not location.strip():
            raise UsageError(
                f"argument --scheduler: must be an address such as "
                f"tcp://HOST:8786 ({', '.join(SCHEMES)}), got {scheduler!r}"
            )
        place, slash, _ = location.partition("/")
        if slash and scheme in ("tcp", "tls"):
            raise UsageError(  # Dask took the path as part of the port, and said "answers, but..."
                f"argument --scheduler: a {scheme}:// address ends at its port, as in "
                f"{scheme}://HOST:8786, got {scheduler!r:.200}"
            )
        port = _port(location)
        if port is None and (":" not in place or place.startswith("[")):
            # Dask says "missing port number" for tcp and tls; for ws it would leave the port to
            # tornado (80 or 443), where the reachability check (remote.listening) probes 8786
            raise UsageError(
                f"argument --scheduler: {scheduler!r:.200} needs a port, as in {scheme}://HOST:8786 "
                "(a scheduler listens on 8786 unless told otherwise)"
            )
        if port is not None and not (_digits(port) and 1 <= int(port) <= 65535):
            raise UsageError(  # said even when every task is cached and nothing connects
                f"argument --scheduler: port {port!r:.20} is not a number in 1-65535 (a scheduler "
                f"listens on 8786 unless told otherwise), got {scheduler!r:.200}"
            )


def _digits(text: str) -> bool:
    """One to five ASCII digits (int() refuses 4,300 digits and more, with a traceback)."""
    return 1 <= len(text) <= 5 and text.isascii() and text.isdigit()


def _port(location: str) -> str | None:
    """The port of HOST:PORT or [IPv6]:PORT, as written (None where none is given, or where an
    IPv6 address without brackets leaves it to Dask to read)."""
    place = location.split("/", 1)[0]
    if place.startswith("["):
        _, _, after = place.partition("]")
        return after[1:] if after.startswith(":") else None
    return place.partition(":")[2] if place.count(":") == 1 else None


@contextlib.contextmanager
def connect(
    workers: int | None = None, scheduler: str | None = None, timeout: float = 30.0
) -> Iterator[Any]:
    """A ``distributed.Client``: to ``scheduler`` if given, else to a new ``LocalCluster``.

    On leaving (also on Ctrl-C) the client is closed, and so is the cluster if this started it.
    """
    check_cluster(workers, scheduler)
    Client = _import_client()  # noqa: N806 (a class)
    from tornado.websocket import WebSocketError  # Dask's ws:// comm is tornado's

    check_tcp_timeout()
    cluster = None
    if scheduler is not None:
        try:
            remote.check(scheduler, timeout)
            client = Client(scheduler, timeout=timeout)
        except UsageError:  # something other than a scheduler answers there: said in full
            raise
        except WebSocketError as exc:  # ws:// or wss:// to a server that is not Dask's
            raise UsageError(
                f"argument --scheduler: {scheduler!r:.200} answers, but not as a Dask scheduler "
                f"({exc}); check the address, and that `dask scheduler --protocol ws` runs there"
            ) from None
        except (OSError, ValueError, TypeError) as exc:  # refused, unknown scheme or port, no TLS
            secure = scheduler.startswith(("tls://", "wss://"))  # a review: TLS blamed the address
            raise UsageError(
                f"argument --scheduler: cannot reach {scheduler!r} ({exc}); check the "
                "address, and that `dask scheduler` runs there"
                + (", and Dask's TLS settings (distributed.comm.tls)" if secure else "")
            ) from None
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
            if scheduler is not None:  # the user's workers, asked before any task
                remote.same_as_here(client)
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


def check_tcp_timeout() -> None:
    """Dask's ``distributed.comm.timeouts.tcp`` must be whole seconds above its 10 keep-alive
    probes: below, every connection in every process failed an assertion ("Timeout too low"),
    printed as tracebacks by the event loop, on a local cluster or a user's."""
    import dask
    from dask.utils import parse_timedelta

    value = dask.config.get(TCP_TIMEOUT, None)
    try:
        seconds = parse_timedelta(value, default="seconds")
    except Exception:  # ValueError, KeyError, TypeError, IndexError (''), OverflowError...
        seconds = None
    if not isinstance(seconds, (int, float)) or not FEWEST_TCP_SECONDS <= seconds < math.inf:
        raise UsageError(
            f"Dask's {TCP_TIMEOUT} is {value!r}, not a duration of at least "
            f"{FEWEST_TCP_SECONDS} s (Dask probes a silent connection 10 times); {local.FIX}"
        )


def _import_client() -> Any:
    """``distributed.Client``. Importing Dask reads its configuration files (``~/.config/dask``,
    ``$DASK_CONFIG``, which the README has users write): a broken one is one line, not a traceback."""
    try:
        from distributed import Client
    except ValueError as exc:  # Dask's, for a file that does not parse or is not a mapping
        raise UsageError(
            f"Dask's configuration cannot be read ({exc}); fix or remove that file "
            "(Dask reads ~/.config/dask, /etc/dask and $DASK_CONFIG)"
        ) from None
    return Client
