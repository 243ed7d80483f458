"""Arrays in a cache entry: an ``.npz`` archive as numpy writes it, read back only as the arrays
the caller expects, each of its shape, floating point and finite.

Each member's size and ``.npy`` header are checked before its data is read. The entry's hashes
prove its bytes are the ones written, not that a person did not rewrite both: a header that claims
10^11 rows made numpy try to allocate 1.46 TiB (a hostile review), a MemoryError that no decoder
counts as damage, so the entry stayed and failed every later command.
"""

from __future__ import annotations

import io
import math
import zipfile
from collections.abc import Mapping

import numpy as np

# the magic string, its version and length fields, and the longest header numpy reads by default
_HEADER_MOST = 12 + 10_000
_ITEM_MOST = np.dtype(np.float64).itemsize
_ZIP_START = b"PK\x03\x04"  # a local file header first: nothing in front of the archive
_ENCRYPTED = 0x1  # the general-purpose flag bit of an encrypted member


def encode(arrays: Mapping[str, np.ndarray]) -> bytes:
    """``np.savez``'s archive of ``arrays``: one stored (uncompressed) ``.npy`` member each."""
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


def decode(raw: bytes, expected: Mapping[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """The arrays named in ``expected`` (name -> shape); ValueError for anything else. The
    archive is parsed once: each member is checked, then read from the same parse (a review:
    ``np.load`` on the bytes again read a header placed in front of the archive, which zipfile
    skips)."""
    if not raw.startswith(_ZIP_START):
        raise ValueError("not an .npz archive as numpy writes one")
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            arrays = {name: _read(archive, name, shape) for name, shape in expected.items()}
    except (zipfile.BadZipFile, NotImplementedError, RuntimeError) as exc:  # zipfile's: a member
        raise ValueError(f"not an .npz archive ({exc})") from None  # patched, or a password
    for name, shape in expected.items():
        if not np.isfinite(arrays[name]).all():
            raise ValueError(f"{name} holds values that are not finite, expected {shape}")
    return arrays


def _read(archive: zipfile.ZipFile, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """One member: stored and unencrypted as ``np.savez`` writes it, no larger than its shape
    needs, its header's shape and type the expected ones; only then its data."""
    try:
        info = archive.getinfo(f"{name}.npy")
    except KeyError:
        raise ValueError(f"{name} is missing") from None
    if info.compress_type != zipfile.ZIP_STORED or info.flag_bits & _ENCRYPTED:
        raise ValueError(f"{name} is compressed or encrypted, which np.savez never writes")
    most = _HEADER_MOST + _ITEM_MOST * math.prod(shape)
    if info.file_size > most:
        raise ValueError(f"{name} holds {info.file_size:,} bytes, more than its {most:,}")
    with archive.open(info) as member:
        version = np.lib.format.read_magic(member)
        if version == (1, 0):
            found, _, dtype = np.lib.format.read_array_header_1_0(member)
        elif version == (2, 0):
            found, _, dtype = np.lib.format.read_array_header_2_0(member)
        else:
            raise ValueError(f"{name} is .npy version {version}, which numpy's savez never writes")
        if tuple(found) != shape or dtype.kind != "f" or dtype.itemsize > _ITEM_MOST:
            raise ValueError(f"{name} is {dtype} {tuple(found)}, expected finite floats {shape}")
    with archive.open(info) as member:  # the member just checked, from the same parse
        return np.lib.format.read_array(member, allow_pickle=False)
