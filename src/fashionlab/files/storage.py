"""Atomic writes, so that no reader ever sees half a file; and the folders fashionlab keeps
files in (the cache, a user's home), found and checked.

Everything fashionlab writes is created under a temporary name that carries the writer's process
id (``.NAME.PID.tmp`` or ``.NAME.PID.part``) and renamed into place when complete. A process killed
with ``kill -9`` leaves such a leftover behind; ``remove_leftovers`` deletes those whose process is
gone, and only those: a name without fashionlab's pattern is never touched.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import logging
import os
import re
import shutil
import stat
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from ..errors import EnvironmentFault, FashionLabError, UsageError
from .pathlimits import path_too_long

log = logging.getLogger(__name__)

CACHE_VARIABLE = "XDG_CACHE_HOME"
# The most a cache entry's path adds below $XDG_CACHE_HOME: fashionlab/, namespace, key, blob
_ENTRY_ROOM = 256
_LEFTOVER = re.compile(r"^\..+\.(\d+)\.(tmp|part)$")


def slug(parts: Sequence[str]) -> str:
    """A file-name-safe name: letters and digits of each part, joined by "_". No path can escape."""
    return "_".join("".join(ch for ch in part.lower() if ch.isalnum()) for part in parts)


def cache_home() -> Path:
    """The user cache: ``$XDG_CACHE_HOME/fashionlab``, else ``$HOME/.cache/fashionlab``. A relative
    ``$XDG_CACHE_HOME`` is ignored, as the XDG specification says (it would make a cache in
    whatever folder a command runs from), and so is an empty or relative ``$HOME``, for the home
    the password database names (Python takes an empty one for ``/``, a relative one for a folder
    where the command runs: the hostile review)."""
    given = os.environ.get(CACHE_VARIABLE, "")
    if os.path.isabs(given):
        home, source = Path(given), f"${CACHE_VARIABLE}"
    else:
        home, source = user_home() / ".cache", "$HOME"
    if os.path.exists(home) and not os.path.isdir(home):  # False where it cannot look
        raise UsageError(
            f"the cache folder {str(home)!r} (from {source}) is a file, not a folder; point "
            f"${CACHE_VARIABLE} at a folder"
        )
    too_long = path_too_long(home, room=_ENTRY_ROOM)
    if too_long:  # else a traceback from the first entry looked for (the hostile review)
        raise UsageError(
            f"the cache folder {str(home)!r} (from {source}) {too_long}; point "
            f"${CACHE_VARIABLE} at another folder"
        )
    mine = home / "fashionlab"
    if os.path.exists(mine) and not os.path.isdir(mine):  # a file there is not ours to replace
        raise UsageError(
            f"the cache folder {str(mine)!r} (from {source}) is a file, not a folder; move it "
            f"away, or point ${CACHE_VARIABLE} at another folder"
        )
    return mine


def user_home() -> Path:
    """``$HOME`` where it is an absolute path, else the home the password database names."""
    given = os.environ.get("HOME", "")
    if os.path.isabs(given):
        return Path(given)
    import pwd

    try:
        named = pwd.getpwuid(os.getuid()).pw_dir
    except KeyError:  # a user the database does not know (a container's)
        named = ""
    if not os.path.isabs(named):
        said = f"$HOME={given!r} is not an absolute path" if given else "$HOME is not set"
        raise UsageError(
            f"{said}, and this user has no home in the password database; set $HOME, or "
            f"${CACHE_VARIABLE}, to an absolute folder"
        )
    return Path(named)


def ignored_cache_variable() -> str | None:
    """``$XDG_CACHE_HOME`` when it is set to a relative path, which ``cache_home`` ignores; the CLI
    says so once (a blank value is merely unset)."""
    return _relative(CACHE_VARIABLE)


def ignored_home() -> str | None:
    """``$HOME`` when it is set to a relative path, which ``user_home`` ignores (blank: unset)."""
    return _relative("HOME")


def _relative(variable: str) -> str | None:
    """The environment variable's value where it is a relative path; None where it is absolute,
    blank or unset."""
    given = os.environ.get(variable, "")
    return given if given.strip() and not os.path.isabs(given) else None


def ensure_dir(folder: Path) -> Path:
    """``mkdir -p``; a file or a broken link where a folder belongs is left as it is, even inside
    fashionlab's cache, and named: fashionlab writes no file where it keeps a folder, so one there
    is someone else's. (At an entry's own place, a name fashionlab chose, ``cache.fetch`` replaces
    a file as a damaged entry.)"""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError):
        raise EnvironmentFault(_blocked(folder)) from None
    return folder


def _blocked(folder: Path) -> str:
    """What stands where ``folder`` or a folder above it belongs (a file, or a link that leads
    nowhere), and what to do: never "remove", since above the cache it may be the user's own."""
    for path in (*reversed(folder.parents), folder):
        if path.is_symlink() and not path.exists():
            what = f"{path} is a link to {os.readlink(path)}, which leads nowhere (or loops)"
        elif path.exists() and not path.is_dir():
            what = f"{path} is a file, not a folder"
        else:
            continue
        try:
            home = cache_home()
            above = _inside(folder, home) and not _inside(path, home)  # outside fashionlab's cache
        except FashionLabError:
            above = False
        return f"{what}; move it away" + (f" or point ${CACHE_VARIABLE} elsewhere" if above else "")
    return f"{folder} could not be made a folder; move away what stands there"


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


def remove_leftovers(
    folder: Path, prefix: str = ".", proven: Callable[[Path], bool] | None = None
) -> int:
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


def remove_unmarked_stages(folder: Path, prefix: str) -> None:
    """Delete the empty ``PREFIX.PID.tmp`` folders of dead processes: a stage that its run made,
    and was stopped (kill -9) before it wrote anything there. An empty folder proves nothing of
    itself, so only the name of one command's own stages is looked for (a digest of its output
    folder's name), and ``rmdir`` removes nothing but an empty folder."""
    with contextlib.suppress(OSError):
        for entry in folder.iterdir():
            name = entry.name
            pid = name.removeprefix(prefix).removesuffix(".tmp")
            ours = name.startswith(prefix) and name.endswith(".tmp") and pid.isdigit()
            if ours and not _alive(int(pid)):
                with contextlib.suppress(OSError):
                    entry.rmdir()


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
    reason = {
        errno.ENOSPC: "the disk is full",
        errno.EDQUOT: "the disk quota is exceeded",
        errno.EROFS: "the file system is read-only",
        errno.EACCES: "permission denied",
        errno.EPERM: "permission denied",
    }.get(exc.errno or 0, exc.strerror or str(exc))
    return EnvironmentFault(f"cannot write {path}: {reason}")


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


MANIFEST_LIMIT = 16 << 20  # a manifest holds names and hashes: 16 MB is some 100,000 files


def read_plain(path: Path, limit: int = 1 << 32) -> bytes:
    """The bytes of the regular file at ``path`` (a link to one is followed), at most ``limit``;
    ValueError for a pipe, a device, a folder or a larger file. The file is opened without
    blocking, so a FIFO put where a file was written never hangs the read."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError(f"{path.name} is not a regular file")
        if info.st_size > limit:
            raise ValueError(f"{path.name} holds more than {limit:,} bytes")
        with open(fd, "rb", closefd=False) as file:
            data = file.read(info.st_size + 1)  # one byte more shows a file that grew meanwhile
    finally:
        os.close(fd)
    if len(data) > min(limit, info.st_size):
        raise ValueError(f"{path.name} changed while it was read")
    return data


def present(path: Path) -> bool:
    """Whether ``path`` exists or is a link, as far as this user can see. False, not an error,
    where it cannot be looked at: Python 3.11's ``Path.exists`` raises for a name longer than the
    file system allows, and for one in a folder this user may not search. (A folder the user
    names is checked for access before its files are looked for: ``sources``.)"""
    try:
        return path.exists() or path.is_symlink()
    except OSError:
        return False


def nearest_existing(path: Path) -> Path:
    """``path`` itself, or the closest of its parents that exists (``present``)."""
    while not present(path) and path != path.parent:
        path = path.parent
    return path


def directory_entries(folder: Path) -> Iterator[Path]:
    """Every file below ``folder`` (symlinks as files), in a stable order."""
    for entry in sorted(folder.rglob("*")):
        if entry.is_symlink() or not entry.is_dir():
            yield entry
