"""Inter-process locks: a bounded set of ``flock`` files in the cache, or outside it when the cache
cannot hold them. Two commands that write one cache entry or one output folder at once take turns,
and the one that waits says which process it waits for.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import logging
import os
import stat
import time
from collections.abc import Callable
from pathlib import Path

from ..errors import EnvironmentFault
from .storage import cache_home, ensure_dir

log = logging.getLogger(__name__)
LOCK_BUCKETS = 16  # lock files per purpose: a bounded set, however many keys or folders are used


def spare_lock_folder() -> Path:
    """Lock files outside the cache, for a cache that cannot hold them (read-only, or below a
    file): ``fashionlab-locks-UID`` in ``$TMPDIR``, ``/tmp`` or ``/var/tmp`` (never the current
    folder, which may be the output), private to this user."""
    places = [os.environ.get("TMPDIR", ""), "/tmp", "/var/tmp"]
    base = next((Path(p) for p in places if p and os.path.isdir(p)), None)
    if base is None:
        raise EnvironmentFault("no temporary folder ($TMPDIR, /tmp or /var/tmp) for lock files")
    folder = base / f"fashionlab-locks-{os.getuid()}"
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700)
    info = folder.lstat()
    if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.getuid() or info.st_mode & 0o077:
        raise EnvironmentFault(
            f"{folder} is not a folder of this user's alone (mode 700); remove "
            "it, or make the cache writable"
        )
    return folder


_CREATE = os.O_RDWR | os.O_CREAT


def _open_plain(path: Path, flags: int, mode: int = 0o666) -> int:
    """Open ``path`` without following a symbolic link, and only if it is a regular file with no
    other name (a hard link would have the pid written through it into another file). It never
    waits to open: a FIFO there, opened read-only, would wait for a writer forever."""
    fd = os.open(path, flags | os.O_NOFOLLOW | os.O_NONBLOCK, mode)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        os.close(fd)
        raise EnvironmentFault(
            f"{path} is not a plain lock file (a link or a special file); remove it"
        )
    return fd


class Abandoned(Exception):
    """A wait for a lock given up because its waiter was told to stop."""


class Lock:
    """An inter-process lock (``flock``) from a bounded set of lock files in the cache.

    The holder writes its process id into the file, so a waiting process can say whom it waits
    for. The kernel releases the lock when its holder dies, ``kill -9`` included. A ``spare`` lock
    guards a write that does not need the cache. Where the cache cannot be written, it locks the
    cache's lock file if there is one (read-only: it still excludes processes that can write it),
    and otherwise takes a lock file in ``spare_lock_folder()``.
    """

    def __init__(self, purpose: str, key: str, what: str, *, spare: bool = False) -> None:
        bucket = int(hashlib.sha256(os.fsencode(key)).hexdigest(), 16) % LOCK_BUCKETS
        self.path = cache_home() / "locks" / f"{purpose}-{bucket:02d}.lock"
        self.what = what
        self.spare = spare
        self._fd: int | None = None
        self._writable = True

    def __enter__(self) -> Lock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    def _open(self) -> int:
        try:
            ensure_dir(self.path.parent)
            if self.path.is_dir():
                self._replace_empty_folder()
            return _open_plain(self.path, _CREATE)
        except (OSError, EnvironmentFault) as exc:
            if not self.spare:
                raise
            return self._open_spare(exc)

    def _replace_empty_folder(self) -> None:
        """A folder where the lock file belongs: replaced if empty; files in it are not ours."""
        try:
            self.path.rmdir()
        except (FileNotFoundError, NotADirectoryError):  # another process replaced it meanwhile
            return
        except OSError as exc:
            if exc.errno != errno.ENOTEMPTY:
                raise
            raise EnvironmentFault(
                f"{self.path} is a folder with files in it, where a lock file belongs; move it away"
            ) from None
        log.warning(
            "replaced the empty folder %s, which stood where a lock file belongs", self.path
        )

    def _open_spare(self, cause: Exception) -> int:
        # the cache's own lock file, read-only (not a folder, not a link)
        with contextlib.suppress(OSError, EnvironmentFault):
            fd = _open_plain(self.path, os.O_RDONLY)
            self._writable = False
            return fd
        try:
            folder = spare_lock_folder()
            log.info("no lock file in the cache (%s); locking in %s", cause, folder)
            self.path = folder / self.path.name
            return _open_plain(self.path, _CREATE, 0o600)
        except (OSError, EnvironmentFault) as exc:
            raise EnvironmentFault(
                f"no lock file can guard against {self.what}: the cache cannot "
                f"hold one ({cause}), nor can the temporary folder ({exc}); "
                "make the cache writable"
            ) from None

    def acquire(
        self,
        notice: Callable[[str], None] | None = None,
        every: float = 10.0,
        stopped: Callable[[], bool] | None = None,
    ) -> None:
        """Block until the lock is held; after 1 s, and every ``every`` s, say who holds it. Raise
        ``Abandoned`` once ``stopped()`` is true (a thread cannot be sent a Ctrl-C)."""
        notice = notice or log.warning
        fd = self._open()
        try:
            self._wait(fd, notice, every, stopped or (lambda: False))
        except BaseException:  # a Ctrl-C while waiting: the file is closed, never left open
            os.close(fd)
            raise
        self._fd = fd
        # who holds it, for a waiting process to say; a full disk loses only that
        if self._writable:
            with contextlib.suppress(OSError):
                os.ftruncate(fd, 0)
                os.pwrite(fd, str(os.getpid()).encode(), 0)

    def _wait(
        self, fd: int, notice: Callable[[str], None], every: float, stopped: Callable[[], bool]
    ) -> None:
        started, said = time.monotonic(), 0.0
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return
            except BlockingIOError:
                if stopped():
                    raise Abandoned(f"stopped while waiting for {self.what}") from None
                waited = time.monotonic() - started
                if waited >= 1.0 and waited - said >= (every if said else 0):
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                    notice(
                        f"waiting for {self.what}, held by process {holder} ({waited:.0f} s so far)"
                    )
                    said = waited
                time.sleep(0.1)

    def release(self) -> None:
        if self._fd is not None:
            if self._writable:
                with contextlib.suppress(OSError):
                    os.ftruncate(self._fd, 0)
            os.close(self._fd)  # closing releases the flock
            self._fd = None


def lock_for(target: Path) -> Lock:
    """The lock that guards writes to ``target``."""
    return Lock("file", str(target), f"another fashionlab process writing {target}")
