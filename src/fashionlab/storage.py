"""Where fashionlab keeps files, and how it writes them so that no reader ever sees half of one."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

from filelock import FileLock


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
        os.replace(temporary, target)
    finally:
        temporary.unlink(missing_ok=True)


def atomic_write_bytes(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` all at once or not at all."""
    with atomic_path(target) as temporary:
        temporary.write_bytes(data)


def lock_for(target: Path) -> FileLock:
    """An inter-process lock guarding writes to ``target`` (a sibling ``.lock`` file)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    return FileLock(str(target.parent / f".{target.name}.lock"))
