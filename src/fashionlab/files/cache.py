"""One verified cache for everything fashionlab computes once and serves again.

An entry is a folder ``<cache>/<namespace>/<key>/`` of named blobs and a ``manifest.json`` that
records the namespace, the key and each blob's SHA-256. On every read the manifest must name the
namespace and key asked for, every blob must match its hash, and the caller's ``decode`` must
accept the payload. Anything else (a truncated PNG, an edited digit, one entry copied over
another, ``null`` where a record belongs) is discarded with one warning line and recomputed.

Keys are SHA-256 digests of the settings that change a result, fashionlab's own source, the
library versions and ``KERAS_BACKEND`` (``keys.key_of``). A result computed or drawn by other code is
never served, however small the change. Entries are written in a temporary folder and renamed
into place, so a reader never sees half an entry, and a warm cache on a read-only file system
still serves.
"""

from __future__ import annotations

import errno
import json
import logging
import os
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, TypeVar

from ..errors import EnvironmentFault
from ..jsonio import strict_loads
from .locks import Lock
from .storage import (
    MANIFEST_LIMIT,
    cache_home,
    digest,
    ensure_dir,
    read_plain,
    remove_leftovers,
    temporary_name,
)

log = logging.getLogger(__name__)

T = TypeVar("T")
MANIFEST = "manifest.json"
_DECODE_ERRORS = (
    KeyError,
    TypeError,
    ValueError,
    IndexError,
    AttributeError,
    ArithmeticError,
    EOFError,
    RecursionError,
)
# Reading errors that say nothing of the entry (no permission, too many open files, a failing
# disk): it is not served, and not discarded either. Any other OSError is a damaged entry.
_NOT_NOW = {
    errno.EACCES,
    errno.EPERM,
    errno.EMFILE,
    errno.ENFILE,
    errno.EIO,
    errno.ENOMEM,
    errno.EINTR,
    errno.EAGAIN,
}
_LEFT: set[Path] = set()  # the entries this process could not read, and said so


def entry_path(namespace: str, key: str) -> Path:
    return cache_home() / namespace / key


def _discard(entry: Path, reason: str) -> None:
    log.warning("discarding damaged cache entry %s (%s); recomputing", entry, reason)
    try:
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()
    except OSError:
        pass  # a read-only cache: leave it, and compute without storing


def _read_blobs(entry: Path, namespace: str, key: str) -> dict[str, bytes]:
    manifest = json.loads(read_plain(entry / MANIFEST, MANIFEST_LIMIT))
    if not isinstance(manifest, dict) or manifest.get("namespace") != namespace:
        raise ValueError("the manifest names another namespace")
    if manifest.get("key") != key:
        raise ValueError("the manifest names another key")
    files = manifest.get("files")
    if not isinstance(files, dict) or not files:
        raise ValueError("the manifest lists no files")
    blobs = {}
    for name, expected in files.items():
        if "/" in name or name.startswith("."):
            raise ValueError(f"the manifest lists an unsafe name {name!r}")
        data = read_plain(entry / name)
        if digest(data) != expected:
            raise ValueError(f"{name} does not match its SHA-256")
        blobs[name] = data
    return blobs


def fetch(namespace: str, key: str, decode: Callable[[dict[str, bytes]], T]) -> T | None:
    """A verified entry, decoded; None when absent or damaged (then discarded)."""
    entry = entry_path(namespace, key)
    if not entry.exists() and not entry.is_symlink():
        return None
    if not entry.is_dir():
        _discard(entry, "a file stands where an entry folder belongs")
        return None
    try:
        return decode(_read_blobs(entry, namespace, key))
    except OSError as exc:
        if exc.errno not in _NOT_NOW:
            _discard(entry, str(exc) or type(exc).__name__)
        elif entry not in _LEFT:  # the entry may be whole: leave it for a later run, said once
            _LEFT.add(entry)
            log.warning(
                "cannot read cache entry %s now (%s); computing without it",
                entry,
                exc.strerror or exc,
            )
        return None
    except _DECODE_ERRORS as exc:
        _discard(entry, str(exc) or type(exc).__name__)
        return None


def store(namespace: str, key: str, blobs: Mapping[str, bytes]) -> None:
    """Write an entry atomically; a full disk or a read-only cache only costs the entry."""
    entry = entry_path(namespace, key)
    try:
        folder = ensure_dir(entry.parent)
        remove_leftovers(folder)
        stage = temporary_name(entry)
        shutil.rmtree(stage, ignore_errors=True)
        stage.mkdir()
        try:
            for name, data in blobs.items():
                (stage / name).write_bytes(data)
            files = {name: digest(data) for name, data in blobs.items()}
            manifest = {"namespace": namespace, "key": key, "files": files}
            (stage / MANIFEST).write_text(json.dumps(manifest, indent=1, sort_keys=True))
            if entry.exists():
                return  # another process stored it first: keep theirs
            os.rename(stage, entry)
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    except EnvironmentFault as exc:  # a file where its folder belongs: the same for every entry
        _unwritable(str(exc))
    except OSError as exc:  # a full disk may take this entry and not a smaller one: said once
        # per kind of failure, not once per entry (a sweep on a full disk said it 23 times)
        if exc.errno not in _STORE_FAILED:
            _STORE_FAILED.add(exc.errno)
            log.warning(
                "could not store cache entry %s (%s); the result is still used (other entries "
                "that fail so are not said)",
                entry,
                exc,
            )


_STORE_FAILED: set[int | None] = set()  # the errnos of failed stores, said once each


def cached(
    namespace: str,
    key: str,
    compute: Callable[[], T],
    *,
    encode: Callable[[T], Mapping[str, bytes]],
    decode: Callable[[dict[str, bytes]], T],
    what: str = "",
    stopped: Callable[[], bool] | None = None,
) -> tuple[T, bool]:
    """``compute()``, or its verified cached value: returns ``(value, from_cache)``.

    Only a miss takes the entry's lock, so a warm cache serves from a read-only file system. A
    wait for that lock raises ``locks.Abandoned`` once ``stopped()`` is true.
    """
    hit = fetch(namespace, key, decode)
    if hit is not None:
        return hit, True
    lock = Lock(namespace, key, what or f"the {namespace} result {key[:8]}")
    try:
        lock.acquire(stopped=stopped)
    except (OSError, EnvironmentFault) as exc:
        _unwritable(str(exc))
        return compute(), False
    try:
        hit = fetch(namespace, key, decode)  # another process may have finished it meanwhile
        if hit is not None:
            return hit, True
        value = compute()
        blobs = encode(value)
        try:
            decode(dict(blobs))  # what is stored must be what a later read serves
        except _DECODE_ERRORS as exc:
            log.warning(
                "not caching the %s result %s: it fails its own check (%s)", namespace, key[:8], exc
            )
        else:
            store(namespace, key, blobs)
        return value, False
    finally:
        lock.release()


_SAID: list[str] = []  # the first reason _unwritable gave


def _unwritable(reason: str) -> None:
    """Say once per process, not once per entry, that a cache cannot store (a run has dozens)."""
    if not _SAID:
        _SAID.append(reason)
        log.warning("cannot store in the cache (%s); computing without storing", reason)


def cached_json(
    namespace: str,
    key: str,
    compute: Callable[[], T],
    check: Callable[[Any], T] | None = None,
    what: str = "",
) -> tuple[T, bool]:
    """``cached`` for a JSON value; ``check`` turns the parsed JSON back into T or raises."""

    def encode(value: T) -> dict[str, bytes]:
        return {"value.json": json.dumps(value, allow_nan=False, sort_keys=True).encode()}

    def decode(blobs: dict[str, bytes]) -> T:
        value = json_value(blobs)
        return check(value) if check is not None else value

    return cached(namespace, key, compute, encode=encode, decode=decode, what=what)


def json_value(blobs: dict[str, bytes]) -> Any:
    """The value a ``cached_json`` entry holds; null is refused (no result is ever None)."""
    value = strict_loads(blobs["value.json"])
    if value is None:
        raise ValueError("the entry holds null")
    return value
