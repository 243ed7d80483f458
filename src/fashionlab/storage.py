"""Where fashionlab keeps files, and how it writes them so that no reader ever sees half of one."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from filelock import FileLock


def slug(parts: Sequence[str]) -> str:
    """A file-name-safe name: letters and digits of each part, joined by "_". No path can escape."""
    return "_".join("".join(ch for ch in part.lower() if ch.isalnum()) for part in parts)


def cache_home() -> Path:
    """The user cache: ``$XDG_CACHE_HOME/fashionlab``, else ``~/.cache/fashionlab``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "fashionlab"


@contextlib.contextmanager
def atomic_path(target: Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it into place only if the block succeeds.

    A crash, an exception or a signal leaves ``target`` as it was and removes the temporary file.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".part")
    os.close(fd)
    temporary = Path(name)
    try:
        yield temporary
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual mode
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def atomic_write_bytes(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` all at once or not at all."""
    with atomic_path(target) as temporary:
        temporary.write_bytes(data)


def lock_for(target: Path) -> FileLock:
    """An inter-process lock guarding writes to ``target`` (a sibling ``.lock`` file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(target.parent / f".{target.name}.lock"))


def output_lock(target: Path) -> FileLock:
    """A lock for swapping ``target`` in, kept in the cache so nothing is left beside the output."""
    import hashlib

    key = hashlib.sha256(str(target.resolve()).encode()).hexdigest()[:24]
    folder = cache_home() / "locks"
    folder.mkdir(parents=True, exist_ok=True)
    return FileLock(str(folder / f"{key}.lock"))


def _exchange(first: Path, second: Path) -> bool:
    """Atomically swap two paths with Linux's renameat2(RENAME_EXCHANGE); False if unsupported."""
    import ctypes
    import ctypes.util

    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange)
    return result == 0


@contextlib.contextmanager
def staged_directory(target: Path) -> Iterator[Path]:
    """Build a directory in a temporary sibling; swap it in for ``target`` only on success.

    An exception or signal inside the block leaves ``target`` exactly as it was. The swap itself is
    atomic where the kernel offers renameat2, and is done under a lock so that two processes writing
    the same ``target`` each leave a complete directory.
    """
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    stage = Path(tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp"))
    try:
        yield stage
        os.chmod(stage, 0o777 & ~_umask())
        with output_lock(target):
            if not target.exists():
                os.rename(stage, target)
            elif not _exchange(stage, target):
                old = Path(
                    tempfile.mkdtemp(dir=target.parent, prefix=f".{target.name}.", suffix=".old")
                )
                os.rename(target, old / "previous")
                os.rename(stage, target)
                shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(stage, ignore_errors=True)  # after an exchange it holds the old directory
