"""Corrupt and hostile files in a --data-dir, and a fuzzed IDX parser.

Each file gives a one-line error that names the file and the remedy, never another kind of crash,
and nothing allocates in proportion to what a header claims.
"""

from __future__ import annotations

import gzip
import struct
import subprocess
import sys
import tracemalloc
from pathlib import Path

import numpy as np
import pytest
from conftest import write_tiny_dataset
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fashionlab import cli
from fashionlab.data.datasets import FILES, decode_idx, encode_idx, locate
from fashionlab.errors import DataError, DataFormatError

IMAGES = FILES["train_images"].filename
LABELS = FILES["train_labels"].filename


def _idx(magic: int, dims: tuple[int, ...], body: bytes = b"") -> bytes:
    return struct.pack(">I", magic) + b"".join(struct.pack(">I", d) for d in dims) + body


def _valid_images(n: int = 60) -> bytes:
    return encode_idx(np.random.default_rng(n).integers(0, 256, (n, 28, 28), np.uint8))


HOSTILE = {
    "truncated gzip": (IMAGES, gzip.compress(_valid_images())[:-100], "truncated"),
    "not gzip": (IMAGES, _valid_images(), "not a gzip file"),
    "wrong magic": (IMAGES, gzip.compress(b"\x00\x00\x09\x03" + _valid_images()[4:]), "magic"),
    "zero dimensions": (IMAGES, gzip.compress(_idx(0x0800, ())), "dimension count 0"),
    "255 dimensions": (IMAGES, gzip.compress(_idx(0x08FF, ())), "dimension count 255"),
    "huge header": (IMAGES, gzip.compress(_idx(2051, (10**9, 10**4, 10**4))), "limit"),
    # 2**64 bytes, which numpy's uint64 product wrapped to 0 (the review of stop 46)
    "a header whose size wraps 64 bits": (
        IMAGES,
        gzip.compress(_idx(2052, (65536,) * 4)),
        r"claims \(65536, 65536, 65536, 65536\) = 18,446,744,073,709,551,616 bytes",
    ),
    # the hostile review of stop 46: a labels file's magic number 0x801 changed to 0x803, whose
    # message named only a shape of a quintillion bytes
    "a labels file's magic number saying 3 dimensions": (
        LABELS,
        gzip.compress(b"\x00\x00\x08\x03" + encode_idx(np.full(60, 7, np.uint8))[4:]),
        "magic number 0x00000803, 3 dimensions",
    ),
    "labels outside 0-9": (
        LABELS,
        gzip.compress(encode_idx(np.full(60, 12, np.uint8))),
        "outside 0-9",
    ),
    "count mismatch": (LABELS, gzip.compress(encode_idx(np.zeros(59, np.uint8))), "59 labels"),
    "empty file": (IMAGES, b"", "not a gzip file"),
    "random bytes": (IMAGES, np.random.default_rng(7).bytes(4096), "not a gzip file"),
    "header longer than data": (
        IMAGES,
        gzip.compress(_idx(2051, (61, 28, 28)) + bytes(60 * 784)),
        "tampered",
    ),
    # a hostile review: an overlong stream, its trailer made to match the header, was "truncated"
    "data longer than the header": (
        IMAGES,
        (lambda whole: whole[:-4] + (16 + 60 * 784).to_bytes(4, "little"))(
            gzip.compress(_idx(2051, (60, 28, 28)) + bytes(61 * 784))
        ),
        "holds more data than the header claims",
    ),
}


@pytest.mark.parametrize("case", list(HOSTILE))
def test_hostile_file_gives_a_clear_error(case, tmp_path: Path, capsys) -> None:
    folder = write_tiny_dataset(tmp_path / "data")
    name, content, words = HOSTILE[case]
    (folder / name).write_bytes(content)
    with pytest.raises(DataError, match=words) as caught:
        locate(folder, verify=False)
    assert name in str(caught.value)
    assert "official file" in str(caught.value)  # the remedy
    for wrong in ("delete", "download", "pickle"):  # an explicit folder is never downloaded into
        assert wrong not in str(caught.value).lower(), caught.value
    assert cli.main(["data", "--data-dir", str(folder), "--no-verify"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and name in err[0] and "--data-dir" in err[0]


def test_a_cut_file_is_said_so_without_the_number_its_last_bytes_make(tmp_path: Path) -> None:
    """A hostile reading: the message quoted the "size" in a cut file's last four bytes, a
    meaningless number (2,244,638,171 for the official images cut at 1 MB)."""
    folder = write_tiny_dataset(tmp_path / "data")
    whole = (folder / IMAGES).read_bytes()
    (folder / IMAGES).write_bytes(whole[: len(whole) // 2])
    with pytest.raises(DataError) as caught:
        locate(folder, verify=False)
    said = str(caught.value)
    assert "(60, 28, 28) = 47,040 bytes of data, but the gzip trailer records another size" in said
    trailer = int.from_bytes(whole[: len(whole) // 2][-4:], "little")
    assert str(trailer) not in said.replace(",", "") and f"{trailer:,}" not in said


def test_a_file_of_two_gzip_members_is_not_called_only_cut(tmp_path: Path) -> None:
    """A hostile review: the official bytes recompressed as two gzip members (valid gzip, which
    fashionlab does not read) were said to be "truncated or tampered with", and nothing else."""
    folder = write_tiny_dataset(tmp_path / "data")
    raw = gzip.decompress((folder / IMAGES).read_bytes())
    (folder / IMAGES).write_bytes(gzip.compress(raw[:5000]) + gzip.compress(raw[5000:]))
    with pytest.raises(DataError, match="or not one gzip stream as the official files are"):
        locate(folder, verify=False)


def test_a_folder_name_with_a_newline_is_quoted_in_the_one_line_error(tmp_path: Path, capsys):
    """A hostile review: the newline became a space, naming a path that does not exist."""
    folder = write_tiny_dataset(tmp_path / "da\nta")
    (folder / IMAGES).write_bytes(b"not gzip")
    assert cli.main(["data", "--data-dir", str(folder), "--no-verify"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and repr(str(folder / IMAGES)) in err[0], err


def test_symlink_to_dev_zero(tmp_path: Path, capsys) -> None:
    folder = write_tiny_dataset(tmp_path / "data")
    (folder / IMAGES).unlink()
    (folder / IMAGES).symlink_to("/dev/zero")
    with pytest.raises(DataFormatError, match="not a regular file.*official file"):
        locate(folder)
    assert cli.main(["data", "--data-dir", str(folder)]) == 2


def _images(n: int, same: int = 0) -> np.ndarray:
    """``n`` random images, the first ``same`` of them one image."""
    images = np.random.default_rng(n).integers(0, 256, (n, 28, 28), np.uint8)
    images[:same] = 7
    return images


# case: the training and test images, --points, and the one line's words
UNMAPPABLE = {
    "40 training images": (_images(40), _images(80), 100, "hold 40 training images, too few"),
    "every image the same": (_images(100, 100), _images(20, 20), 100, "the 100 training images"),
    # the training images fit PCA, and the test images would differ: PCA still finds nothing
    "the training images the same": (_images(100, 100), _images(20), 110, "the 100 training"),
    # PCA fits, but the 100 points of the map are one image
    "the first 100 the same": (_images(200, 100), _images(20), 100, "the 100 images to map are"),
    "--points beyond the data": (_images(60), _images(20), 1000, "the data hold 80 images, train"),
}


@pytest.mark.parametrize("case", list(UNMAPPABLE))
def test_a_trimmed_copy_that_cannot_be_mapped_is_one_line_before_any_work(
    case: str, tmp_path: Path
) -> None:
    """The hostile review of stop 48, through the program: 40 training images gave an IndexError
    after the whole map, images all the same a crash in the t-SNE (exit status 139), and
    ``--points 1000`` on 80 images a map of 80 without a word."""
    train, test, points, words = UNMAPPABLE[case]
    folder = write_tiny_dataset(tmp_path / "data", len(train), len(test))
    for key, images in (("train_images", train), ("test_images", test)):
        (folder / FILES[key].filename).write_bytes(gzip.compress(encode_idx(images), mtime=0))
    argv = ["explore", "--data-dir", str(folder), "--no-verify", "--points", str(points)]
    done = subprocess.run(
        [sys.executable, "-m", "fashionlab", *argv, "--out", str(tmp_path / "maps")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.count("\n") == 1 and words in done.stderr  # one line, no progress
    assert not (tmp_path / "maps").exists()


@pytest.mark.parametrize("command", ["atlas", "run"])
def test_a_copy_without_the_pairs_a_command_needs_is_one_line_before_any_work(
    command: str, tmp_path: Path
) -> None:
    """A second hostile review: atlas on a copy whose training labels hold two classes ended in
    two tracebacks from its Dask tasks (exit status 1), and run said so after its t-SNE."""
    folder = write_tiny_dataset(tmp_path / "data", 300, 50)
    labels = (np.arange(300) % 2).astype(np.uint8)  # T-shirt/top and Trouser only
    (folder / LABELS).write_bytes(gzip.compress(encode_idx(labels), mtime=0))
    argv = {
        "atlas": ["atlas"],
        "run": ["run", "--no-notebook", "--points", "100", "--out", str(tmp_path / "r")],
    }
    done = subprocess.run(
        [sys.executable, "-m", "fashionlab", *argv[command], "--data-dir", str(folder)]
        + ["--no-verify"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 2, done.stderr[-2000:]
    assert done.stderr.count("\n") == 1, done.stderr  # one line: no stage, no task began
    assert f"the training images ({LABELS}): the data hold no" in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data"]


def test_a_flipped_byte_fails_the_checksum(tmp_path: Path) -> None:
    folder = write_tiny_dataset(tmp_path / "data")
    with pytest.raises(DataError, match="SHA-256 does not match.*--no-verify"):
        locate(folder)


@pytest.mark.parametrize("case", ["huge header", "header longer than data"])
def test_no_allocation_in_proportion_to_the_header(case) -> None:
    _, content, _ = HOSTILE[case]
    tracemalloc.start()
    with pytest.raises(DataFormatError):
        decode_idx(content, "hostile")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 2 * 2**20  # a 10**17-byte claim costs less than 2 MiB to refuse


def test_gzip_bomb_with_a_lying_trailer_is_cut_off() -> None:
    body = bytes(200 * 2**20)  # 200 MiB of zeros compresses to about 200 KiB
    bomb = bytearray(gzip.compress(_idx(2051, (60, 28, 28)) + body))
    bomb[-4:] = struct.pack("<I", 16 + 60 * 784)  # the trailer agrees with the header
    tracemalloc.start()
    with pytest.raises(DataFormatError, match="holds"):
        decode_idx(bytes(bomb), "bomb")
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 8 * 2**20


# --------------------------------------------------------------------------- fuzzing


def _check(archive: bytes) -> None:
    """The parser returns an array that agrees with its header, or raises DataFormatError."""
    try:
        array = decode_idx(archive, "fuzz")
    except DataFormatError:
        return
    payload = gzip.decompress(archive)
    ndim = payload[3]
    dims = struct.unpack(f">{ndim}I", payload[4 : 4 + 4 * ndim])
    assert array.dtype == np.uint8 and array.shape == dims
    assert array.tobytes() == payload[4 + 4 * ndim :]


VALID = [
    gzip.compress(encode_idx(np.arange(60, dtype=np.uint8) % 10)),
    gzip.compress(encode_idx(np.random.default_rng(0).integers(0, 256, (3, 28, 28), np.uint8))),
    gzip.compress(encode_idx(np.zeros((2, 3), np.uint8))),
]


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2048))
def test_fuzz_arbitrary_bytes(data: bytes) -> None:
    _check(data)
    _check(gzip.compress(data))  # and the same bytes as a well-formed gzip stream


@settings(max_examples=2000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(VALID),
    st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 255)), min_size=1, max_size=8),
    st.integers(0, 3),
)
def test_fuzz_mutated_valid_files(archive: bytes, flips, mode: int) -> None:
    if mode == 0:  # flip bytes of the compressed file
        mutated = bytearray(archive)
        for position, value in flips:
            mutated[position % len(mutated)] = value
        _check(bytes(mutated))
    elif mode == 1:  # flip bytes of the payload, recompress: header and sizes can disagree
        payload = bytearray(gzip.decompress(archive))
        for position, value in flips:
            payload[position % len(payload)] = value
        _check(gzip.compress(bytes(payload)))
    elif mode == 2:  # cut the file short
        _check(archive[: flips[0][0] % len(archive)])
    else:  # cut the payload short or pad it
        payload = gzip.decompress(archive)
        cut = flips[0][0] % (len(payload) + 16)
        _check(gzip.compress(payload[:cut] + bytes(max(0, cut - len(payload)))))
