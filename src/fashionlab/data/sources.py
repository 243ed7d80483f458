"""Where the four Fashion-MNIST files are looked for, in order, and what to do about a bad copy.

========  =====================================================  ==============================
source    folder                                                 a missing or bad file there
========  =====================================================  ==============================
data_dir  ``data_dir=`` or ``--data-dir``, the only source       is an error; nothing downloads
env       ``$FASHIONLAB_DATA``, the only source                  is an error; nothing downloads
cache     ``$XDG_CACHE_HOME/fashionlab`` (``~/.cache/...``)      is skipped with one warning
keras     ``$KERAS_HOME/datasets/fashion-mnist`` (``~/.keras``)  is skipped with one warning
system    ``/usr/share/datasets/fashion-mnist`` (Debian)         is skipped with one warning
========  =====================================================  ==============================

Without an explicit folder, a file that no source holds in verified form is downloaded into the
cache (see ``download``). Keras's cache comes after ours: both are the user's own copies, and ours
is the one fashionlab itself wrote; both come before the system folder, as user settings come
before system ones. Keras's own fallback, ``/tmp/.keras`` when the home folder is read-only, is
not searched: anyone may write to ``/tmp``, and ``--no-verify`` would then trust what they left.
Nothing found in any source is ever deleted; only a download may replace a bad cache copy.
"""

from __future__ import annotations

import contextlib
import errno
import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError, FashionLabError
from ..files.storage import cache_home, nearest_existing, user_home

SYSTEM_DATA_DIR = Path("/usr/share/datasets/fashion-mnist")  # Debian's dataset-fashion-mnist
ENV_DATA_DIR = "FASHIONLAB_DATA"
ENV_KERAS_HOME = "KERAS_HOME"  # as Keras reads it: the folder that holds ``datasets/``
KERAS_SUBDIR = Path("datasets") / "fashion-mnist"  # keras.datasets.fashion_mnist's cache_subdir
DEBIAN_PACKAGE = "dataset-fashion-mnist"
HOLDS = "give the folder that holds the four official .gz files"


@dataclass(frozen=True)
class Source:
    """One folder to look in, and the fix to suggest for a bad file found there."""

    name: str  # "data_dir", "env", "cache", "keras" or "system"
    folder: Path
    remedy: str

    @property
    def explicit(self) -> bool:
        """An explicit folder is the only source: a bad or missing file there is an error."""
        return self.name in ("data_dir", "env")


def keras_datasets_dir() -> Path | None:
    """Where ``keras.datasets.fashion_mnist.load_data()`` keeps its downloads; None where
    ``$KERAS_HOME`` names a home this system does not know."""
    given = os.environ.get(ENV_KERAS_HOME)
    home = user_path(given) if given else user_home() / ".keras"  # $HOME as the cache's
    return None if home is None else home / KERAS_SUBDIR


def user_path(text: str | os.PathLike[str]) -> Path | None:
    """A folder a user named, ``~`` as their home (as for ``--out``, even where quoted); None
    where this system knows no such home (``~nobody/x``), which names no folder."""
    try:
        return Path(text).expanduser()
    except RuntimeError:  # "~someone" who has no home here
        return None


def named_folders(data_dir: str | os.PathLike[str] | None) -> dict[str, Path]:
    """Every folder the data may be read from, unchecked and whether searched or not: ``data_dir``
    and ``$FASHIONLAB_DATA`` where given, Keras's, the system's and the cache."""
    named = {
        "data folder": user_path(data_dir) if data_dir else None,
        f"${ENV_DATA_DIR} folder": user_path(os.environ[ENV_DATA_DIR])
        if os.environ.get(ENV_DATA_DIR)
        else None,
        "keras data folder": keras_datasets_dir(),
        "system data folder": SYSTEM_DATA_DIR,
    }
    with contextlib.suppress(FashionLabError):  # a misconfigured cache is said elsewhere
        named["cache data folder"] = cache_home()
    return {name: folder for name, folder in named.items() if folder is not None}


def _named(flag: str, folder: str | os.PathLike[str]) -> str:
    """A folder as the user gave it: a flag's value as argparse names one, or a variable's."""
    return (
        f"argument {flag}: {str(folder)!r}" if flag.startswith("-") else f"{flag} {str(folder)!r}"
    )


def _explicit(name: str, text: str | os.PathLike[str], flag: str) -> Source:
    """The one folder a user named; a home this system does not know is said so."""
    folder = user_path(text)
    if folder is None:
        raise DataError(
            f"{_named(flag, text)}: no such home folder on this system; give the folder's full path"
        )
    remedy = f"replace it with the official file, or point {flag} at another folder"
    return Source(name, _existing_folder(folder, flag), remedy)


def search_path(data_dir: str | os.PathLike[str] | None = None) -> list[Source]:
    """The folders to look in, in order (see the table above)."""
    if data_dir is not None:
        return [_explicit("data_dir", data_dir, "--data-dir")]
    if os.environ.get(ENV_DATA_DIR):
        return [_explicit("env", os.environ[ENV_DATA_DIR], f"${ENV_DATA_DIR}")]
    keras = keras_datasets_dir()
    sources = [
        *([Source("keras", keras, "delete it so Keras downloads it again")] if keras else []),
        Source("system", SYSTEM_DATA_DIR, f"reinstall Debian's {DEBIAN_PACKAGE} package"),
    ]
    try:
        cache = cache_home()
    except FashionLabError:  # a misconfigured cache is reported if a download is needed
        return sources
    return [Source("cache", cache, "a download replaces it if no other copy verifies"), *sources]


def _existing_folder(folder: Path, flag: str) -> Path:
    """``folder`` if it is a directory; else an error that says what it is instead."""
    try:
        is_dir = folder.is_dir()
    except OSError as exc:  # Python 3.11's is_dir raises, for a name longer than the system takes
        what = "no such folder" if exc.errno == errno.ENAMETOOLONG else "cannot be read"
        raise DataError(
            f"{_named(flag, folder)}: {what} ({exc.strerror or exc}); {HOLDS}"
        ) from None
    if is_dir and not os.access(folder, os.R_OK | os.X_OK):
        raise DataError(
            f"{_named(flag, folder)}: a folder this user may not open; chmod u+rx it if it is "
            f"yours, else ask its owner, or point {flag} at another folder"
        )
    if is_dir:
        return folder
    if folder.is_symlink() and not folder.exists():  # a link that leads nowhere, or in a circle
        looped = False
        try:
            folder.resolve(strict=True)
        except RuntimeError:  # Python 3.11's word for a symlink loop; later ones raise ELOOP
            looped = True
        except OSError as exc:
            looped = exc.errno == errno.ELOOP
        where = "leads in a circle" if looped else "leads to a folder that does not exist"
        raise DataError(f"{_named(flag, folder)}: a link that {where}; {HOLDS}")
    found = nearest_existing(folder)
    if found == folder:
        raise DataError(f"{_named(flag, folder)}: is a file, not a folder; {HOLDS}")
    if not found.is_dir():
        what = "a link that leads to no folder" if found.is_symlink() else "a file"
        raise DataError(
            f"{_named(flag, folder)}: no such folder ({str(found)!r} is {what}, not a folder); "
            f"{HOLDS}"
        )
    raise DataError(f"{_named(flag, folder)}: no such folder; {HOLDS}")


def check_download_folder(folder: Path) -> None:
    """Refuse, with the real reason, a cache folder that cannot be created or written."""
    found = nearest_existing(folder)
    fix = "set $XDG_CACHE_HOME to a writable folder, or pass --data-dir"
    try:
        folder.exists()  # Python 3.11 raises for a name longer than the file system takes
    except OSError as exc:
        raise DataError(
            f"cannot download into {str(folder)!r} ({exc.strerror or exc}); {fix}"
        ) from None
    if not found.is_dir():
        if found == cache_home() or cache_home() in found.parents:
            return  # inside our own cache: storage repairs it
        raise DataError(
            f"cannot download into {str(folder)!r}: {str(found)!r} is a file, not a folder; move it, or {fix}"
        )
    if not os.access(found, os.W_OK | os.X_OK):
        raise DataError(
            f"cannot download into {str(folder)!r}: {str(found)!r} is not writable; {fix}"
        )
