"""An output folder's path: it makes sense, and the folder (or the one it will be made in) really
takes new entries. ``outdir`` decides what may be replaced there; this module only checks the path.
"""

from __future__ import annotations

import os
from pathlib import Path

from .errors import UsageError
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
    length, limit = len(os.fsencode(path.absolute())), _path_max() - 1  # less its final NUL
    if length > limit:  # else "cannot follow" it below, with the path twice
        raise UsageError(
            f"argument {flag}: {text!r} is a path of {length:,} bytes, more than the "
            f"{limit:,} this system allows; pick a shorter path"
        )
    longest = max((len(os.fsencode(part)) for part in path.parts), default=0)
    limit = _name_max(path)
    if longest > limit:  # else refused only once the work is done
        raise UsageError(
            f"argument {flag}: {text!r} has a name of {longest} bytes, more than the "
            f"{limit} this file system allows; pick a shorter name"
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
    return real.exists() and (os.path.ismount(real) or real == Path.cwd().resolve())
