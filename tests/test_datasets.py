from __future__ import annotations

import gzip
import hashlib
import os
from pathlib import Path

import numpy as np
import pytest

from fashionlab.data import datasets, download
from fashionlab.data.datasets import FILES, decode_idx, encode_idx, load_fashion_mnist, locate
from fashionlab.errors import ChecksumError, DataError, DataFormatError


def test_tiny_folder_loads_with_verification_off(tiny_data_dir: Path) -> None:
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(tiny_data_dir, verify=False)
    assert x_train.shape == (60, 28, 28) and x_train.dtype == np.uint8
    assert y_train.shape == (60,) and x_test.shape == (20, 28, 28) and y_test.shape == (20,)
    assert x_train.flags.writeable


def test_tiny_folder_fails_the_checksum(tiny_data_dir: Path) -> None:
    with pytest.raises(ChecksumError, match="train-images-idx3-ubyte.gz.*--no-verify"):
        load_fashion_mnist(tiny_data_dir)


def test_encode_decode_round_trip() -> None:
    array = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    np.testing.assert_array_equal(decode_idx(gzip.compress(encode_idx(array))), array)


def test_missing_file_in_explicit_dir_names_it(tiny_data_dir: Path) -> None:
    (tiny_data_dir / FILES["test_labels"].filename).unlink()
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz is missing"):
        locate(tiny_data_dir, verify=False)


def test_a_file_gone_after_the_check_is_an_error_not_a_download(
    tiny_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A review: the second look at an explicit folder was an assert, which ``python -O`` drops,
    and an explicit folder must never download."""
    (tiny_data_dir / FILES["test_labels"].filename).unlink()
    monkeypatch.setattr(datasets, "_check_complete", lambda source: None)  # gone after it looked
    monkeypatch.setattr(download, "fetch", lambda *args, **kwargs: pytest.fail("downloaded"))
    with pytest.raises(DataError, match="t10k-labels-idx1-ubyte.gz is missing; copy the official"):
        locate(tiny_data_dir, verify=False)


def test_a_folder_under_a_files_name_is_missing_with_the_others(tiny_data_dir: Path) -> None:
    """A hostile reading: with a folder where a file belongs, only the other missing files were
    named, and the folder only on the next run."""
    (tiny_data_dir / FILES["train_images"].filename).unlink()
    (tiny_data_dir / FILES["train_images"].filename).mkdir()
    (tiny_data_dir / FILES["test_labels"].filename).unlink()
    names = (
        f"{FILES['test_labels'].filename} is missing, and {FILES['train_images'].filename} is a "
        "folder, not a file; move that folder away and copy the official files there"
    )
    with pytest.raises(DataError, match=names):
        locate(tiny_data_dir, verify=False)


def test_explicit_dir_must_exist(tmp_path: Path) -> None:
    with pytest.raises(DataError, match="argument --data-dir: '.*absent': no such folder"):
        locate(tmp_path / "absent")


def test_a_folder_link_that_loops_or_dangles_is_called_so(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to(tmp_path / "b")
    (tmp_path / "b").symlink_to(tmp_path / "a")
    (tmp_path / "gone").symlink_to(tmp_path / "missing")
    with pytest.raises(
        DataError, match="argument --data-dir: '.*a': a link that leads in a circle"
    ):
        locate(tmp_path / "a")
    with pytest.raises(
        DataError,
        match="argument --data-dir: '.*gone': a link that leads to a folder that does not exist",
    ):
        locate(tmp_path / "gone")


def test_a_file_given_as_the_folder_is_called_a_file(tmp_path: Path) -> None:
    a_file = tmp_path / "train-images-idx3-ubyte.gz"
    a_file.write_bytes(b"x")
    with pytest.raises(DataError, match="is a file, not a folder") as caught:
        locate(a_file)
    assert "no such folder" not in str(caught.value)
    with pytest.raises(DataError, match=f"no such folder \\('{a_file}' is a file"):
        locate(a_file / "below")


def test_an_explicit_folder_is_never_told_a_download_will_fix_it(
    tiny_data_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ChecksumError) as checksum:
        locate(tiny_data_dir)
    (tiny_data_dir / FILES["test_labels"].filename).write_bytes(b"\x1f\x8b" + bytes(40))
    with pytest.raises(DataFormatError) as corrupt:
        locate(tiny_data_dir, verify=False)
    monkeypatch.setenv("FASHIONLAB_DATA", str(tiny_data_dir))
    with pytest.raises(DataFormatError) as from_env:
        locate(verify=False)
    for caught, flag in [
        (checksum, "--data-dir"),
        (corrupt, "--data-dir"),
        (from_env, "$FASHIONLAB_DATA"),
    ]:
        message = str(caught.value)
        assert "official file" in message and f"point {flag} at another folder" in message
        assert "delete" not in message and "download" not in message, message


def test_random_bytes_are_called_what_they_are(tiny_data_dir: Path) -> None:
    path = tiny_data_dir / FILES["train_images"].filename
    path.write_bytes(np.random.default_rng(1).bytes(5000))
    with pytest.raises(DataFormatError, match="not a gzip file") as caught:
        locate(tiny_data_dir, verify=False)
    assert "pickle" not in str(caught.value).lower()


def test_an_unreadable_file_is_blamed_on_what_is_wrong(tiny_data_dir: Path) -> None:
    path = tiny_data_dir / FILES["train_images"].filename
    path.unlink()
    path.symlink_to(tiny_data_dir / "nowhere.gz")
    with pytest.raises(DataError, match="link to a file that does not exist") as caught:
        locate(tiny_data_dir, verify=False)
    assert "permission" not in str(caught.value)
    assert str(caught.value).endswith("or point --data-dir at another folder")


def test_environment_variable_is_used(tiny_data_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FASHIONLAB_DATA", str(tiny_data_dir))
    found = locate(verify=False)
    assert {f.source for f in found.values()} == {"env"}


def test_unchecked_files_from_two_folders_are_said(
    tiny_data_dir: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The hostile review of stop 46: with --no-verify, a labels file in the user cache was
    taken beside the other three from another folder, without a word, and gave other numbers."""
    import logging
    import shutil

    keras = Path(os.environ["KERAS_HOME"]) / "datasets" / "fashion-mnist"
    keras.mkdir(parents=True)
    for spec in FILES.values():
        shutil.copy(tiny_data_dir / spec.filename, keras / spec.filename)
    monkeypatch.setattr(datasets, "_MIXED", set())  # said once per process: this test's
    with caplog.at_level(logging.WARNING):
        locate(verify=False)  # all four from one folder: nothing to say
    assert caplog.text == ""
    cache = datasets.cache_home()
    cache.mkdir(parents=True)
    shutil.copy(tiny_data_dir / FILES["train_labels"].filename, cache)
    with caplog.at_level(logging.WARNING):
        found = locate(verify=False)
    assert {f.source for f in found.values()} == {"cache", "keras"}
    assert f"the four files come from 2 folders ({cache}, {keras})" in caplog.text
    assert "give --data-dir one folder that holds all four" in caplog.text
    locate(verify=False)  # a run locates them several times: said once
    assert caplog.text.count("the four files come from") == 1


@pytest.mark.realdata
def test_a_corrupt_cache_entry_falls_through_to_the_system_copy_offline(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    real_data_dir: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    cache = datasets.cache_home()
    cache.mkdir(parents=True)
    bad = cache / FILES["train_labels"].filename
    bad.write_bytes(b"not gzip at all")
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "no-keras"))

    def offline(*args, **kwargs):
        raise AssertionError("no download may be tried while a verified copy exists")

    monkeypatch.setattr(download, "fetch", offline)
    with caplog.at_level("WARNING", logger="fashionlab"):
        found = locate()
    assert {f.source for f in found.values()} == {"system"}
    assert found["train_labels"].path == real_data_dir / FILES["train_labels"].filename
    assert bad.read_bytes() == b"not gzip at all"  # never deleted
    (warning,) = [r.getMessage() for r in caplog.records if r.levelname == "WARNING"]
    assert str(bad) in warning and "not a gzip file" in warning and "\n" not in warning


@pytest.mark.realdata
def test_real_files_verify_and_have_official_shapes(real_data_dir: Path) -> None:
    found = locate(real_data_dir)
    assert all(f.verified in ("archive sha256", "payload sha256") for f in found.values())
    (x_train, y_train), (x_test, y_test) = load_fashion_mnist(real_data_dir)
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    assert x_train.dtype == y_train.dtype == np.uint8
    assert np.bincount(y_train).tolist() == [6000] * 10  # the official balance
    assert y_train[:5].tolist() == [9, 0, 0, 3, 0]  # the official order


@pytest.mark.realdata
def test_a_repackaged_copy_verifies_by_its_payload(real_data_dir: Path, tmp_path: Path) -> None:
    """The README's Debian case: the same IDX bytes in another gzip wrapper (a new mtime and
    level) fail the archive's hash and pass the payload's, whichever the real files are."""
    for spec in FILES.values():
        payload = gzip.decompress((real_data_dir / spec.filename).read_bytes())
        (tmp_path / spec.filename).write_bytes(gzip.compress(payload, compresslevel=1, mtime=1))
    found = locate(tmp_path)
    assert {f.verified for f in found.values()} == {"payload sha256"}
    (x_train, y_train), _ = load_fashion_mnist(tmp_path)
    assert y_train[:5].tolist() == [9, 0, 0, 3, 0] and x_train.shape == (60000, 28, 28)


@pytest.mark.realdata
def test_one_flipped_byte_is_caught(real_data_dir: Path, tmp_path: Path) -> None:
    for spec in FILES.values():
        (tmp_path / spec.filename).write_bytes((real_data_dir / spec.filename).read_bytes())
    target = tmp_path / FILES["train_labels"].filename
    payload = bytearray(gzip.decompress(target.read_bytes()))
    payload[100] = (payload[100] + 1) % 10
    target.write_bytes(gzip.compress(bytes(payload)))
    with pytest.raises(ChecksumError, match="train-labels-idx1-ubyte.gz"):
        load_fashion_mnist(tmp_path)
    load_fashion_mnist(tmp_path, verify=False)  # a deliberately different copy is allowed


def test_pinned_checksums_are_well_formed() -> None:
    for spec in FILES.values():
        assert len(spec.sha256) == len(spec.payload_sha256) == 64
        int(spec.sha256, 16), int(spec.payload_sha256, 16)
    assert hashlib.sha256(b"").hexdigest() not in {s.sha256 for s in FILES.values()}


def test_symlink_to_dev_zero_is_refused(tiny_data_dir: Path) -> None:
    target = tiny_data_dir / FILES["train_images"].filename
    target.unlink()
    target.symlink_to("/dev/zero")
    with pytest.raises(DataFormatError, match="not a regular file"):
        locate(tiny_data_dir, verify=False)


def test_a_file_missing_from_the_environment_variables_folder_names_the_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "empty").mkdir()
    monkeypatch.setenv("FASHIONLAB_DATA", str(tmp_path / "empty"))
    files = ", ".join(spec.filename for spec in FILES.values())
    with pytest.raises(
        DataError, match=rf"^\$FASHIONLAB_DATA '.*empty': {files} are missing; copy"
    ):
        locate(verify=False)  # all four named at once (a hostile reading: one a run)


def test_verify_must_be_a_bool() -> None:
    """verify="no" would have verified: a string is truthy."""
    with pytest.raises(TypeError, match="verify must be True or False, got 'no'"):
        load_fashion_mnist("/nonexistent", verify="no")  # type: ignore[arg-type]


@pytest.mark.realdata
def test_a_mirror_of_a_repackaged_copy_is_downloaded_and_verified_by_its_payload(
    real_data_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A hostile reading: FASHIONLAB_MIRRORS pointed at a copy of Debian's files (the official
    content, another gzip wrapper) was refused as a "SHA-256 mismatch", though the same files pass
    as a --data-dir. A download is now verified as a local copy is; other content still fails."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    spec = FILES["train_labels"]
    payload = gzip.decompress((real_data_dir / spec.filename).read_bytes())
    mirror = tmp_path / "mirror"
    mirror.mkdir()
    (mirror / spec.filename).write_bytes(gzip.compress(payload, compresslevel=1, mtime=1))
    loaded = datasets._download("train_labels", spec, True, (mirror.as_uri() + "/",))
    assert (loaded.source, loaded.verified) == ("download", "payload sha256")
    assert loaded.array[:5].tolist() == [9, 0, 0, 3, 0]
    changed = bytearray(payload)
    changed[100] = (changed[100] + 1) % 10
    (mirror / spec.filename).write_bytes(gzip.compress(bytes(changed)))
    loaded.path.unlink()
    with pytest.raises(DataError, match="nor is its content the official file's"):
        datasets._download("train_labels", spec, True, (mirror.as_uri() + "/",))
    assert not loaded.path.exists()  # the refused download never reached the cache


def test_a_file_the_user_cannot_look_at_is_no_copy(tmp_path: Path, monkeypatch) -> None:
    """A review: where Python 3.11 raises for a path (a folder this user may not search), the
    search path skips it, as a missing one, rather than end in a traceback."""
    from fashionlab.files import storage

    def refuse(self: Path) -> bool:
        raise PermissionError(13, "Permission denied", str(self))

    monkeypatch.setattr(Path, "exists", refuse)
    assert storage.present(tmp_path / "x") is False


def test_a_named_folder_this_user_may_not_open_is_said_so(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("FASHIONLAB_DATA", str(tmp_path))
    monkeypatch.setattr(os, "access", lambda path, mode, **kwargs: False)  # root opens anything
    with pytest.raises(DataError, match=r"^\$FASHIONLAB_DATA .*: a folder this user may not open"):
        locate(verify=False)
