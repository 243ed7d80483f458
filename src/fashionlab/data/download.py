"""Downloading an official file into the cache: each mirror in turn, each retried with backoff.

The mirrors are ``MIRRORS`` (the official one, then Keras's copy of the same files), or the
comma-separated base URLs in ``$FASHIONLAB_MIRRORS`` (``http://``, ``https://`` or ``file://``;
a file's URL is the base URL followed by its name), for a local or institutional mirror::

    FASHIONLAB_MIRRORS=http://mirror.example.org/fashion-mnist/,file:///srv/fashion-mnist/

Each mirror is tried ``TRIES`` times, waiting ``BACKOFF_SECONDS`` after the first failure and
twice as long after each next one; an answer that cannot change on a retry (HTTP 404, a file with
the wrong SHA-256) moves on to the next mirror at once. A file is read into memory (at most
``MAX_ARCHIVE_BYTES``), its SHA-256 checked, and only then written into place atomically, so no
reader ever sees a partial or unverified download.
"""

from __future__ import annotations

import hashlib
import http.client
import logging
import os
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from pathlib import Path

from ..errors import DataError, DownloadError
from ..files.storage import atomic_write_bytes
from .idx import MAX_ARCHIVE_BYTES
from .official import RemoteFile
from .sources import DEBIAN_PACKAGE

log = logging.getLogger(__name__)

# The official mirror first, then Keras's copy of the same files.
MIRRORS: tuple[str, ...] = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
)
ENV_MIRRORS = "FASHIONLAB_MIRRORS"
TRIES = 2  # per mirror: a dead host costs TRIES * TIMEOUT_SECONDS before the next
BACKOFF_SECONDS = 1.0  # the first wait; each later wait doubles
TIMEOUT_SECONDS = 30  # per socket operation, not for the whole file
_SCHEMES = ("http://", "https://", "file://")
_TRANSIENT_HTTP = {408, 425, 429, 500, 502, 503, 504}


def mirrors_from_env() -> tuple[str, ...]:
    """``$FASHIONLAB_MIRRORS`` as base URLs ending in ``/``, or ``MIRRORS`` if it is unset or empty."""
    text = os.environ.get(ENV_MIRRORS, "")
    urls = tuple(part.strip() for part in text.split(",") if part.strip())
    for url in urls:
        if not url.lower().startswith(_SCHEMES):
            raise DataError(
                f"${ENV_MIRRORS} entry {url!r} is not an http://, https:// or file:// URL; "
                "give comma-separated base URLs"
            )
    return tuple(url if url.endswith("/") else url + "/" for url in urls) or MIRRORS


class _Permanent(Exception):
    """A failure that a retry of the same mirror cannot mend."""


def _fetch_once(
    url: str, filename: str, sha256: str, payload: Callable[[bytes], bool] | None = None
) -> bytes:
    """The verified bytes at ``url``: the official archive's SHA-256, or else the official content
    in another gzip wrapper (``payload``), as a local copy may be; raises OSError (may mend) or
    ``_Permanent``."""
    from tqdm.auto import tqdm

    body = bytearray()
    quiet = not _on_a_terminal()  # a log file gets only the line that says the outcome
    if url.startswith("file:"):  # a pipe or a device would be read forever: files only
        path = Path(urllib.request.url2pathname(urllib.parse.urlsplit(url).path))
        try:
            if path.exists() and not path.is_file():
                raise _Permanent("not a regular file")
        except OSError as exc:  # a name too long for the file system: no retry mends it
            raise _Permanent(exc.strerror or str(exc)) from None
    try:
        with urllib.request.urlopen(url, timeout=TIMEOUT_SECONDS) as response:
            total = int(response.headers.get("Content-Length") or 0) or None
            if total is not None and total > MAX_ARCHIVE_BYTES:
                raise _Permanent(f"{total} bytes is too large for a Fashion-MNIST file")
            with tqdm(total=total, unit="B", unit_scale=True, desc=filename, disable=quiet) as bar:
                while chunk := response.read(1 << 16):
                    body += chunk
                    bar.update(len(chunk))
                    if len(body) > MAX_ARCHIVE_BYTES:
                        raise _Permanent(
                            f"more than {MAX_ARCHIVE_BYTES} bytes; not a Fashion-MNIST file"
                        )
    except urllib.error.HTTPError as exc:
        failure = f"HTTP {exc.code} {exc.reason}"
        raise (OSError(failure) if exc.code in _TRANSIENT_HTTP else _Permanent(failure)) from None
    except urllib.error.URLError as exc:
        if isinstance(exc.reason, FileNotFoundError):  # a file:// mirror without the file
            raise _Permanent("no such file") from None
        raise
    except http.client.IncompleteRead as exc:
        raise OSError(f"connection closed after {len(body) + len(exc.partial)} bytes") from None
    except http.client.HTTPException as exc:  # a garbled response: may mend
        raise OSError(f"{type(exc).__name__}: {exc}") from None
    except ValueError as exc:  # a malformed URL
        raise _Permanent(str(exc)) from None
    if total is not None and len(body) != total:
        raise OSError(f"connection closed after {len(body)} of {total} bytes")
    data = bytes(body)  # one copy, checked and returned
    digest = hashlib.sha256(data).hexdigest()
    if digest != sha256 and not (payload is not None and payload(data)):
        content = ", nor is its content the official file's" if payload is not None else ""
        raise _Permanent(f"SHA-256 mismatch ({digest[:12]}...){content}")
    return data


def _on_a_terminal() -> bool:
    """Whether stderr is a terminal, where a progress bar belongs (a closed stderr, or one
    replaced by an object without ``isatty``, is not; nor is Jupyter's)."""
    try:
        return sys.stderr.isatty()
    except (AttributeError, ValueError):
        return False


def _pause(seconds: float) -> None:
    """Wait between two tries of a mirror (tests patch this, or pass ``sleep=`` to ``fetch``)."""
    time.sleep(seconds)


def _from_mirror(
    mirror: str,
    spec: RemoteFile,
    tries: int,
    sleep: Callable[[float], None] | None,
    payload: Callable[[bytes], bool] | None = None,
) -> bytes | str:
    """The file's verified bytes from one mirror, or why it could not deliver them."""
    url = mirror + spec.filename
    for attempt in range(1, tries + 1):
        try:
            return _fetch_once(url, spec.filename, spec.sha256, payload)
        except _Permanent as exc:
            return f"{url}: {exc}"
        except OSError as exc:  # URLError, a reset or a cut connection: worth another try
            reason = getattr(exc, "reason", None) or exc
            if attempt == tries:
                return f"{url}: {reason}" + (f" ({tries} tries)" if tries > 1 else "")
            delay = BACKOFF_SECONDS * 2 ** (attempt - 1)
            log.warning("%s: %s; trying again in %.1f s", url, reason, delay)
            (sleep or _pause)(delay)
    raise AssertionError("unreachable: tries must be at least 1")


def fetch(
    spec: RemoteFile,
    target: Path,
    mirrors: tuple[str, ...] | None = None,
    *,
    tries: int = TRIES,
    sleep: Callable[[float], None] | None = None,
    payload: Callable[[bytes], bool] | None = None,
) -> None:
    """Download ``spec`` into ``target``, verified; ``mirrors`` defaults to ``mirrors_from_env()``.
    ``payload`` accepts a body whose archive hash differs (Debian's repackaged files, mirrored).

    ``sleep`` waits between tries (default ``time.sleep``; tests pass a recorder). Raises
    ``DownloadError`` listing every mirror's failure, in order, and what to do instead.
    """
    if tries < 1:
        raise ValueError(f"tries must be at least 1, got {tries}")
    failures = []
    for mirror in mirrors_from_env() if mirrors is None else mirrors:
        result = _from_mirror(mirror, spec, tries, sleep, payload)
        if isinstance(result, bytes):
            try:
                atomic_write_bytes(target, result)
            except OSError as exc:
                raise DataError(f"cannot write {target} ({exc.strerror or exc})") from None
            log.info("downloaded %s from %s", spec.filename, mirror)
            return
        failures.append(result)
    raise DownloadError(
        f"could not download {spec.filename}: "
        + "; ".join(failures or ["no mirrors given"])
        + f". Copy the official files into {target.parent}, pass --data-dir, "
        f"or install Debian's {DEBIAN_PACKAGE} package"
    )
