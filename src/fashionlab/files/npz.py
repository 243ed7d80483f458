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


def encode(arrays: Mapping[str, np.ndarray]) -> bytes:
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)  # type: ignore[arg-type]
    return buffer.getvalue()


def decode(raw: bytes, expected: Mapping[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    """The arrays named in ``expected`` (name -> shape); ValueError for anything else."""
    buffer = io.BytesIO(raw)
    try:
        with zipfile.ZipFile(buffer) as archive:
            for name, shape in expected.items():
                _check_member(archive, name, shape)
        buffer.seek(0)
        with np.load(buffer, allow_pickle=False) as entry:
            arrays = {name: entry[name] for name in expected}
    except zipfile.BadZipFile as exc:
        raise ValueError(f"not an .npz archive ({exc})") from None
    for name, shape in expected.items():
        if not np.isfinite(arrays[name]).all():
            raise ValueError(f"{name} holds values that are not finite, expected {shape}")
    return arrays


def _check_member(archive: zipfile.ZipFile, name: str, shape: tuple[int, ...]) -> None:
    """The member's size, then its header's shape and type, before numpy reads its data."""
    try:
        info = archive.getinfo(f"{name}.npy")
    except KeyError:
        raise ValueError(f"{name} is missing") from None
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
