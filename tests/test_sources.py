"""Where the files are looked for: order, Keras's cache, bad copies skipped (never deleted),
downloads into the cache, and messages that say what is really wrong. No network: a mirror is a
``file://`` folder, and the "official" files are tiny ones whose checksums the tests pin."""

from __future__ import annotations

import gzip
import hashlib
import shutil
from pathlib import Path

import numpy as np
import pytest
from conftest import write_tiny_dataset

from fashionlab.data import datasets, download, sources
from fashionlab.data.datasets import FILES, RemoteFile, encode_idx, locate
from fashionlab.errors import DataError, DownloadError

LABELS = FILES["train_labels"].filename


@pytest.fixture
def where(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, Path]:
    """Empty cache, Keras and system folders of the test's own, and an empty offline mirror."""
    folders = {
        "cache": datasets.cache_home(),
        "keras": tmp_path / "keras-home" / "datasets" / "fashion-mnist",
        "system": tmp_path / "system",
        "mirror": tmp_path / "mirror",
    }
    folders["mirror"].mkdir()
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras-home"))
    monkeypatch.setattr(sources, "SYSTEM_DATA_DIR", folders["system"])
    monkeypatch.setenv("FASHIONLAB_MIRRORS", folders["mirror"].as_uri())
    monkeypatch.setattr(download, "_pause", lambda seconds: None)
    return folders


@pytest.fixture
def official(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Tiny files made "official": ``FILES`` pins their checksums for the test."""
    folder = write_tiny_dataset(tmp_path / "official")
    pinned = {}
    for key, spec in FILES.items():
        archive = (folder / spec.filename).read_bytes()
        payload = hashlib.sha256(gzip.decompress(archive)).hexdigest()
        pinned[key] = RemoteFile(
            spec.filename, hashlib.sha256(archive).hexdigest(), payload, spec.magic
        )
    monkeypatch.setattr(datasets, "FILES", pinned)
    return folder


def _copy(official: Path, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    for spec in FILES.values():
        shutil.copyfile(official / spec.filename, folder / spec.filename)


def _planted() -> bytes:
    """A valid labels file that is not the official one: only the checksum can tell.

    mtime=0 keeps the gzip header free of the clock, so two calls give the same bytes.
    """
    return gzip.compress(encode_idx((np.arange(60)[::-1] % 10).astype(np.uint8)), mtime=0)


def test_the_search_order(where: dict[str, Path]) -> None:
    found = [(source.name, source.folder) for source in sources.search_path()]
    assert found == [(name, where[name]) for name in ("cache", "keras", "system")]


def test_keras_home_defaults_to_the_home_folder(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.delenv("KERAS_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert sources.keras_datasets_dir() == tmp_path / ".keras" / "datasets" / "fashion-mnist"


def test_keras_cache_is_used_and_verified(where, official: Path) -> None:
    _copy(official, where["keras"])
    found = locate()
    assert {(f.source, f.verified) for f in found.values()} == {("keras", "archive sha256")}


def test_each_source_wins_over_the_later_ones(where, official: Path) -> None:
    _copy(official, where["system"])
    _copy(official, where["keras"])
    assert {f.source for f in locate().values()} == {"keras"}
    _copy(official, where["cache"])
    assert {f.source for f in locate().values()} == {"cache"}


def test_a_planted_keras_copy_is_skipped_not_deleted(where, official: Path, caplog) -> None:
    _copy(official, where["system"])
    where["keras"].mkdir(parents=True)
    (where["keras"] / LABELS).write_bytes(_planted())
    with caplog.at_level("WARNING", logger="fashionlab"):
        found = locate()
    assert found["train_labels"].source == "system"
    assert (where["keras"] / LABELS).read_bytes() == _planted()
    (warning,) = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert "SHA-256 does not match" in warning and "Keras downloads it again" in warning


def test_a_bad_cache_copy_is_replaced_by_a_download_only(
    where, official: Path, monkeypatch
) -> None:
    _copy(official, where["system"])
    (where["system"] / LABELS).unlink()  # no verified copy of this one anywhere
    where["cache"].mkdir(parents=True)
    (where["cache"] / LABELS).write_bytes(_planted())
    with pytest.raises(DownloadError):  # offline: the bad copy stays, nothing is deleted
        locate()
    assert (where["cache"] / LABELS).read_bytes() == _planted()
    monkeypatch.setenv("FASHIONLAB_MIRRORS", official.as_uri())
    found = locate()
    assert found["train_labels"].source == "download"
    assert (where["cache"] / LABELS).read_bytes() == (official / LABELS).read_bytes()
    assert sorted(p.name for p in where["cache"].iterdir() if p.name.endswith(".gz")) == [LABELS]
    assert locate()["train_labels"].source == "cache"  # and the next run uses it


def test_no_data_anywhere_names_the_folders_and_debians_package(where, official: Path) -> None:
    where["cache"].mkdir(parents=True)
    (where["cache"] / FILES["train_images"].filename).write_bytes(b"junk")  # the first file
    with pytest.raises(DownloadError) as caught:
        locate()
    message = str(caught.value)
    assert "\n" not in message
    for folder in ("cache", "keras", "system"):
        assert str(where[folder]) in message
    assert "1 bad copy skipped" in message and "no such file" in message
    assert "install Debian's dataset-fashion-mnist package" in message
    assert "--data-dir" in message


def test_a_cache_under_a_regular_file_is_not_called_unwritable(
    where, official: Path, tmp_path: Path, monkeypatch
) -> None:
    a_file = tmp_path / "a-file"
    a_file.write_text("")
    monkeypatch.setenv("XDG_CACHE_HOME", str(a_file / "cache"))
    with pytest.raises(DataError) as caught:
        locate()
    message = str(caught.value)
    assert f"{str(a_file)!r} is a file, not a folder" in message and "XDG_CACHE_HOME" in message
    assert "not writable" not in message
    _copy(official, where["system"])  # a bad cache folder does not stop a verified source
    assert {f.source for f in locate().values()} == {"system"}


def test_hostile_files_outside_an_explicit_folder_are_skipped(where, official: Path) -> None:
    _copy(official, where["system"])
    where["cache"].mkdir(parents=True)
    where["keras"].mkdir(parents=True)
    images = FILES["train_images"].filename
    (where["cache"] / images).symlink_to("/dev/zero")
    (where["keras"] / images).write_bytes(gzip.compress(b"\x00\x00\x08\x03" + bytes(12)))
    (where["keras"] / LABELS).symlink_to(where["keras"] / LABELS)  # a loop
    found = locate()
    assert found["train_images"].source == found["train_labels"].source == "system"
    assert (where["cache"] / images).is_symlink()  # left as found


def test_a_download_into_a_cache_folder_that_is_a_file_is_one_clear_error(
    where: dict[str, Path], official: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``$XDG_CACHE_HOME/fashionlab`` a file: the download path raised NotADirectoryError from
    its lock (a hostile review's finding); now the usage error every command gives, the file
    untouched."""
    from fashionlab.errors import UsageError

    _copy(official, where["mirror"])
    (tmp_path / "xdg").mkdir()
    (tmp_path / "xdg" / "fashionlab").write_text("mine")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    with pytest.raises(UsageError, match=r"fashionlab' .*is a file, not a folder; move it away"):
        locate(verify=True)
    assert (tmp_path / "xdg" / "fashionlab").read_text() == "mine"
