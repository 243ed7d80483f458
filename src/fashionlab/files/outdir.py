"""Report folders: fashionlab writes only into a new or empty folder, or over its own last report.

Every folder fashionlab writes holds ``fashionlab-manifest.json``, listing each file and its
SHA-256, and the kind of output it is (``KINDS``: which command wrote it). A folder is replaced
only when it does not exist, is empty, or holds exactly what its manifest lists, of the same kind;
anything else is refused, before any work, naming one foreign entry or the other kind.
The new report is built in a staging folder and swapped in at the end (``swap``: keeping its mode),
so an interrupted run leaves the previous report as it was. A stage left by a killed run is deleted
only if what it holds proves it fashionlab's: a name that looks like one proves nothing.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import hashlib
import json
import os
import reprlib
import shutil
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path

from .. import critical
from ..errors import UsageError
from . import outpath, swap
from .libraries import EVERY, library_folders
from .locks import Lock
from .outpath import check_writable, resolve
from .ownership import (
    MANIFEST,
    STAGE_MARK,
    STAGE_PREFIX,
    UNREADABLE,
    Foreign,
    anothers_manifest,
    find_foreign,
    held,
    is_our_stage,
    listed_files,
    written_by,
)
from .storage import (
    digest,
    directory_entries,
    fault,
    remove_leftovers,
    remove_unmarked_stages,
)

# What a folder holds, by the command that wrote it: no command replaces another's
KINDS = {
    "report": "a report of fashionlab run",
    "explore": "the output of fashionlab explore",
    "sweep": "a sweep of fashionlab sweep",
    "figures": "the figures of --plot",
}


def stage_path(real: Path, in_place: bool) -> Path:
    """Where the report for ``real`` is built: beside it (inside it where it cannot be renamed),
    named by a digest of its name, so that a long folder name still leaves room for the stage's."""
    if in_place:
        return real / f"{STAGE_PREFIX}{os.getpid()}.tmp"
    tag = hashlib.sha256(os.fsencode(real.name)).hexdigest()[:8]
    return real.parent / f"{STAGE_PREFIX}{tag}.{os.getpid()}.tmp"


def _check_kind(real: Path, kind: str, flag: str) -> None:
    other = written_by(real)
    if other not in (None, kind):
        what = KINDS.get(
            other, f"output of another fashionlab version (kind {reprlib.repr(other)})"
        )
        raise UsageError(
            f"argument {flag}: {str(real)!r} holds {what}, not {KINDS[kind]}; pick "
            "a new or empty folder"
        )


def _check_not_inside_an_output(real: Path, text: str, flag: str) -> None:
    """An output inside another would make the outer one hold what its manifest does not list,
    so that its own command refuses it from then on."""
    outer = next(
        (p for p in real.parents if (p / MANIFEST).is_file() and not anothers_manifest(p)), None
    )
    if outer is not None:
        what = KINDS.get(written_by(outer) or "", "fashionlab's output")
        raise UsageError(
            f"argument {flag}: {text!r} is inside {str(outer)!r}, which holds "
            f"{what}; pick a folder outside it"
        )


def _followed(label: str, folder: Path) -> Path:
    """``folder`` (the ``label`` a message names) with its links followed; one line for a loop."""
    try:
        return folder.resolve()
    except (RuntimeError, OSError) as exc:  # a symlink loop
        raise UsageError(
            f"the {label} {str(folder)!r} cannot be followed ({exc}); repair it "
            "or point its environment variable elsewhere"
        ) from None


def _check_no_library_inside(real: Path, text: str, flag: str, uses: Collection[str]) -> None:
    """A folder a library writes into during the work (``libraries``) must not be the output or
    lie inside it: the swap would then refuse what fashionlab did not write, after the work. An
    output inside one is no trouble (an empty ``$KERAS_HOME`` is the working folder)."""
    for label, folder in library_folders(uses).items():
        other = _followed(label, folder)  # a loop: else the library's traceback after the work
        if real == other or real in other.parents:
            where = "is" if real == other else "holds"
            raise UsageError(
                f"argument {flag}: {text!r} {where} the {label} {str(other)!r}, which the "
                "library writes into during the work; pick another folder, or point the "
                "library elsewhere"
            )


def check(
    text: str,
    protected: Mapping[str, Path],
    kind: str,
    flag: str = "--out",
    uses: Collection[str] = EVERY,
) -> Path:
    """Validate an output folder before any work, for output of ``kind`` by a command that
    ``uses`` those libraries (``libraries``); return its real path."""
    real = resolve(text, flag)
    for label, folder in protected.items():
        other = _followed(label, folder)
        if real == other or other in real.parents or real in other.parents:
            relation = (
                f"is the {label}" if real == other else f"overlaps the {label} {str(other)!r}"
            )
            raise UsageError(f"argument {flag}: {text!r} {relation}; pick a folder outside it")
    _check_not_inside_an_output(real, text, flag)
    if real.exists():
        foreign = find_foreign(real)
        if foreign is not None:
            raise _holding(flag, text, foreign)
        _check_kind(real, kind, flag)
    _check_no_library_inside(
        real, text, flag, uses
    )  # an empty folder, or a report: a library's too?
    check_writable(real, text, flag)
    return real


def _holding(flag: str, shown: str, found: Foreign, now: str = "") -> UsageError:
    """The refusal of a folder that holds what fashionlab may not replace (``now``: found there
    since the check before any work)."""
    return UsageError(
        f"argument {flag}: {shown!r} {now}holds {held(found)}; move it away, or pick a new or "
        "empty folder"
    )


def write_manifest(stage: Path, kind: str) -> None:
    files = {
        str(p.relative_to(stage)): digest(p.read_bytes())
        for p in directory_entries(stage)
        if p != stage / STAGE_MARK
    }
    text = json.dumps(
        {"tool": "fashionlab", "kind": kind, "files": files}, indent=1, sort_keys=True
    )
    (stage / MANIFEST).write_text(text + "\n")


def _replace_contents(real: Path, stage: Path) -> None:
    """Swap in, file by file: the old report's listed files out, the new ones in; nothing goes
    out where the new ones could not be renamed in (another mount: a rename fails with EXDEV)."""
    if not outpath.same_mount(stage, real):
        raise OSError(errno.EXDEV, "the report is built on another mount than the folder", real)
    with contextlib.suppress(*UNREADABLE):
        for name in listed_files(real):
            (real / name).unlink(missing_ok=True)
    for entry in sorted(real.iterdir(), reverse=True):
        if entry.is_dir() and not entry.is_symlink() and not is_our_stage(real, entry):
            with contextlib.suppress(OSError):
                for sub in sorted(entry.rglob("*"), reverse=True):
                    sub.rmdir()
                entry.rmdir()
    (real / MANIFEST).unlink(missing_ok=True)
    for entry in sorted(stage.iterdir(), key=lambda p: p.name == MANIFEST):
        os.replace(entry, real / entry.name)


def _swap(real: Path, stage: Path, in_place: bool, flag: str) -> None:
    if in_place:
        _replace_contents(real, stage)
    elif not real.exists():
        os.rename(stage, real)
    elif not swap.exchange(stage, real):
        _replace_contents(real, stage)
    elif (late := find_foreign(stage)) is not None:  # dropped into the old one since the check
        swap.exchange(stage, real)  # the old folder, and what was dropped in, go back
        raise _holding(flag, str(real), late, "now ")


@contextlib.contextmanager
def report_folder(real: Path, kind: str, flag: str = "--out", keep: bool = False) -> Iterator[Path]:
    """Yield an empty staging folder; on success it becomes ``real``, atomically where possible.

    ``real`` comes from ``check``. It is checked again under the folder's lock just before the
    swap, so a file a user dropped in meanwhile is never deleted. With ``keep``, the files
    fashionlab wrote there before (and that the stage does not replace) are carried over, under
    the same lock, so that two commands adding to one folder at once both keep theirs.
    """
    in_place = outpath.in_place(real)
    stage = stage_path(real, in_place)
    try:
        if not in_place:
            real.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise fault(exc, real) from exc
    remove_leftovers(stage.parent, STAGE_PREFIX, functools.partial(is_our_stage, stage.parent))
    remove_unmarked_stages(stage.parent, stage.name.removesuffix(f"{os.getpid()}.tmp"))
    if is_our_stage(stage.parent, stage):  # left by a dead process that had this one's id
        shutil.rmtree(stage)
    try:
        stage.mkdir()  # never one that is there already: the ``finally`` below deletes the stage
    except OSError as exc:
        raise fault(exc, real) from exc
    try:
        (stage / STAGE_MARK).write_bytes(b"")
        yield stage
        with Lock("out", str(real), f"another fashionlab process writing {real}", spare=True):
            foreign = find_foreign(real) if real.exists() else None
            if foreign is not None:
                raise _holding(flag, str(real), foreign, "now ")
            _check_kind(real, kind, flag)
            if keep and (real / MANIFEST).is_file():
                _carry_over(real, stage)
            write_manifest(stage, kind)
            (stage / STAGE_MARK).unlink()
            with critical.section():  # a swap file by file is never left half done
                _swap(real, stage, in_place, flag)
    except OSError as exc:
        if exc.errno == errno.EBUSY:
            raise UsageError(
                f"argument {flag}: {str(real)!r} is busy; pick another folder"
            ) from exc
        raise fault(exc, real) from exc
    finally:
        with critical.section():  # after an exchange it holds the old report: all of it goes,
            if stage.exists() and _only_ours(stage):  # unless a user's file is in it
                shutil.rmtree(stage, ignore_errors=True)


def _only_ours(stage: Path) -> bool:
    """A stage still being built (marked), or holding only what its manifest lists."""
    try:
        return (stage / STAGE_MARK).is_file() or find_foreign(stage) is None
    except OSError:
        return False


def _carry_over(real: Path, stage: Path) -> None:
    """Copy into ``stage`` the files ``real``'s manifest lists that ``stage`` does not hold."""
    for name in listed_files(real):
        if (real / name).is_file() and not (stage / name).exists():
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(real / name, stage / name)


def add_files(real: Path, files: Mapping[str, bytes], flag: str) -> None:
    """Write ``files`` (name -> bytes) into the folder ``real`` that ``check`` passed, keeping the
    files fashionlab wrote there before (``--plot`` folders collect several commands' figures).
    The folder is rebuilt beside the old one and swapped in, so it holds the old set or the new."""
    with report_folder(real, "figures", flag, keep=True) as stage:
        for name, blob in files.items():
            (stage / name).write_bytes(blob)
