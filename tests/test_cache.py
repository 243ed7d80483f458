"""The one cache: every entry is verified before it is served; damage costs a recomputation."""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from conftest import needs_root

import fashionlab
from fashionlab.errors import EnvironmentFault, UsageError
from fashionlab.files import cache, keys, locks, storage


def counting(value: object) -> tuple[list[int], object]:
    calls: list[int] = []

    def compute() -> object:
        calls.append(1)
        return value

    return calls, compute


def test_a_second_call_is_served_from_the_cache() -> None:
    calls, compute = counting({"accuracy": 0.8229166666666666})
    key = keys.key_of("test", {"x": 1})
    assert cache.cached_json("test", key, compute) == ({"accuracy": 0.8229166666666666}, False)
    assert cache.cached_json("test", key, compute) == ({"accuracy": 0.8229166666666666}, True)
    assert len(calls) == 1


def test_keys_follow_settings_versions_and_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    first = keys.key_of("test", {"x": 1})
    assert keys.key_of("test", {"x": 2}) != first
    monkeypatch.setenv("KERAS_BACKEND", "numpy")
    assert keys.key_of("test", {"x": 1}) != first
    for same in ("jax", " jax ", ""):  # the backend that runs: check_backend reads it so too
        monkeypatch.setenv("KERAS_BACKEND", same)
        assert keys.key_of("test", {"x": 1}) == first
    assert {"numpy", "keras", "jax"} <= set(keys.versions())


def test_keys_follow_the_arrays_contents_shape_and_type() -> None:
    """The mutation review: with the line that hashes an array's bytes gone, every key still
    passed, and a study of other images of the same shape would have been served."""
    import numpy as np

    zeros = keys.key_of("t", {}, (np.zeros(3),))
    assert keys.key_of("t", {}, (np.zeros(3),)) == zeros  # the same data, the same key
    assert keys.key_of("t", {}, (np.ones(3),)) != zeros
    assert keys.key_of("t", {}, (np.zeros(3).reshape(3, 1),)) != zeros  # same bytes, other shape
    assert keys.key_of("t", {}, (np.zeros(3).view(np.int64),)) != zeros  # same bytes, other type
    assert keys.key_of("t", {}, (np.zeros(6)[::2],)) == zeros  # a strided view: its values


def test_keys_follow_fashionlabs_own_source(monkeypatch: pytest.MonkeyPatch) -> None:
    """A figure drawn or a number computed by other code is never served: a changed plot was
    served from the cache, drawn by the code before it."""
    first = keys.key_of("test", {"x": 1})
    monkeypatch.setattr(keys, "source_digest", lambda: "other code")
    assert keys.key_of("test", {"x": 1}) != first


def test_the_source_digest_follows_every_byte_and_name(tmp_path: Path) -> None:
    package = tmp_path / "package"
    (package / "sub").mkdir(parents=True)
    (package / "a.py").write_text("x = 1\n")
    (package / "sub" / "b.py").write_text("y = 2\n")
    (package / "notes.txt").write_text("not code")
    digests = {keys.source_digest.__wrapped__(package)}
    (package / "notes.txt").write_text("still not code")
    assert keys.source_digest.__wrapped__(package) in digests  # only Python files count
    (package / "sub" / "b.py").write_text("y = 3\n")
    digests.add(keys.source_digest.__wrapped__(package))
    (package / "sub" / "b.py").rename(package / "b.py")
    digests.add(keys.source_digest.__wrapped__(package))
    assert len(digests) == 3
    assert keys.source_digest() == keys.source_digest.__wrapped__(keys.PACKAGE)
    assert Path(fashionlab.__file__).resolve().parent == keys.PACKAGE  # all of it, not keys' folder
    compiled = tmp_path / "compiled"  # an install that ships only bytecode
    (compiled / "__pycache__").mkdir(parents=True)
    (compiled / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"one")
    first = keys.source_digest.__wrapped__(compiled)
    (compiled / "__pycache__" / "a.cpython-311.pyc").write_bytes(b"two")
    assert keys.source_digest.__wrapped__(compiled) != first


def _entry(key: str) -> Path:
    return cache.entry_path("test", key)


def _damage(kind: str, key: str, other: str) -> None:
    entry = _entry(key)
    value = entry / "value.json"
    if kind == "edited digit":
        value.write_text(value.read_text().replace("0.82", "0.92"))
    elif kind == "truncated":
        value.write_bytes(value.read_bytes()[:5])
    elif kind == "copied from another key":
        for name in ("value.json", "manifest.json"):
            (entry / name).write_bytes((_entry(other) / name).read_bytes())
    elif kind == "manifest is garbage":
        (entry / "manifest.json").write_text("{not json")
    elif kind == "manifest nested too deeply":  # the JSON reader recurses until it gives up
        (entry / "manifest.json").write_text("[" * 200_000 + "]" * 200_000)
    elif kind in ("lists a name outside the entry", "lists a hidden name"):
        # the mutation review: a manifest naming a file beside the entry, with its true SHA-256,
        # must not make the entry read it (the check of names was untested)
        name = "../secret" if kind == "lists a name outside the entry" else ".hidden"
        (entry / name).write_text("not fashionlab's")
        manifest = json.loads((entry / "manifest.json").read_text())
        manifest["files"][name] = storage.digest((entry / name).read_bytes())
        (entry / "manifest.json").write_text(json.dumps(manifest))
    elif kind in ("NaN, rehashed", "1e400, rehashed"):  # the hostile review of stop 46
        token = "NaN" if kind.startswith("NaN") else "1e400"
        value.write_text(value.read_text().replace("0.82", token))
        manifest = json.loads((entry / "manifest.json").read_text())
        manifest["files"]["value.json"] = storage.digest(value.read_bytes())
        (entry / "manifest.json").write_text(json.dumps(manifest))
    elif kind == "entry is a file":
        for child in entry.iterdir():
            child.unlink()
        entry.rmdir()
        entry.write_text("x")


@pytest.mark.parametrize(
    "kind",
    [
        "edited digit",
        "truncated",
        "copied from another key",
        "manifest is garbage",
        "manifest nested too deeply",
        "lists a name outside the entry",
        "lists a hidden name",
        "NaN, rehashed",
        "1e400, rehashed",
        "entry is a file",
    ],
)
def test_a_damaged_entry_is_discarded_with_one_warning_and_recomputed(
    kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    key, other = keys.key_of("test", {"x": 1}), keys.key_of("test", {"x": 2})
    cache.cached_json("test", key, lambda: {"accuracy": 0.82})
    cache.cached_json("test", other, lambda: {"accuracy": 0.5})
    _damage(kind, key, other)
    calls, compute = counting({"accuracy": 0.82})
    with caplog.at_level(logging.WARNING):
        value, hit = cache.cached_json("test", key, compute)
    assert (value, hit, len(calls)) == ({"accuracy": 0.82}, False, 1)
    if kind == "lists a name outside the entry":  # discarding the entry deleted nothing beside it
        assert (_entry(key).parent / "secret").read_text() == "not fashionlab's"
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(warnings) == 1 and "discarding damaged cache entry" in warnings[0].getMessage()
    assert cache.cached_json("test", key, compute) == ({"accuracy": 0.82}, True)  # repaired


@pytest.mark.parametrize("payload", ["null", "{}", "[]", '{"wrong": 1}'])
def test_structurally_wrong_entries_are_recomputed(
    payload: str, caplog: pytest.LogCaptureFixture
) -> None:
    def check(value: object) -> dict[str, float]:
        if not isinstance(value, dict) or "accuracy" not in value:
            raise ValueError("missing field 'accuracy'")
        return value  # type: ignore[return-value]

    key = keys.key_of("test", {"x": 1})
    cache.store("test", key, {"value.json": payload.encode()})
    with caplog.at_level(logging.WARNING):
        value, hit = cache.cached_json("test", key, lambda: {"accuracy": 0.5}, check=check)
    assert (value, hit) == ({"accuracy": 0.5}, False)
    assert sum(r.levelno >= logging.WARNING for r in caplog.records) == 1


@pytest.mark.parametrize("error", [errno.EACCES, errno.EMFILE])
def test_an_entry_that_cannot_be_read_now_is_left_whole_and_said_once(
    error: int, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    """No permission, or too many open files, says nothing of the entry: it was discarded as
    damaged, and reported twice (once per look)."""
    calls, compute = counting({"accuracy": 0.5})
    key = keys.key_of("test", {"unreadable": error})
    cache.cached_json("test", key, compute)
    read = cache.read_plain

    def refuse(path: Path, *args: object) -> bytes:
        raise OSError(error, os.strerror(error), str(path))

    monkeypatch.setattr(cache, "read_plain", refuse)
    with caplog.at_level(logging.WARNING, logger="fashionlab.files.cache"):
        assert cache.cached_json("test", key, compute) == ({"accuracy": 0.5}, False)
    said = [r.getMessage() for r in caplog.records]
    assert len(said) == 1 and "cannot read cache entry" in said[0] and os.strerror(error) in said[0]
    assert _entry(key).is_dir()  # left whole
    monkeypatch.setattr(cache, "read_plain", read)
    assert cache.cached_json("test", key, compute) == ({"accuracy": 0.5}, True)
    assert len(calls) == 2


def test_a_result_that_fails_its_own_check_is_used_but_not_cached(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Stored, it would be refused and computed again on every later read, with a warning each
    time; it is refused once, before it is stored."""

    def check(value: object) -> object:
        raise ValueError("never fits")

    key = keys.key_of("test", {"x": 3})
    with caplog.at_level(logging.WARNING):
        assert cache.cached_json("test", key, lambda: {"a": 1}, check=check) == ({"a": 1}, False)
    assert not cache.entry_path("test", key).exists()
    (warning,) = [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING]
    assert "not caching the test result" in warning and "never fits" in warning


def test_a_file_where_a_cache_folder_belongs_is_left_and_named(caplog, monkeypatch) -> None:
    """A hostile reading: a file where the cache keeps a folder was deleted ("replacing the
    file"); fashionlab never writes one there, so it is someone else's and stays."""
    monkeypatch.setattr(cache, "_SAID", [])  # said once per process: this test's process
    home = storage.cache_home()
    home.mkdir(parents=True, exist_ok=True)
    (home / "test").write_text("my notes, where a namespace folder belongs")
    key = keys.key_of("test", {"x": 1})
    with caplog.at_level(logging.WARNING):
        assert cache.cached_json("test", key, lambda: [1]) == ([1], False)  # computed, not stored
    assert (home / "test").read_text() == "my notes, where a namespace folder belongs"
    assert f"{home / 'test'} is a file, not a folder; move it away" in caplog.text
    assert caplog.text.count("move it away") == 1  # said once, not once per entry
    cache.cached_json("test", keys.key_of("test", {"x": 2}), lambda: [2])
    assert caplog.text.count("move it away") == 1
    shutil.rmtree(home / "locks")  # fashionlab's, made by the call above
    (home / "locks").write_text("my notes, where the locks folder belongs")
    with pytest.raises(EnvironmentFault, match=r"/locks is a file, not a folder; move it away$"):
        locks.Lock("test", "k", "a test").acquire()
    assert (home / "locks").read_text() == "my notes, where the locks folder belongs"


def test_a_full_disk_is_said_once_not_once_per_entry(caplog, monkeypatch) -> None:
    """The hostile review of stop 46: a sweep on a full cache disk said 'could not store' 23
    times, one per task; a second kind of failure is said too."""
    import errno

    monkeypatch.setattr(cache, "_STORE_FAILED", set())
    failure = [errno.ENOSPC]

    def full(*args: object) -> None:
        raise OSError(failure[0], os.strerror(failure[0]))

    monkeypatch.setattr(cache.os, "rename", full)
    with caplog.at_level(logging.WARNING):
        for x in range(3):
            assert cache.cached_json("test", keys.key_of("test", {"x": x}), lambda x=x: [x])[0] == [
                x
            ]
        failure[0] = errno.EDQUOT
        cache.cached_json("test", keys.key_of("test", {"x": 3}), lambda: [3])
    said = [r.getMessage() for r in caplog.records if "could not store" in r.getMessage()]
    assert len(said) == 2 and "No space left on device" in said[0] and "quota" in said[1]
    assert "other entries that fail so are not said" in said[0]


def test_a_lock_that_is_a_folder_is_repaired() -> None:
    lock = locks.Lock("test", "k", "a test")
    lock.path.mkdir(parents=True)
    with lock:
        assert lock.path.is_file()


def test_a_lock_folder_holding_files_is_kept_and_the_lock_refused() -> None:
    lock = locks.Lock("test", "k", "a test")
    lock.path.mkdir(parents=True)
    (lock.path / "notes.txt").write_text("the user's")
    with pytest.raises(EnvironmentFault, match="is a folder with files in it.*move it away"), lock:
        pass
    assert (lock.path / "notes.txt").read_text() == "the user's"
    with locks.Lock("test", "k", "a test", spare=True) as spare:  # an output's: locked elsewhere
        assert spare.path.parent == locks.spare_lock_folder()
    assert (lock.path / "notes.txt").read_text() == "the user's"


def test_a_full_disk_while_the_holder_is_written_leaves_no_lock_held(monkeypatch) -> None:
    """The holder's pid is for a waiting process to say; failing to write it must not leave the
    lock held by a file nobody closes (the next task in the same bucket waited on itself)."""

    def full(*args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(locks.os, "pwrite", full)
    with locks.Lock("test", "k", "a test") as lock:
        fd = os.open(lock.path, os.O_RDWR)
        try:  # held all the same
            with pytest.raises(BlockingIOError):
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        finally:
            os.close(fd)
    fd = os.open(lock.path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # BlockingIOError if still held
    finally:
        os.close(fd)


def test_a_cache_home_that_is_a_file_is_one_clear_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cachefile").write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cachefile"))
    with pytest.raises(UsageError, match="XDG_CACHE_HOME.*is a file"):
        storage.cache_home()


def read_only(folder: Path, code: str) -> subprocess.CompletedProcess[str]:
    """Run ``code`` with ``folder`` mounted read-only (a private mount namespace; needs root)."""
    script = (
        f"mount --bind {folder} {folder} && mount -o remount,ro,bind {folder} {folder} && "
        f'exec {sys.executable} -c "$0"'
    )
    return subprocess.run(
        ["unshare", "-m", "sh", "-c", script, code],
        capture_output=True,
        text=True,
        env=os.environ.copy(),
        timeout=60,
    )


def test_a_warm_cache_on_a_read_only_file_system_still_serves() -> None:
    needs_root("mounting read-only needs root (CI runs as root)")
    key = keys.key_of("test", {"x": 1})
    cache.cached_json("test", key, lambda: [1])
    code = (
        f"from fashionlab.files import cache\n"
        f"print(cache.cached_json('test', {key!r}, lambda: [2]))\n"
        f"print(cache.cached_json('test', 'missing' * 4, lambda: [3]))\n"
    )
    done = read_only(storage.cache_home(), code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["([1], True)", "([3], False)"]  # a miss computes anyway


def test_a_warm_cache_serves_without_taking_a_lock(monkeypatch: pytest.MonkeyPatch) -> None:
    key = keys.key_of("test", {"x": 1})
    cache.cached_json("test", key, lambda: [1])

    def no_locks(*args: object, **kwargs: object) -> None:
        raise AssertionError("a warm read must not need a lock (read-only file systems)")

    monkeypatch.setattr(locks.Lock, "acquire", no_locks)
    assert cache.cached_json("test", key, lambda: [2]) == ([1], True)


def test_a_waiting_process_says_who_holds_the_lock_after_about_a_second() -> None:
    code = (
        "import sys, time; from fashionlab.files import locks\n"
        "lock = locks.Lock('test', 'k', 'a test'); lock.acquire(); print('held', flush=True)\n"
        "time.sleep(30)\n"
    )
    holder = subprocess.Popen(
        [sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, env=os.environ.copy()
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        said: list[tuple[float, str]] = []
        started = time.monotonic()
        lock = locks.Lock("test", "k", "the test entry")

        def notice(text: str) -> None:
            said.append((time.monotonic() - started, text))
            if len(said) == 2:
                holder.kill()

        lock.acquire(notice=notice, every=1.0)
        lock.release()
    finally:
        holder.kill()
        holder.wait()
    # said after about a second (every=1.0), not at the end of the wait: 5 s leaves room for a
    # busy machine (the suite runs in two processes, beside its study)
    assert said[0][0] < 5.0 and f"held by process {holder.pid}" in said[0][1]
    assert "waiting for the test entry" in said[0][1] and len(said) >= 2  # and keeps saying so


def test_a_stopped_waiter_gives_up_the_lock_it_waits_for() -> None:
    """A thread cannot be sent a Ctrl-C: its wait ends when ``stopped()`` says so, and closes the
    lock file it opened."""
    holder = locks.Lock("test", "k", "a test")
    holder.acquire()  # flock: a second open file in the same process waits for it too
    raised: list[BaseException] = []
    asked = [0]

    def stopped() -> bool:
        asked[0] += 1
        return asked[0] > 5

    def wait() -> None:
        try:
            cache.cached(
                "test",
                "k",
                lambda: b"never",
                encode=lambda v: {"v": v},
                decode=lambda blobs: blobs["v"],
                what="the test entry",
                stopped=stopped,
            )
        except BaseException as exc:
            raised.append(exc)

    files = len(os.listdir("/proc/self/fd"))
    waiter = threading.Thread(target=wait, daemon=True)
    waiter.start()
    waiter.join(60)  # a wait that ignored ``stopped`` would never end
    try:
        assert not waiter.is_alive()
        assert len(raised) == 1 and isinstance(raised[0], locks.Abandoned)
        assert "stopped while waiting for the test entry" in str(raised[0])
        assert len(os.listdir("/proc/self/fd")) == files  # the waiter's lock file is closed
    finally:
        holder.release()
    assert cache.cached_json("test", "k", lambda: [1]) == ([1], False)  # the lock was let go


def test_a_spare_lock_is_taken_outside_a_cache_below_a_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("TMPDIR", str(tmp_path / "tmp"))
    (tmp_path / "tmp").mkdir()
    (tmp_path / "a-file").touch()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "a-file" / "cache"))
    with pytest.raises(EnvironmentFault, match="a-file is a file, not a folder; move it away or"):
        locks.Lock("out", "k", "a test").acquire()  # a cache entry's lock still fails, in a line
    with locks.Lock("out", "k", "a test", spare=True) as lock:
        folder = tmp_path / "tmp" / f"fashionlab-locks-{os.getuid()}"
        assert lock.path.parent == folder and lock.path.is_file()
        assert folder.stat().st_mode & 0o777 == 0o700


@pytest.mark.parametrize("planted", ["open to others", "a symlink", "another owner"])
def test_a_spare_lock_folder_someone_else_could_reach_is_refused(planted, tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path))
    folder, elsewhere = tmp_path / f"fashionlab-locks-{os.getuid()}", tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    if planted == "open to others":
        folder.mkdir()
        folder.chmod(0o777)
    elif planted == "a symlink":
        folder.symlink_to(elsewhere)
    else:
        needs_root("giving a folder to another user needs root (CI runs as root)")
        folder.mkdir(mode=0o700)
        os.chown(folder, 65534, 65534)
    with pytest.raises(EnvironmentFault, match="this user's alone"):
        locks.spare_lock_folder()
    assert list(elsewhere.iterdir()) == []  # nothing written through the planted folder


def test_a_read_only_view_of_the_cache_still_waits_for_a_lock_held_through_a_writable_one() -> None:
    needs_root("mounting read-only needs root (CI runs as root)")
    with locks.Lock("out", "k", "a test", spare=True):  # held here, through the writable cache
        code = (
            "import logging, sys; from fashionlab.files import locks\n"
            "lock = locks.Lock('out', 'k', 'the test folder', spare=True)\n"
            "lock.acquire(notice=lambda text: (print(text, flush=True), sys.exit(0)))\n"
            "print('acquired')\n"
        )
        done = read_only(storage.cache_home(), code)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith(f"waiting for the test folder, held by process {os.getpid()}")


def test_a_lock_file_with_another_name_is_refused_not_written_through(tmp_path, monkeypatch):
    monkeypatch.setenv("TMPDIR", str(tmp_path / "no-such-folder"))  # and no spare either
    monkeypatch.setattr(
        locks,
        "spare_lock_folder",
        lambda: (_ for _ in ()).throw(EnvironmentFault("no temporary folder")),
    )
    victim = tmp_path / "victim"
    victim.write_text("precious")
    for spare in (False, True):
        lock = locks.Lock("out", f"k{spare}", "a test", spare=spare)
        lock.path.parent.mkdir(parents=True, exist_ok=True)
        lock.path.unlink(missing_ok=True)
        os.link(victim, lock.path)  # a hard link: the pid would be written into the victim
        with pytest.raises(EnvironmentFault, match="not a plain lock file"):
            lock.acquire()
        lock.path.unlink()
    assert victim.read_text() == "precious"


def test_a_fifo_where_a_lock_file_belongs_is_passed_over_not_waited_on(tmp_path, monkeypatch):
    """A hostile review: with a FIFO at the lock's path, the read-only fallback opened it and
    waited for a writer forever, silently."""
    monkeypatch.setattr(locks, "spare_lock_folder", lambda: tmp_path)
    lock = locks.Lock("out", "fifo", "a test", spare=True)
    lock.path.parent.mkdir(parents=True, exist_ok=True)
    lock.path.unlink(missing_ok=True)
    os.mkfifo(lock.path)
    done = threading.Event()

    def take() -> None:
        with lock:
            done.set()

    threading.Thread(target=take, daemon=True).start()
    assert done.wait(30), "the lock waited on the FIFO"
    assert lock.path.parent == tmp_path  # the spare folder's lock file was taken instead


def test_lock_files_do_not_pile_up() -> None:
    for index in range(200):
        with locks.Lock("out", f"/some/folder/{index}", "a test"):
            pass
    assert len(list((storage.cache_home() / "locks").iterdir())) <= locks.LOCK_BUCKETS


def test_a_killed_writers_leftovers_are_removed() -> None:
    key = keys.key_of("test", {"x": 1})
    folder = storage.cache_home() / "test"
    folder.mkdir(parents=True)
    dead = 2**22 + 4321
    (folder / f".{key}.{dead}.tmp").mkdir()
    (folder / f".x.npz.{dead}.part").write_text("half")
    cache.cached_json("test", key, lambda: [1])
    assert sorted(p.name for p in folder.iterdir()) == [key]


def test_entries_record_their_namespace_key_and_hashes() -> None:
    key = keys.key_of("test", {"x": 1})
    cache.cached_json("test", key, lambda: [1])
    manifest = json.loads((_entry(key) / "manifest.json").read_text())
    assert manifest["namespace"] == "test" and manifest["key"] == key
    assert set(manifest["files"]) == {"value.json"} and len(manifest["files"]["value.json"]) == 64


@pytest.mark.parametrize("value", ["relcache", " ", "./x"])
def test_a_relative_xdg_cache_home_is_ignored(
    value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", value)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert storage.cache_home() == tmp_path / "home" / ".cache" / "fashionlab"
    # a user who set it means something by it, and the CLI says so; a blank value is merely unset
    assert storage.ignored_cache_variable() == (None if value.isspace() else value)


@pytest.mark.parametrize("value", ["", "relhome", "./h"])
def test_an_empty_or_relative_home_gives_way_to_the_password_databases(
    value: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    """The hostile review: HOME= put the cache in /.cache (Python reads an empty home as /), and
    HOME=relhome in the folder a command ran from."""
    import pwd
    from types import SimpleNamespace

    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setenv("HOME", value)
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: SimpleNamespace(pw_dir=str(tmp_path / "db")))
    assert storage.cache_home() == tmp_path / "db" / ".cache" / "fashionlab"
    assert storage.ignored_home() == (value or None)  # said by the CLI; an empty one is unset
    monkeypatch.setattr(pwd, "getpwuid", lambda uid: SimpleNamespace(pw_dir=""))
    said = r"^\$HOME(='.*' is not an absolute path| is not set), and this user has no home"
    with pytest.raises(UsageError, match=said + r" .*; set \$HOME, or \$XDG_CACHE_HOME, to an"):
        storage.cache_home()
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))  # an absolute one needs no home
    assert storage.cache_home() == tmp_path / "xdg" / "fashionlab"


@pytest.mark.timeout(10)
@pytest.mark.parametrize("kind", ["a pipe", "a link to /dev/zero", "a folder"])
def test_a_blob_that_is_no_plain_file_is_discarded_at_once(kind: str) -> None:
    """A FIFO where a blob belongs hung the read (a hostile review's finding): now the entry is
    discarded and recomputed, within the 10 s timeout."""
    key = keys.key_of("test", {"x": 1})
    cache.cached_json("test", key, lambda: [1])
    blob = cache.entry_path("test", key) / "value.json"
    blob.unlink()
    if kind == "a pipe":
        os.mkfifo(blob)
    elif kind == "a folder":
        blob.mkdir()
    else:
        blob.symlink_to("/dev/zero")
    assert cache.cached_json("test", key, lambda: [2]) == ([2], False)
    assert cache.cached_json("test", key, lambda: [3]) == ([2], True)


def test_a_read_asks_only_for_the_memory_its_file_needs(tmp_path: Path) -> None:
    """``read_plain`` once asked Python for its whole limit (4 GiB) up front: under a memory limit,
    as on a shared server, every cache read failed with MemoryError (a code review's finding)."""
    (tmp_path / "small").write_bytes(b"abc")
    code = (
        "import resource, sys; from pathlib import Path; from fashionlab.files import storage\n"
        "resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
        "sys.stdout.write(storage.read_plain(Path(sys.argv[1])).decode())\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code, str(tmp_path / "small")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0 and done.stdout == "abc", done.stderr[-500:]


def test_a_stop_deferred_in_a_section_that_fails_is_not_raised_later() -> None:
    """An error leaving a critical section carries on alone; the stop it deferred is not raised by
    a later section (the CLI's STOP flag still holds it)."""
    from fashionlab import critical

    with pytest.raises(OSError, match="disk full"), critical.section():
        assert critical.defer()
        raise OSError("disk full")
    with critical.section():
        pass
    # a stop inside nested sections is raised at the outer one's end only
    with pytest.raises(KeyboardInterrupt), critical.section():
        with critical.section():
            assert critical.defer()
        assert critical.defer()
    assert not critical.defer()


def test_a_sub_key_is_the_same_for_a_tuple_and_a_list_and_differs_by_part() -> None:
    base = keys.key_of("test", {"x": 1})
    assert keys.sub_key(base, ("Pullover", "Coat")) == keys.sub_key(base, ["Pullover", "Coat"])
    assert keys.sub_key(base, ("Coat", "Pullover")) != keys.sub_key(base, ("Pullover", "Coat"))
    assert keys.sub_key(base, "a", [1]) != keys.sub_key(base, "a", [2])
    assert len(keys.sub_key(base)) == 32


def test_a_folder_that_cannot_be_made_names_what_stands_there(tmp_path: Path, monkeypatch) -> None:
    """A broken link is not called a file (the hostile review), and the blocker is named, not the
    folder below it."""
    (tmp_path / "a-file").write_text("")
    (tmp_path / "broken").symlink_to(tmp_path / "nowhere")
    with pytest.raises(EnvironmentFault, match=r"/a-file is a file, not a folder; move it away$"):
        storage.ensure_dir(tmp_path / "a-file" / "locks")
    with pytest.raises(EnvironmentFault) as caught:
        storage.ensure_dir(tmp_path / "broken" / "locks")
    assert str(caught.value) == (
        f"{tmp_path / 'broken'} is a link to {tmp_path / 'nowhere'}, "
        "which leads nowhere (or loops); move it away"
    )
    assert storage.ensure_dir(tmp_path / "fine" / "locks").is_dir()
    # above the cache, the file may be the user's own: the other way out is named too
    (tmp_path / "home").write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home" / "cache"))
    with pytest.raises(
        EnvironmentFault,
        match=r"/home is a file, not a folder; move it away or "
        r"point \$XDG_CACHE_HOME elsewhere$",
    ):
        storage.ensure_dir(tmp_path / "home" / "cache" / "fashionlab" / "locks")


def test_the_study_key_leaves_out_exactly_the_settings_marked_as_changing_no_result() -> None:
    """A run into another folder, titled otherwise, on other workers, is served the same study;
    one that computes otherwise is not (Config's SAME_RESULTS marks, which ``_study_key`` reads)."""
    from types import SimpleNamespace

    import numpy as np

    from fashionlab import app
    from fashionlab.config import Config

    data = SimpleNamespace(arrays=(np.zeros(3),))
    key = app._study_key(Config(), data)  # type: ignore[arg-type]
    elsewhere = Config(out="x", title="t", author="a", notebook=False, workers=1, verify=False)
    assert app._study_key(elsewhere, data) == key  # type: ignore[arg-type]
    for changed in (Config(points=500), Config(extras=False), Config(seed=1), Config(epochs=5)):
        assert app._study_key(changed, data) != key  # type: ignore[arg-type]
