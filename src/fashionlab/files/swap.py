"""Swapping a new folder in for an old one in one step, keeping what the user set on the old one.

Linux's renameat2(RENAME_EXCHANGE) exchanges two paths atomically, so a reader sees the old folder
or the new, never neither. The new folder first takes the old one's mode and group. Where it
cannot look the same (another user's folder, or one with an ACL), or the system cannot exchange,
``exchange`` declines and the caller refills the old folder in place instead.
"""

from __future__ import annotations

import contextlib
import ctypes
import ctypes.util
import os
import stat
from pathlib import Path


def exchange(new: Path, old: Path) -> bool:
    """Put ``new`` where ``old`` is, and ``old`` where ``new`` was, looking as ``old`` did; False,
    with nothing moved, where that cannot be done."""
    return _takes_its_place(new, old) and _renameat2_exchange(new, old)


def _takes_its_place(new: Path, old: Path) -> bool:
    """Give ``new`` the mode and group of ``old``; False where it cannot look the same."""
    found = old.stat()
    if found.st_uid != os.geteuid() or has_acl(old):
        return False
    try:
        if new.stat().st_gid != found.st_gid:
            os.chown(new, -1, found.st_gid)
        os.chmod(new, stat.S_IMODE(found.st_mode))
    except OSError:
        return False
    return True


def has_acl(folder: Path) -> bool:
    """Whether ``folder`` carries a POSIX ACL, which a new folder could not copy faithfully."""
    with contextlib.suppress(OSError):  # no extended attributes here
        return any(name.startswith("system.posix_acl") for name in os.listxattr(folder))
    return False


def _renameat2_exchange(first: Path, second: Path) -> bool:
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    return (
        renameat2(at_fdcwd, os.fsencode(first), at_fdcwd, os.fsencode(second), rename_exchange) == 0
    )
