"""The local cluster starts whole: a signal that arrives while it starts is acted on afterwards."""

from __future__ import annotations

import os
import signal

import pytest

from fashionlab.cluster import local


def test_a_signal_while_the_cluster_starts_is_held_until_it_has_started() -> None:
    seen: list[str] = []
    previous = signal.signal(signal.SIGTERM, lambda signum, frame: seen.append("handled"))
    try:
        with local._signals_held():
            os.kill(os.getpid(), signal.SIGTERM)
            seen.append("still starting")
        seen.append("after")
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert seen == ["still starting", "handled", "after"]


def test_a_held_ctrl_c_is_a_keyboard_interrupt_once_the_block_ends() -> None:
    reached, before = [], signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt), local._signals_held():
            os.kill(os.getpid(), signal.SIGINT)
            reached.append(True)  # not interrupted inside the block
        assert reached == [True] and signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, before)


def test_a_ctrl_c_while_the_cluster_starts_closes_it_before_it_is_raised(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The cluster built inside the block was dropped when the held Ctrl-C was raised at its end:
    a library caller (a notebook) kept its worker processes running."""
    import distributed

    built: list[FakeCluster] = []

    class FakeCluster:
        def __init__(self, **settings: object) -> None:
            self.closed = False
            built.append(self)
            os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the workers start

        def close(self) -> None:
            self.closed = True

    monkeypatch.setattr(distributed, "LocalCluster", FakeCluster)
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        with pytest.raises(KeyboardInterrupt):
            local.start(1)
    finally:
        signal.signal(signal.SIGINT, before)
    assert len(built) == 1 and built[0].closed


def _blocks_sigint() -> bool:
    return signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set())


def test_sigint_is_blocked_in_the_starting_thread_only_while_the_cluster_starts() -> None:
    """Blocked in the thread that starts the cluster, from any thread, so that the workers it
    starts inherit the mask; unblocked after, and no other thread's mask is touched."""
    seen: dict[str, bool] = {}

    def start() -> None:
        with local._signals_held():
            seen["inside"] = _blocks_sigint()
            seen["main, meanwhile"] = main_blocked.pop()
        seen["after"] = _blocks_sigint()

    import threading

    main_blocked = [_blocks_sigint()]
    thread = threading.Thread(target=start)
    thread.start()
    thread.join()
    assert seen == {"inside": True, "main, meanwhile": False, "after": False}
    with local._signals_held():
        assert _blocks_sigint()
    assert not _blocks_sigint()


@pytest.mark.slow
def test_a_local_workers_failed_heartbeat_stays_off_the_terminal(capfd) -> None:
    """A local worker logs a failed heartbeat as an error with a traceback; that record is dropped
    in every worker of fashionlab's cluster, and any other error still reaches stderr."""
    import logging

    from distributed import Client

    from fashionlab.cluster import worker_logs

    def log_both() -> None:
        logger = logging.getLogger(worker_logs.WORKER_LOGGER)
        try:
            raise OSError("Timed out during handshake")
        except OSError:
            logger.exception("Failed to communicate with scheduler during heartbeat.")
        logger.error("another worker error, which the user should see")

    cluster = local.start(2)
    try:
        with Client(cluster) as client:
            client.run(log_both)
    finally:
        cluster.close()
    err = capfd.readouterr().err
    assert err.count("another worker error, which the user should see") == 2  # both workers
    assert "heartbeat" not in err and "Timed out during handshake" not in err


def test_a_local_cluster_listens_on_loopback_only() -> None:
    """The README: Dask's messages are pickles, so only a cluster one trusts may reach them; the
    local cluster's scheduler, workers, nannies and dashboard listen on 127.0.0.1 only."""
    from distributed import Client

    cluster = local.start(1)
    try:
        with Client(cluster) as client:
            info = client.scheduler_info()
            addresses = [cluster.scheduler_address, *info["workers"]]
            addresses += [w["nanny"] for w in info["workers"].values()]
            dashboard = client.run_on_scheduler(
                lambda dask_scheduler: dask_scheduler.http_server.address
            )
    finally:
        cluster.close()
    assert len(addresses) == 3
    assert all(a.startswith("tcp://127.0.0.1:") for a in addresses), addresses
    assert dashboard in ("127.0.0.1", "localhost"), dashboard


def test_a_nannys_error_while_the_cluster_starts_is_held_and_named() -> None:
    """Held while the local cluster starts: a failed start names the first error in its one line;
    a start that succeeds logs them after all, so nothing is hidden."""
    import logging

    from fashionlab.cluster import worker_logs

    logger = logging.getLogger(worker_logs.NANNY_LOGGER)
    seen: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage())

    keep = Keep()
    logger.addHandler(keep)
    try:
        held: list[logging.LogRecord] = []
        with pytest.raises(RuntimeError), worker_logs.nanny_errors_held(held):
            try:
                raise MemoryError
            except MemoryError:
                logger.exception("Failed to start process")
            raise RuntimeError("Nanny failed to start.")
        assert seen == [] and worker_logs.first_failure(held) == "MemoryError"
        held = []
        with worker_logs.nanny_errors_held(held):
            logger.error("an error the user should see")
        assert seen == ["an error the user should see"]
        assert worker_logs.first_failure(held) is None
    finally:
        logger.removeHandler(keep)


def test_a_worker_ttl_the_user_configured_is_kept() -> None:
    """fashionlab's 30 s replaces only Dask's own default of 5 minutes."""
    import dask

    assert local.worker_ttl() == local.WORKER_TTL
    with dask.config.set({"distributed.scheduler.worker-ttl": "10 minutes"}):
        assert local.worker_ttl() == "10 minutes"
    with dask.config.set({"distributed.scheduler.worker-ttl": None}):  # turned off
        assert local.worker_ttl() is None
