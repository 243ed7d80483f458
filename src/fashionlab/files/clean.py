"""``make clean``'s outputs: the default output folders removed only where fashionlab wrote all of
them, as every command decides (``ownership``); anything else is left, with one line saying why.

Run as ``python -m fashionlab.files.clean report explore``. It needs no installed package: ``make
clean`` runs it from ``src/`` with the system's Python, after removing the venv.
"""

from __future__ import annotations

import functools
import sys
from pathlib import Path

from ..errors import FashionLabError
from .locks import Lock
from .ownership import (
    MANIFEST,
    STAGE_PREFIX,
    find_foreign,
    held,
    is_our_stage,
    listed_files,
    listed_folders,
)
from .storage import remove_leftovers


def clean(folder: Path) -> str | None:
    """Remove ``folder`` if fashionlab wrote everything in it and nobody changed it since; say what
    was done (None where there is no such folder). It holds the lock a command writing there
    takes, and removes the manifest last: stopped part-way, what is left is still known as
    fashionlab's, so a second ``make clean`` finishes the job."""
    if not folder.exists() and not folder.is_symlink():
        return None
    if folder.is_symlink() or not folder.is_dir():
        return f"left {folder}: not a folder (fashionlab writes folders)"
    real = folder.resolve()
    with Lock("out", str(real), f"another fashionlab process writing {real}", spare=True):
        found = find_foreign(folder)
        if found is not None:
            return f"left {folder}/: it holds {held(found)}; delete it yourself if you mean to"
        empty = not any(folder.iterdir())
        try:
            _remove(folder)
        except OSError as exc:
            return (
                f"left {folder}/ in part: {exc.strerror or exc} ({exc.filename}); what is left "
                "is still fashionlab's, so `make clean` can finish once that is fixed"
            )
    return (
        f"removed {folder}/ (it was empty)"
        if empty
        else f"removed {folder}/ (fashionlab's own output)"
    )


def _remove(folder: Path) -> None:
    """The stages that stopped runs left inside (as a command writing there removes them: never a
    running command's), the listed files, their folders, the manifest, then the folder itself
    (empty by now, unless a running command is building its report inside)."""
    remove_leftovers(folder, STAGE_PREFIX, functools.partial(is_our_stage, folder))
    listed = listed_files(folder) if (folder / MANIFEST).is_file() else {}
    for name in listed:
        (folder / name).unlink(missing_ok=True)
    for below in sorted(listed_folders(listed), key=lambda name: -len(Path(name).parts)):
        if (folder / below).is_dir():
            (folder / below).rmdir()
    (folder / MANIFEST).unlink(missing_ok=True)
    folder.rmdir()


def main(argv: list[str]) -> int:
    # a name's byte that is not UTF-8 as its escape, whatever PYTHONIOENCODING says, rather
    # than an error after the folder is gone
    sys.stdout.reconfigure(errors="backslashreplace")  # type: ignore[union-attr]
    for name in argv:
        try:
            said = clean(Path(name))
        except FashionLabError as exc:  # the lock could not be taken
            said = f"left {name}: {exc}"
        if said is not None:
            print(said)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
