"""Fashion-MNIST: the four official files, where to find them, how to check them, how to parse them.

Their labels 0 to 9 are T-shirt/top, Trouser, Pullover, Dress, Coat, Sandal, Shirt, Sneaker, Bag
and Ankle boot (``CLASS_NAMES``).

Every file is checked against a pinned SHA-256 on every load, from any source. A file verifies
when either its gzip archive matches the official archive, or its decompressed IDX payload
matches the official payload (repackaged copies, such as Debian's ``dataset-fashion-mnist``,
carry a different gzip header around the very same bytes).

The files are looked for in the folders that ``sources`` lists, parsed by ``idx`` and, where no
folder holds a verified copy, downloaded by ``download``; those names are re-exported here.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import config
from ..errors import ChecksumError, DataError, DataFormatError, DownloadError
from ..files.locks import lock_for
from ..files.storage import cache_home, present
from . import download
from .download import ENV_MIRRORS, MIRRORS, mirrors_from_env
from .idx import (
    IMAGES_MAGIC,
    LABELS_MAGIC,
    MAX_ARCHIVE_BYTES,
    MAX_PAYLOAD_BYTES,
    decode_idx,
    encode_idx,
    idx_header,
    read_archive,
    shown,
)
from .official import FILES, RemoteFile
from .sources import (
    DEBIAN_PACKAGE,
    ENV_DATA_DIR,
    ENV_KERAS_HOME,
    SYSTEM_DATA_DIR,
    Source,
    check_download_folder,
    keras_datasets_dir,
    search_path,
)

__all__ = [
    "CLASS_NAMES",
    "DEBIAN_PACKAGE",
    "ENV_DATA_DIR",
    "ENV_KERAS_HOME",
    "ENV_MIRRORS",
    "FILES",
    "IMAGES_MAGIC",
    "LABELS_MAGIC",
    "MAX_ARCHIVE_BYTES",
    "MAX_PAYLOAD_BYTES",
    "MIRRORS",
    "SYSTEM_DATA_DIR",
    "LoadedFile",
    "RemoteFile",
    "Source",
    "decode_idx",
    "encode_idx",
    "keras_datasets_dir",
    "load_fashion_mnist",
    "locate",
    "mirrors_from_env",
    "read_file",
    "search_path",
]

log = logging.getLogger(__name__)

CLASS_NAMES = config.CLASS_NAMES  # the labels 0-9, in the order of the files


@dataclass(frozen=True)
class LoadedFile:
    """Where one file was found and how it was checked."""

    key: str
    path: Path
    source: str  # "data_dir", "env", "cache", "keras", "system" or "download"
    verified: str  # "archive sha256", "payload sha256" or "not checked" (--no-verify)
    array: np.ndarray


# --------------------------------------------------------------------------- checking one file

REPLACE = "replace it with the official file"
_MIXED: set[tuple[str, ...]] = set()  # the folders unchecked files came from, said once each
MIXED = (
    "the four files come from %d folders (%s) and --no-verify checks none of them, so they may "
    "not belong together; give --data-dir one folder that holds all four"
)


def read_file(
    path: Path, spec: RemoteFile, *, verify: bool = True, remedy: str = REPLACE
) -> tuple[np.ndarray, str]:
    """Read, verify and parse one file; return the array and how it was verified.

    Every error names the file and ends with ``remedy``, the fix that suits where it was found.
    """
    try:
        return _read_file(path, spec, verify, remedy)
    except DataFormatError as exc:
        raise DataFormatError(f"{exc}; {remedy}") from None


def is_official(array: np.ndarray, spec: RemoteFile) -> bool:
    """Whether a decoded array is the official file's content: the SHA-256 of the decompressed
    file (its IDX header, then the data), which any faithful copy shares whatever its gzip."""
    payload = hashlib.sha256(idx_header(array))
    payload.update(np.ascontiguousarray(array).data)
    return payload.hexdigest() == spec.payload_sha256


def official_payload(spec: RemoteFile, archive: bytes) -> bool:
    """Whether ``archive`` holds the official file's content in any gzip wrapper, as a mirror of
    Debian's repackaged files does: the check a local copy passes by ``is_official``."""
    try:
        return is_official(decode_idx(archive, spec.filename), spec)
    except DataFormatError:
        return False


def _read_file(path: Path, spec: RemoteFile, verify: bool, remedy: str) -> tuple[np.ndarray, str]:
    archive = read_archive(path)
    archive_ok = verify and hashlib.sha256(archive).hexdigest() == spec.sha256
    array = decode_idx(archive, str(path))
    how = "not checked"
    if archive_ok:
        how = "archive sha256"
    elif verify:
        if not is_official(array, spec):
            raise ChecksumError(
                f"{shown(path)}: SHA-256 does not match the official {spec.filename}; {remedy}, "
                "or pass --no-verify to use a deliberately different copy"
            )
        how = "payload sha256"
    _check_shape(path, spec, array)
    return array, how


def _check_shape(path: Path, spec: RemoteFile, array: np.ndarray) -> None:
    expected_ndim = 3 if spec.magic == IMAGES_MAGIC else 1
    if array.ndim != expected_ndim:
        raise DataFormatError(
            f"{shown(path)}: has {array.ndim} dimensions, expected {expected_ndim} for {spec.filename}"
        )
    if spec.magic == IMAGES_MAGIC and array.shape[1:] != (28, 28):
        raise DataFormatError(f"{shown(path)}: images are {array.shape[1:]}, expected (28, 28)")
    if spec.magic == LABELS_MAGIC and array.size and int(array.max()) > 9:
        raise DataFormatError(f"{shown(path)}: label {int(array.max())} is outside 0-9")


# --------------------------------------------------------------------------- finding the files


def locate(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    verify: bool = True,
    mirrors: tuple[str, ...] | None = None,
) -> dict[str, LoadedFile]:
    """Find, verify and parse the four files, downloading into the cache what no folder holds.

    An explicit ``data_dir`` (or ``$FASHIONLAB_DATA``) must hold all four files and never
    downloads. Otherwise each file comes from the first of the user cache, Keras's cache and the
    system folder that holds a copy that verifies; a bad copy is skipped with one warning, never
    deleted. ``mirrors`` defaults to ``$FASHIONLAB_MIRRORS``, else ``MIRRORS``.
    """
    sources = search_path(data_dir)
    if sources[0].explicit:
        _check_complete(sources[0])
    found = {key: _find(key, spec, sources, verify, mirrors) for key, spec in FILES.items()}
    _check_counts(found)
    folders = tuple(sorted({str(file.path.parent) for file in found.values()}))
    if not verify and len(folders) > 1 and folders not in _MIXED:  # said once: a run locates
        _MIXED.add(folders)  # the files several times
        log.warning(MIXED, len(folders), ", ".join(folders))
    return found


def _check_complete(source: Source) -> None:
    """An explicit folder holds all four files: the missing ones named at once, not one a run,
    with any folder under a file's name (a link or a pipe there is said when it is read)."""
    paths = [source.folder / spec.filename for spec in FILES.values()]
    missing = [path.name for path in paths if not present(path)]
    others = [path.name for path in paths if path.is_dir()]
    if missing or others:
        raise _missing(source, missing, others)


def _missing(source: Source, names: list[str], others: Sequence[str] = ()) -> DataError:
    """The error for files an explicit folder lacks (``others``: folders there under their names),
    naming the folder as its user gave it."""
    named = f"${ENV_DATA_DIR} " if source.name == "env" else ""  # --data-dir: the CLI's
    said = [f"{', '.join(names)} {'is' if len(names) == 1 else 'are'} missing"] if names else []
    if others:
        kind = "is a folder, not a file" if len(others) == 1 else "are folders, not files"
        said.append(f"{', '.join(others)} {kind}")
    one = len(names) + len(others) == 1
    fix = f"copy {'the official file' if one else 'the official files'} there"
    if others:  # a folder in the way is moved, not overwritten
        fix = f"move {'that folder' if len(others) == 1 else 'those folders'} away and {fix}"
    return DataError(f"{named}{str(source.folder)!r}: {', and '.join(said)}; {fix}")


def _find(
    key: str, spec: RemoteFile, sources: list[Source], verify: bool, mirrors: tuple[str, ...] | None
) -> LoadedFile:
    """The first verified copy of one file, else a fresh download into the cache."""
    skipped = 0
    for source in sources:
        path = source.folder / spec.filename
        if not present(path):  # a name too long for the file system is no copy either
            continue
        try:
            array, how = read_file(path, spec, verify=verify, remedy=source.remedy)
        except DataError as exc:
            if source.explicit:
                raise
            log.warning("skipping %s; trying the next source", exc)
            skipped += 1
            continue
        return LoadedFile(key, path, source.name, how, array)
    if sources[0].explicit:  # gone since _check_complete looked
        raise _missing(sources[0], [spec.filename])
    folders = ", ".join(str(source.folder) for source in sources)
    where = f"{spec.filename}: no verified copy in {folders}" + (
        f" ({skipped} bad {'copy' if skipped == 1 else 'copies'} skipped, see the warnings)"
        if skipped
        else ""
    )
    try:
        return _download(key, spec, verify, mirrors)
    except DownloadError as exc:
        raise DownloadError(f"{where}, and {exc}") from None


def _download(
    key: str, spec: RemoteFile, verify: bool, mirrors: tuple[str, ...] | None
) -> LoadedFile:
    """Download ``spec`` into the cache, replacing any bad copy there atomically."""
    target = cache_home() / spec.filename
    check_download_folder(target.parent)
    with lock_for(target):
        if target.exists():  # another process may have downloaded it while this one waited
            try:
                array, how = read_file(target, spec, verify=verify)
                return LoadedFile(key, target, "cache", how, array)
            except DataError:
                pass  # the bad copy skipped before: the download below replaces it
        download.fetch(spec, target, mirrors, payload=functools.partial(official_payload, spec))
    array, how = read_file(target, spec, verify=verify)
    return LoadedFile(key, target, "download", how, array)


def _check_counts(found: dict[str, LoadedFile]) -> None:
    for split in ("train", "test"):
        images, labels = found[f"{split}_images"], found[f"{split}_labels"]
        if len(images.array) == 0:
            raise DataFormatError(f"{images.path} holds no images; {REPLACE}")
        if len(images.array) != len(labels.array):
            raise DataFormatError(
                f"{images.path} holds {len(images.array)} images but {labels.path} holds "
                f"{len(labels.array)} labels; replace both with the official files"
            )


def load_fashion_mnist(
    data_dir: str | os.PathLike[str] | None = None, *, verify: bool = True
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load Fashion-MNIST as uint8 arrays in the official order.

    Returns
    -------
    (train_images, train_labels), (test_images, test_labels)
        Shapes (60000, 28, 28), (60000,), (10000, 28, 28), (10000,); labels in 0-9.
    """
    if not isinstance(verify, bool):  # verify="no" would verify, and a user meant the opposite
        raise TypeError(f"verify must be True or False, got {verify!r}")
    found = locate(data_dir, verify=verify)
    return (
        (found["train_images"].array, found["train_labels"].array),
        (found["test_images"].array, found["test_labels"].array),
    )
