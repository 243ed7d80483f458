"""``make clean``'s outputs: the default output folders removed only where fashionlab wrote all of
them, as every command decides (``ownership``); anything else is left, with one line saying why.

Run as ``python -m fashionlab.clean report explore``. It needs no installed package: ``make
clean`` runs it from ``src/`` with the system's Python, since it removes the venv too.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from .ownership import find_foreign, held


def clean(folder: Path) -> str | None:
    """Remove ``folder`` if fashionlab wrote everything in it and nobody changed it since; say what
    was done (None where there is no such folder)."""
    if not folder.exists() and not folder.is_symlink():
        return None
    if folder.is_symlink() or not folder.is_dir():
        return f"left {folder}: not a folder (fashionlab writes folders)"
    found = find_foreign(folder)
    if found is not None:
        return f"left {folder}/: it holds {held(found)}; delete it yourself if you mean to"
    shutil.rmtree(folder)
    return f"removed {folder}/ (fashionlab's own output)"


def main(argv: list[str]) -> int:
    for name in argv:
        said = clean(Path(name))
        if said is not None:
            print(said)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
