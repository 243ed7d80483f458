"""Where fashionlab keeps files, and how it writes them so that no reader ever sees half of one.

Everything fashionlab writes is created under a temporary name that carries the writer's process
id (``.NAME.PID.tmp`` or ``.NAME.PID.part``) and renamed into place when complete. A process killed
with ``kill -9`` leaves such a leftover behind; ``remove_leftovers`` deletes those whose process is
gone, and only those: a name without fashionlab's pattern is never touched.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import logging
import os
import re
import shutil
import stat
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from .errors import EnvironmentFault, UsageError

log = logging.getLogger(__name__)

CACHE_VARIABLE = "XDG_CACHE_HOME"
LOCK_BUCKETS = 16  # lock files per purpose: a bounded set, however many keys or folders are used
_LEFTOVER = re.compile(r"^\..+\.(\d+)\.(tmp|part)$")


def slug(parts: Sequence[str]) -> str:
    """A file-name-safe name: letters and digits of each part, joined by "_". No path can escape."""
    return "_".join("".join(ch for ch in part.lower() if ch.isalnum()) for part in parts)


def cache_home() -> Path:
    """The user cache: ``$XDG_CACHE_HOME/fashionlab``, else ``~/.cache/fashionlab``. A relative
    ``$XDG_CACHE_HOME`` is ignored, as the XDG specification says (it would make a cache in
    whatever folder a command runs from)."""
    given = os.environ.get(CACHE_VARIABLE, "")
    base = given if os.path.isabs(given) else str(Path.home() / ".cache")
    home = Path(base)
    for folder in (home, home / "fashionlab"):  # a file there is not fashionlab's to replace
        if (folder.exists() or folder.is_symlink()) and not folder.is_dir():
            raise UsageError(
                f"the cache folder {str(folder)!r} (from ${CACHE_VARIABLE}) is a file, not a "
                f"folder; move it away, or point ${CACHE_VARIABLE} at another folder"
            )
    return home / "fashionlab"


def ensure_dir(folder: Path) -> Path:
    """``mkdir -p``, repairing a cache path that is a file where a folder belongs."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        if _inside(folder, cache_home()) and folder.is_file():
            log.warning("replacing the file %s, which stood where a cache folder belongs", folder)
            folder.unlink()
            folder.mkdir(parents=True, exist_ok=True)
        else:
            raise EnvironmentFault(f"{folder} is a file, not a folder; remove it") from None
    return folder


def _inside(path: Path, folder: Path) -> bool:
    return path == folder or folder in path.parents


def temporary_name(target: Path, suffix: str = "tmp") -> Path:
    """A sibling of ``target`` that only this process uses, in the pattern leftovers are found by."""
    return target.parent / f".{target.name}.{os.getpid()}.{suffix}"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def remove_leftovers(folder: Path, prefix: str = ".",
                     proven: Callable[[Path], bool] | None = None) -> int:  # fmt: skip
    """Delete ``.NAME.PID.tmp`` and ``.NAME.PID.part`` entries of dead processes; return the count.

    ``prefix`` narrows the names considered. In a folder that is not fashionlab's own a name
    proves nothing (a user may have made it), so there ``proven`` must also confirm, from what
    an entry holds, that fashionlab wrote it.
    """
    removed = 0
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            match = _LEFTOVER.match(entry.name)
            if not entry.name.startswith(prefix) or match is None or _alive(int(match.group(1))):
                continue
            if proven is not None and not proven(entry):
                continue
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                entry.unlink(missing_ok=True)
            removed += 1
    if removed:
        log.info("removed %d leftovers of stopped runs in %s", removed, folder)
    return removed


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it into place only if the block succeeds.

    A crash, an exception or a signal leaves ``target`` as it was and removes the temporary file.
    """
    ensure_dir(target.parent)
    temporary = temporary_name(target, "part")
    try:
        yield temporary
        try:
            if temporary.exists():
                os.chmod(temporary, 0o666 & ~_umask())
            os.replace(temporary, target)
        except OSError as exc:
            raise fault(exc, target) from exc
    finally:
        temporary.unlink(missing_ok=True)


def atomic_write_bytes(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` all at once or not at all."""
    with atomic_path(target) as temporary:
        try:
            temporary.write_bytes(data)
        except OSError as exc:
            raise fault(exc, target) from exc


def fault(exc: OSError, path: Path) -> Exception:
    """An OSError as fashionlab's one-line error: full disk and read-only are the machine's fault."""
    if isinstance(exc, (EnvironmentFault, UsageError)):
        return exc
    reason = {errno.ENOSPC: "the disk is full", errno.EDQUOT: "the disk quota is exceeded",
              errno.EROFS: "the file system is read-only", errno.EACCES: "permission denied",
              errno.EPERM: "permission denied"}.get(exc.errno or 0, exc.strerror or str(exc))  # fmt: skip
    return EnvironmentFault(f"cannot write {path}: {reason}")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# --------------------------------------------------------------------------- locks


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
        raise EnvironmentFault(f"{folder} is not a folder of this user's alone (mode 700); remove "
                               "it, or make the cache writable")  # fmt: skip
    return folder


_CREATE = os.O_RDWR | os.O_CREAT


def _open_plain(path: Path, flags: int, mode: int = 0o666) -> int:
    """Open ``path`` without following a symbolic link, and only if it is a regular file with no
    other name (a hard link would have the pid written through it into another file)."""
    fd = os.open(path, flags | os.O_NOFOLLOW, mode)
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        os.close(fd)
        raise EnvironmentFault(f"{path} is not a plain lock file (a link or a special file); "
                               "remove it")  # fmt: skip
    return fd


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
                log.warning("replacing the folder %s, which stood where a lock file belongs",
                            self.path)  # fmt: skip
                shutil.rmtree(self.path, ignore_errors=True)
            return _open_plain(self.path, _CREATE)
        except (OSError, EnvironmentFault) as exc:
            if not self.spare:
                raise
            return self._open_spare(exc)

    def _open_spare(self, cause: Exception) -> int:
        with contextlib.suppress(OSError):  # the cache's own lock file, read-only
            fd = _open_plain(self.path, os.O_RDONLY)
            self._writable = False
            return fd
        try:
            folder = spare_lock_folder()
            log.info("no lock file in the cache (%s); locking in %s", cause, folder)
            self.path = folder / self.path.name
            return _open_plain(self.path, _CREATE, 0o600)
        except (OSError, EnvironmentFault) as exc:
            raise EnvironmentFault(f"no lock file can guard against {self.what}: the cache cannot "
                                   f"hold one ({cause}), nor can the temporary folder ({exc}); "
                                   "make the cache writable") from None  # fmt: skip

    def acquire(self, notice: Callable[[str], None] | None = None, every: float = 10.0) -> None:
        """Block until the lock is held; after 1 s, and every ``every`` s, say who holds it."""
        notice = notice or log.warning
        fd = self._open()
        started, said = time.monotonic(), 0.0
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                waited = time.monotonic() - started
                if waited >= 1.0 and waited - said >= (every if said else 0):
                    holder = os.pread(fd, 32, 0).decode(errors="replace").strip() or "unknown"
                    notice(f"waiting for {self.what}, held by process {holder} "
                           f"({waited:.0f} s so far)")  # fmt: skip
                    said = waited
                time.sleep(0.1)
        if self._writable:
            os.ftruncate(fd, 0)
            os.pwrite(fd, str(os.getpid()).encode(), 0)
        self._fd = fd

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


def directory_entries(folder: Path) -> Iterator[Path]:
    """Every file below ``folder`` (symlinks as files), in a stable order."""
    for entry in sorted(folder.rglob("*")):
        if entry.is_symlink() or not entry.is_dir():
            yield entry
