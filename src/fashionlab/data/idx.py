"""The IDX format of the Fashion-MNIST files, gzip-compressed: parsed with bounds, never trusted.

An IDX file is a 4-byte magic number (two zero bytes, a type code, ``0x08`` for unsigned bytes,
and the number of dimensions), one big-endian 4-byte size per dimension, then the data in C
order. Every size is checked against a hard limit and against the gzip trailer before anything
is allocated, so a hostile header or a gzip bomb costs a few kilobytes to refuse.
"""

from __future__ import annotations

import errno
import math
import os
import stat
import zlib
from pathlib import Path

import numpy as np

from ..errors import DataError, DataFormatError

IMAGES_MAGIC = 2051  # IDX: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # IDX: unsigned bytes, 1 dimension
MAX_ARCHIVE_BYTES = 64 * 2**20  # the largest official archive is 26 MB
MAX_PAYLOAD_BYTES = 256 * 2**20  # the largest official payload is 47 MB


def shown(path: str | os.PathLike[str]) -> str:
    """A file's name as a message starts with it: as it is, or quoted with its control characters
    escaped where it holds any (a newline in a folder's name would split the one-line error)."""
    text = os.fspath(path)
    return text if text.isprintable() else repr(text)


class _Inflater:
    """Decompresses a gzip archive a bounded number of bytes at a time."""

    def __init__(self, archive: bytes, name: str) -> None:
        self._stream = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._pending = archive
        self._name = name

    def take(self, size: int) -> bytes:
        """At most ``size`` more bytes of the payload."""
        try:
            out = self._stream.decompress(self._pending, size)
        except zlib.error as exc:
            raise DataFormatError(f"{self._name}: corrupt gzip stream ({exc})") from None
        self._pending = self._stream.unconsumed_tail
        return out

    @property
    def finished(self) -> bool:
        return self._stream.eof


def _read_shape(inflater: _Inflater, name: str) -> tuple[int, ...]:
    """Parse the magic number and the dimensions; refuse anything but unsigned bytes."""
    header = inflater.take(4)
    if len(header) < 4:
        raise DataFormatError(f"{name}: truncated before the IDX header")
    zero, dtype_code, ndim = int.from_bytes(header[:2], "big"), header[2], header[3]
    if zero != 0 or dtype_code != 0x08:
        magic = int.from_bytes(header, "big")
        raise DataFormatError(f"{name}: bad IDX magic number {magic} (expected unsigned bytes)")
    if not 1 <= ndim <= 4:
        raise DataFormatError(f"{name}: IDX dimension count {ndim} is not between 1 and 4")
    dims_raw = inflater.take(4 * ndim)
    if len(dims_raw) < 4 * ndim:
        raise DataFormatError(f"{name}: truncated inside the IDX header")
    return tuple(int.from_bytes(dims_raw[i : i + 4], "big") for i in range(0, 4 * ndim, 4))


def decode_idx(archive: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decompress and parse a gzip-compressed IDX file of unsigned bytes.

    The header is read first and its claimed size checked against the gzip trailer and a hard
    limit, so a hostile header never causes an allocation in proportion to what it claims.
    Raises ``DataFormatError`` naming ``name`` for anything that is not a valid file.
    """
    name = shown(name)
    if len(archive) < 18 or archive[:2] != b"\x1f\x8b":
        raise DataFormatError(f"{name}: not a gzip file ({len(archive)} bytes)")
    inflater = _Inflater(archive, name)
    shape = _read_shape(inflater, name)
    header_size = 4 + 4 * len(shape)
    claimed = math.prod(shape)  # Python's integers: numpy's uint64 product wraps at 2**64
    if claimed > MAX_PAYLOAD_BYTES:
        raise DataFormatError(  # a damaged magic number's last byte gives other dimensions
            f"{name}: its IDX header (magic number 0x{0x800 + len(shape):08x}, "
            f"{len(shape)} dimensions) claims {shape} = {claimed:,} bytes, over the "
            f"{MAX_PAYLOAD_BYTES:,}-byte limit: the file is damaged"
        )
    trailer_size = int.from_bytes(archive[-4:], "little")  # ISIZE: payload length mod 2**32
    if trailer_size != header_size + claimed:
        raise DataFormatError(  # a cut file's last 4 bytes are no size: not quoted
            f"{name}: header claims {shape} = {claimed:,} bytes of data, but the gzip trailer "
            "records another size: the file is truncated, tampered with, or not one gzip stream "
            "as the official files are"
        )
    body = inflater.take(claimed + 1)
    if len(body) > claimed:  # a longer stream, whose trailer was made to match
        raise DataFormatError(f"{name}: holds more data than the header claims ({claimed:,} bytes)")
    if len(body) != claimed or not inflater.finished:
        raise DataFormatError(
            f"{name}: holds {len(body)} bytes of data where the header claims {claimed}"
            + ("" if inflater.finished else " (truncated gzip stream)")
        )
    return np.frombuffer(body, dtype=np.uint8).reshape(shape).copy()  # writable, like Keras's


def idx_header(array: np.ndarray) -> bytes:
    """The IDX magic number and dimensions of a uint8 array."""
    header = bytes([0, 0, 0x08, array.ndim])
    return header + b"".join(int(n).to_bytes(4, "big") for n in array.shape)


def encode_idx(array: np.ndarray) -> bytes:
    """The uncompressed IDX bytes of a uint8 array (used to build test files)."""
    return idx_header(array) + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


def read_archive(path: Path) -> bytes:
    """Read a regular file of plausible size; refuse devices, pipes and giants."""
    try:
        info = path.stat()
        if not stat.S_ISREG(info.st_mode):
            raise DataFormatError(f"{shown(path)}: not a regular file")
        if info.st_size > MAX_ARCHIVE_BYTES:
            raise DataFormatError(
                f"{shown(path)}: {info.st_size} bytes is too large for a Fashion-MNIST file"
            )
        return path.read_bytes()
    except OSError as exc:
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise DataError(
                f"{shown(path)}: cannot read (permission denied); check its permissions"
            ) from None
        raise DataFormatError(_unreadable(path, exc)) from None


def _unreadable(path: Path, exc: OSError) -> str:
    """What stands at ``path`` instead of a readable file (the caller adds the remedy)."""
    if exc.errno == errno.ENOENT and path.is_symlink():
        return f"{shown(path)}: a link to a file that does not exist"
    if exc.errno == errno.ELOOP:
        return f"{shown(path)}: a link that points back to itself"
    return f"{shown(path)}: cannot read ({exc.strerror or exc})"
