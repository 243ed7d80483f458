"""An output folder's path: it makes sense, and the folder (or the one it will be made in) really
takes new entries. ``outdir`` decides what may be replaced there; this module only checks the path.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

from ..errors import UsageError
from .pathlimits import path_too_long
from .storage import temporary_name


def resolve(text: str, flag: str = "--out") -> Path:
    """The real folder behind ``text``: symlinks followed, never replaced; checked for sense."""
    if not str(text).strip():
        raise UsageError(f"argument {flag}: must be a folder path, got {text!r}")
    try:
        path = Path(text).expanduser()
    except RuntimeError as exc:  # "~someone" who has no home here
        raise UsageError(
            f"argument {flag}: cannot expand {text!r} ({exc}); give the folder's full path"
        ) from None
    too_long = path_too_long(path)
    if too_long:  # else "cannot follow" it below, with the path twice, or refused after the work
        raise UsageError(f"argument {flag}: {text!r} {too_long}; pick a shorter one")
    for link in [*reversed(path.absolute().parents), path.absolute()]:
        if os.path.islink(link) and _leads_nowhere(link):  # else made as the link's target
            what = "is" if link == path.absolute() else f"goes through {str(link)!r},"
            raise UsageError(
                f"argument {flag}: {text!r} {what} a symlink to a missing folder; "
                "create its target or pick another folder"
            )
    try:
        real = path.resolve(strict=path.is_symlink())
    except FileNotFoundError:
        raise UsageError(
            f"argument {flag}: {text!r} is a symlink to a missing folder; "
            "create its target or pick another folder"
        ) from None
    except (RuntimeError, OSError) as exc:  # a symlink loop
        raise UsageError(
            f"argument {flag}: cannot follow {text!r} ({exc}); pick another folder"
        ) from None
    for parent in reversed(real.parents):
        if parent.exists() and not parent.is_dir():
            raise UsageError(
                f"argument {flag}: {str(parent)!r} is a file, so {text!r} cannot be "
                "a folder; pick a folder path"
            )
    if real.exists() and not real.is_dir():
        raise UsageError(f"argument {flag}: {text!r} is a file, not a folder; pick a folder path")
    return real


def _leads_nowhere(link: Path) -> bool:
    """A link whose target is missing (not one in a loop: ``resolve`` says that one)."""
    try:
        os.stat(link)
    except FileNotFoundError:
        return True
    except OSError:
        return False
    return False


def check_writable(real: Path, text: str, flag: str) -> None:
    """The folder, or the nearest folder above it that exists, must really take a new entry.

    A probe folder is made and removed, because ``os.access`` answers yes to root everywhere,
    even under ``/proc`` or on a read-only mount, and the error would come after all the work.
    The folders of a previous report, which are on the folder's own file system, are asked with
    ``os.access`` (a probe left there by a killed run would make the report look foreign)."""
    if real.exists():
        if not _can_create_in(real):
            raise UsageError(f"argument {flag}: {text!r} is not writable; pick another folder")
        below = next(
            (
                p
                for p in sorted(real.rglob("*"))
                if p.is_dir() and not p.is_symlink() and not os.access(p, os.W_OK | os.X_OK)
            ),
            None,
        )
        if below is not None:  # its old files could not be removed: they would be left behind
            raise UsageError(
                f"argument {flag}: {text!r} holds {str(below.relative_to(real))!r}, "
                "which is not writable; make it writable or pick another folder"
            )
        if not in_place(real) and not _can_create_in(real.parent):  # where the stage is built
            raise UsageError(
                f"argument {flag}: {text!r} is in a folder fashionlab cannot write "
                f"({str(real.parent)!r}), where it builds the new output beside the "
                "old; pick another folder"
            )
        return
    ancestor = next(p for p in real.parents if p.exists())
    if not _can_create_in(ancestor):
        raise UsageError(
            f"argument {flag}: cannot create {text!r}: {str(ancestor)!r} is not "
            "writable; pick another folder"
        )


def _can_create_in(folder: Path) -> bool:
    probe = temporary_name(folder / "fashionlab-probe")  # named as leftovers are
    try:
        probe.mkdir()
    except FileExistsError:
        return True
    except OSError:
        return False
    probe.rmdir()
    return True


def in_place(real: Path) -> bool:
    """A folder that cannot be renamed: a mount point, the root or the current directory."""
    return real.exists() and (
        os.path.ismount(real) or real == Path.cwd().resolve() or real in mount_points()
    )


def mount_points(table: Path = Path("/proc/self/mountinfo")) -> set[Path]:
    """Every mount point this process sees. ``os.path.ismount`` compares a folder's device with
    its parent's, so a bind mount of the same file system (a Docker volume) passes for a plain
    folder, and a report built beside it cannot be renamed into it (a hostile review)."""
    try:
        lines = table.read_bytes().splitlines()
    except OSError:
        return set()
    return {_unescaped(line.split(b" ")[4]) for line in lines if line.count(b" ") >= 4}


def _unescaped(field: bytes) -> Path:
    """mountinfo's path: a space, tab, newline or backslash in it is written as \\ooo (octal)."""
    return Path(os.fsdecode(re.sub(rb"\\([0-7]{3})", lambda m: bytes([int(m[1], 8)]), field)))


def same_mount(first: Path, second: Path) -> bool:
    """Whether two real paths lie on one mount, so that a rename between them can work (the
    system's table read once); True where the system does not say."""
    points = mount_points()
    return mount_of(first, points) == mount_of(second, points)


def mount_of(path: Path, points: set[Path]) -> Path | None:
    """The deepest mount point of ``points`` that holds ``path`` (a real path)."""
    return max((m for m in points if m == path or m in path.parents), default=None)
