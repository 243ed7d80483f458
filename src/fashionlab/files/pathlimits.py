"""How long a path and each name in it may be: checked before any work, since the system says
so only when a file is opened (ENAMETOOLONG, after the work, in a traceback)."""

from __future__ import annotations

import os
from pathlib import Path


def _path_max() -> int:
    """The longest path, in bytes with its final NUL, that this system takes (Linux: 4,096)."""
    try:
        return os.pathconf("/", "PC_PATH_MAX")
    except (OSError, ValueError):
        return 4096


def _name_max(path: Path) -> int:
    """The longest name, in bytes, that the file system holding ``path`` takes."""
    candidates = [path.absolute(), *path.absolute().parents]
    existing = next((p for p in candidates if os.path.exists(p)), None)  # False for a long name
    try:
        return os.pathconf(existing or "/", "PC_NAME_MAX")
    except (OSError, ValueError):
        return 255


def path_too_long(path: Path, room: int = 0) -> str | None:
    """Why no file system call takes ``path`` (with ``room`` bytes more below it), in words; None
    if it is short enough."""
    length, limit = len(os.fsencode(path.absolute())), _path_max() - 1 - room  # less its NUL
    if length > limit:
        below = f", leaving {room} bytes for the files below it" if room else ""
        return f"is a path of {length:,} bytes, more than the {limit:,} this system allows{below}"
    longest, limit = (
        max((len(os.fsencode(part)) for part in path.parts), default=0),
        _name_max(path),
    )
    if longest > limit:
        return f"has a name of {longest} bytes, more than the {limit} this file system allows"
    return None
