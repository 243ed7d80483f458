"""Fashion-MNIST: the four official files, where to find them, how to check them, how to parse them.

==========  ===========
label       class
==========  ===========
0           T-shirt/top
1           Trouser
2           Pullover
3           Dress
4           Coat
5           Sandal
6           Shirt
7           Sneaker
8           Bag
9           Ankle boot
==========  ===========

Every file is checked against a pinned SHA-256 on every load, from any source. A file verifies
when either its gzip archive matches the official archive, or its decompressed IDX payload
matches the official payload (repackaged copies, such as Debian's ``dataset-fashion-mnist``,
carry a different gzip header around the very same bytes).
"""

from __future__ import annotations

import hashlib
import logging
import os
import stat
import urllib.error
import urllib.request
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import ChecksumError, DataError, DataFormatError, DownloadError
from ..storage import atomic_path, cache_home, lock_for

log = logging.getLogger(__name__)

CLASS_NAMES: tuple[str, ...] = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)

SYSTEM_DATA_DIR = Path("/usr/share/datasets/fashion-mnist")
ENV_DATA_DIR = "FASHIONLAB_DATA"

# The official mirror first, then Keras's copy of the same files.
MIRRORS: tuple[str, ...] = (
    "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",
    "https://storage.googleapis.com/tensorflow/tf-keras-datasets/",
)

IMAGES_MAGIC = 2051  # IDX: unsigned bytes, 3 dimensions
LABELS_MAGIC = 2049  # IDX: unsigned bytes, 1 dimension
MAX_ARCHIVE_BYTES = 64 * 2**20  # the largest official archive is 26 MB
MAX_PAYLOAD_BYTES = 256 * 2**20  # the largest official payload is 47 MB


@dataclass(frozen=True)
class RemoteFile:
    """One official file, described as data."""

    filename: str
    sha256: str  # of the official .gz archive
    payload_sha256: str  # of the decompressed IDX bytes
    magic: int
    count: int


FILES: dict[str, RemoteFile] = {
    "train_images": RemoteFile(
        "train-images-idx3-ubyte.gz",
        "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
        "c59f468a2f672dc815687fe0f83887768d799fd8a3f3276145d20f83aa44d888",
        IMAGES_MAGIC,
        60_000,
    ),
    "train_labels": RemoteFile(
        "train-labels-idx1-ubyte.gz",
        "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
        "bad3541b69d912435c50bb6ba87bec294ff4f6a2e1246121d8633921760443d9",
        LABELS_MAGIC,
        60_000,
    ),
    "test_images": RemoteFile(
        "t10k-images-idx3-ubyte.gz",
        "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
        "5b4141f0afbad91edebe8549f8fcffe087ea10ca49f1dbef5c9a5cd8815ce37b",
        IMAGES_MAGIC,
        10_000,
    ),
    "test_labels": RemoteFile(
        "t10k-labels-idx1-ubyte.gz",
        "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
        "0402a96d92fd2663957122ceb108a494c5af83dab82d92729df917d7dec38c34",
        LABELS_MAGIC,
        10_000,
    ),
}


@dataclass(frozen=True)
class LoadedFile:
    """Where one file was found and how it was checked."""

    key: str
    path: Path
    source: str  # "data_dir", "env", "cache", "system" or "download"
    verified: str  # "archive sha256", "payload sha256" or "skipped"
    array: np.ndarray


# --------------------------------------------------------------------------- IDX parsing


def decode_idx(archive: bytes, name: str = "<bytes>") -> np.ndarray:
    """Decompress and parse a gzip-compressed IDX file of unsigned bytes.

    The header is read first and its claimed size checked against the gzip trailer and a hard
    limit, so a hostile header never causes an allocation in proportion to what it claims.
    Raises ``DataFormatError`` naming ``name`` for anything that is not a valid file.
    """
    if len(archive) < 18 or archive[:2] != b"\x1f\x8b":
        raise DataFormatError(f"{name}: not a gzip file ({len(archive)} bytes)")
    inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
    pending = archive

    def inflate(size: int) -> bytes:
        nonlocal pending
        try:
            out = inflater.decompress(pending, size)
        except zlib.error as exc:
            raise DataFormatError(f"{name}: corrupt gzip stream ({exc})") from None
        pending = inflater.unconsumed_tail
        return out

    header = inflate(4)
    if len(header) < 4:
        raise DataFormatError(f"{name}: truncated before the IDX header")
    zero, dtype_code, ndim = int.from_bytes(header[:2], "big"), header[2], header[3]
    if zero != 0 or dtype_code != 0x08:
        magic = int.from_bytes(header, "big")
        raise DataFormatError(f"{name}: bad IDX magic number {magic} (expected unsigned bytes)")
    if not 1 <= ndim <= 4:
        raise DataFormatError(f"{name}: IDX dimension count {ndim} is not between 1 and 4")
    dims_raw = inflate(4 * ndim)
    if len(dims_raw) < 4 * ndim:
        raise DataFormatError(f"{name}: truncated inside the IDX header")
    shape = tuple(int.from_bytes(dims_raw[i : i + 4], "big") for i in range(0, 4 * ndim, 4))
    claimed = int(np.prod(shape, dtype=np.uint64))  # uint64: 4 dims of 2**32 cannot overflow
    if claimed > MAX_PAYLOAD_BYTES:
        raise DataFormatError(
            f"{name}: header claims {shape} = {claimed} bytes, over the {MAX_PAYLOAD_BYTES} limit"
        )
    trailer_size = int.from_bytes(archive[-4:], "little")  # ISIZE: payload length mod 2**32
    if trailer_size != 4 + 4 * ndim + claimed:
        raise DataFormatError(
            f"{name}: header claims {shape} = {claimed} bytes of data but the gzip trailer "
            f"records {trailer_size - 4 - 4 * ndim} (file truncated or tampered with)"
        )
    body = inflate(claimed + 1)
    if len(body) != claimed or not inflater.eof:
        raise DataFormatError(
            f"{name}: holds {len(body)} bytes of data where the header claims {claimed}"
            + ("" if inflater.eof else " (truncated gzip stream)")
        )
    return np.frombuffer(body, dtype=np.uint8).reshape(shape).copy()  # writable, like Keras's


def _read_archive(path: Path) -> bytes:
    """Read a regular file of plausible size; refuse devices, pipes and giants."""
    try:
        info = path.stat()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror}); check its permissions") from None
    if not stat.S_ISREG(info.st_mode):
        raise DataFormatError(f"{path}: not a regular file")
    if info.st_size > MAX_ARCHIVE_BYTES:
        raise DataFormatError(f"{path}: {info.st_size} bytes is too large for a Fashion-MNIST file")
    try:
        return path.read_bytes()
    except OSError as exc:
        raise DataError(f"{path}: cannot read ({exc.strerror}); check its permissions") from None


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


REMEDY = "replace it with the official file, or delete it so a fresh copy is downloaded"


def read_file(path: Path, spec: RemoteFile, *, verify: bool = True) -> tuple[np.ndarray, str]:
    """Read, verify and parse one file; return the array and how it was verified.

    Every error names the file and says what to do about it.
    """
    try:
        return _read_file(path, spec, verify)
    except DataFormatError as exc:
        raise DataFormatError(f"{exc}; {REMEDY}") from None


def _read_file(path: Path, spec: RemoteFile, verify: bool) -> tuple[np.ndarray, str]:
    archive = _read_archive(path)
    archive_ok = verify and _sha256(archive) == spec.sha256
    array = decode_idx(archive, str(path))
    how = "skipped"
    if archive_ok:
        how = "archive sha256"
    elif verify:
        payload = hashlib.sha256(_idx_header(array))  # the decompressed file: header, then data
        payload.update(np.ascontiguousarray(array).data)
        if payload.hexdigest() != spec.payload_sha256:
            raise ChecksumError(
                f"{path}: SHA-256 does not match the official {spec.filename}; delete it so a "
                "fresh copy is used, or pass --no-verify to use a deliberately different copy"
            )
        how = "payload sha256"
    expected_ndim = 3 if spec.magic == IMAGES_MAGIC else 1
    if array.ndim != expected_ndim:
        raise DataFormatError(
            f"{path}: has {array.ndim} dimensions, expected {expected_ndim} for {spec.filename}"
        )
    if spec.magic == IMAGES_MAGIC and array.shape[1:] != (28, 28):
        raise DataFormatError(f"{path}: images are {array.shape[1:]}, expected (28, 28)")
    if spec.magic == LABELS_MAGIC and array.size and int(array.max()) > 9:
        raise DataFormatError(f"{path}: label {int(array.max())} is outside 0-9")
    return array, how


def _idx_header(array: np.ndarray) -> bytes:
    header = bytes([0, 0, 0x08, array.ndim])
    return header + b"".join(int(n).to_bytes(4, "big") for n in array.shape)


def encode_idx(array: np.ndarray) -> bytes:
    """The uncompressed IDX bytes of a uint8 array (used to build test files)."""
    return _idx_header(array) + np.ascontiguousarray(array, dtype=np.uint8).tobytes()


# --------------------------------------------------------------------------- downloads


def _download(spec: RemoteFile, target: Path, mirrors: tuple[str, ...]) -> None:
    """Fetch ``spec`` into ``target``, trying each mirror in order; verify before the rename."""
    from tqdm.auto import tqdm

    failures = []
    for mirror in mirrors:
        url = mirror + spec.filename
        try:
            with atomic_path(target) as temporary:
                digest = hashlib.sha256()
                with (
                    urllib.request.urlopen(url, timeout=60) as response,
                    temporary.open("wb") as out,
                ):
                    total = int(response.headers.get("Content-Length") or 0) or None
                    with tqdm(total=total, unit="B", unit_scale=True, desc=spec.filename) as bar:
                        while chunk := response.read(1 << 16):
                            digest.update(chunk)
                            out.write(chunk)
                            bar.update(len(chunk))
                    if total is not None and out.tell() != total:
                        raise OSError(f"connection closed after {out.tell()} of {total} bytes")
                if digest.hexdigest() != spec.sha256:
                    raise ChecksumError(f"SHA-256 mismatch ({digest.hexdigest()[:12]}...)")
            log.info("downloaded %s from %s", spec.filename, mirror)
            return
        except urllib.error.HTTPError as exc:
            failures.append(f"{url}: HTTP {exc.code} {exc.reason}")
        except (OSError, ChecksumError, ValueError) as exc:  # URLError is an OSError
            reason = getattr(exc, "reason", None) or exc
            failures.append(f"{url}: {reason}")
    raise DownloadError(
        f"could not download {spec.filename}: "
        + "; ".join(failures)
        + f". Copy the official files into {target.parent} or pass --data-dir"
    )


# --------------------------------------------------------------------------- loading


def _candidates(data_dir: str | os.PathLike[str] | None) -> list[tuple[str, Path]]:
    if data_dir is not None:
        return [("data_dir", Path(data_dir))]
    if os.environ.get(ENV_DATA_DIR):
        return [("env", Path(os.environ[ENV_DATA_DIR]))]
    return [("cache", cache_home()), ("system", SYSTEM_DATA_DIR)]


def locate(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    verify: bool = True,
    mirrors: tuple[str, ...] = MIRRORS,
) -> dict[str, LoadedFile]:
    """Find, verify and parse the four files, downloading into the cache if none is found.

    An explicit ``data_dir`` (or ``$FASHIONLAB_DATA``) must hold all four files. Otherwise the
    user cache, then the system directory, then the mirrors are tried for each file.
    A corrupt file in the user cache is deleted and downloaded once more.
    """
    candidates = _candidates(data_dir)
    explicit = candidates[0][0] in ("data_dir", "env")
    if explicit and not candidates[0][1].is_dir():
        flag = "--data-dir" if data_dir is not None else f"${ENV_DATA_DIR}"
        raise DataError(f"{flag} {candidates[0][1]}: no such directory")
    found: dict[str, LoadedFile] = {}
    for key, spec in FILES.items():
        for source, directory in candidates:
            path = directory / spec.filename
            if not path.exists() and not path.is_symlink():
                continue
            try:
                array, how = read_file(path, spec, verify=verify)
            except DataError:
                if source != "cache":
                    raise
                log.warning("%s is corrupt; deleting it and downloading again", path)
                path.unlink(missing_ok=True)
                break
            found[key] = LoadedFile(key, path, source, how, array)
            break
        if key in found:
            continue
        if explicit:
            raise DataError(
                f"{candidates[0][1]}: {spec.filename} is missing; copy the official file there"
            )
        target = cache_home() / spec.filename
        with lock_for(target):
            if not target.exists():
                _download(spec, target, mirrors)
        array, how = read_file(target, spec, verify=verify)
        found[key] = LoadedFile(key, target, "download", how, array)
    _check_counts(found)
    return found


def _check_counts(found: dict[str, LoadedFile]) -> None:
    for split in ("train", "test"):
        images, labels = found[f"{split}_images"], found[f"{split}_labels"]
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
    found = locate(data_dir, verify=verify)
    return (
        (found["train_images"].array, found["train_labels"].array),
        (found["test_images"].array, found["test_labels"].array),
    )
