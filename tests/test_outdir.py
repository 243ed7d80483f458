"""Report folders: fashionlab never deletes or changes a file it did not write."""

from __future__ import annotations

import hashlib
import json
import os
import re
import stat
import struct
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import need_mount

from fashionlab.errors import EnvironmentFault, UsageError
from fashionlab.files import outdir, outpath, ownership, swap


def snapshot(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


def write_report(target: str, files: dict[str, str]) -> Path:
    real = outdir.check(target, {}, "report")
    with outdir.report_folder(real, "report") as stage:
        for name, text in files.items():
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            (stage / name).write_text(text)
    return real


def test_a_new_folder_gets_the_report_and_a_manifest(tmp_path: Path) -> None:
    real = write_report(str(tmp_path / "out"), {"index.html": "a", "figures/x.png": "b"})
    assert sorted(snapshot(real)) == ["fashionlab-manifest.json", "figures/x.png", "index.html"]
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporary folder left


def test_a_previous_report_is_replaced_whole(tmp_path: Path) -> None:
    write_report(str(tmp_path / "out"), {"index.html": "old", "figures/old.png": "x"})
    real = write_report(str(tmp_path / "out"), {"index.html": "new"})
    assert (real / "index.html").read_text() == "new"
    assert not (real / "figures").exists()


@pytest.mark.parametrize(
    "foreign", ["notes.txt", "figures/mine.png", "empty-folder/", "figures/empty/", "figures/a/b/"]
)
def test_a_folder_holding_anything_else_is_refused_untouched(tmp_path: Path, foreign: str) -> None:
    real = write_report(str(tmp_path / "out"), {"index.html": "a", "figures/x.png": "b"})
    path = real / foreign.rstrip("/")
    if foreign.endswith("/"):
        path.mkdir(parents=True)
    else:
        path.write_text("the user's")
    before = snapshot(real)
    with pytest.raises(
        UsageError,
        match=r"holds .*which fashionlab did not write; move it away, or pick a new or empty folder",
    ):
        outdir.check(str(real), {}, "report")
    assert snapshot(real) == before


def test_a_changed_report_file_is_refused(tmp_path: Path) -> None:
    real = write_report(str(tmp_path / "out"), {"index.html": "a"})
    (real / "index.html").write_text("edited by the user")
    said = r"holds 'index.html', which fashionlab wrote but someone changed since; move it away"
    with pytest.raises(UsageError, match=said) as refused:
        outdir.check(str(real), {}, "report")
    assert "did not write" not in str(refused.value)  # a hostile reading: it contradicted itself


def test_a_users_file_named_like_a_reason_is_still_a_users_file(tmp_path: Path) -> None:
    """A review: the refusal once read its reason back out of the entry's text, so a user's file
    named "notes (changed since fashionlab wrote it)" was said to be fashionlab's."""
    real = write_report(str(tmp_path / "out"), {"index.html": "a"})
    (real / "notes (changed since fashionlab wrote it)").write_text("mine")
    said = r"holds 'notes \(changed since fashionlab wrote it\)', which fashionlab did not write"
    with pytest.raises(UsageError, match=said):
        outdir.check(str(real), {}, "report")


def test_a_users_documents_folder_is_refused(tmp_path: Path) -> None:
    documents = tmp_path / "Documents"
    documents.mkdir()
    (documents / "thesis.tex").write_text("years of work")
    with pytest.raises(UsageError, match="thesis.tex"):
        outdir.check(str(documents), {}, "report")
    assert (documents / "thesis.tex").read_text() == "years of work"


def test_a_file_dropped_in_during_the_run_is_kept(tmp_path: Path) -> None:
    real = outdir.check(str(tmp_path / "out"), {}, "report")
    real.mkdir()
    with (
        pytest.raises(UsageError, match="now holds 'late.txt'"),
        outdir.report_folder(real, "report") as stage,
    ):
        (stage / "index.html").write_text("new")
        (real / "late.txt").write_text("the user's")
    assert (real / "late.txt").read_text() == "the user's"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


@pytest.mark.parametrize("relation", ["equal", "inside", "containing"])
def test_the_data_folder_and_the_cache_are_protected(tmp_path: Path, relation: str) -> None:
    data = tmp_path / "data"
    data.mkdir()
    target = {"equal": data, "inside": data / "report", "containing": tmp_path}[relation]
    with pytest.raises(UsageError, match="the data folder"):
        outdir.check(str(target), {"data folder": data}, "report")


def test_a_symlink_is_followed_not_replaced(tmp_path: Path) -> None:
    target = tmp_path / "real"
    target.mkdir()
    link = tmp_path / "link"
    link.symlink_to(target)
    write_report(str(link), {"index.html": "a"})
    assert link.is_symlink() and (target / "index.html").read_text() == "a"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link", "real"]  # no *.tmp link left


def test_the_current_folder_works_in_place_when_empty(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    here = tmp_path / "here"
    here.mkdir()
    monkeypatch.chdir(here)
    write_report(".", {"index.html": "a"})
    write_report(".", {"index.html": "b"})
    assert (here / "index.html").read_text() == "b"
    assert sorted(p.name for p in here.iterdir()) == ["fashionlab-manifest.json", "index.html"]


def test_the_current_project_folder_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "pyproject.toml").write_text("[project]")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(UsageError, match="pyproject.toml"):
        outdir.check(".", {}, "report")


def test_the_root_is_refused() -> None:
    with pytest.raises(UsageError, match="did not write"):
        outdir.check("/", {}, "report")


@pytest.mark.parametrize("folder", ["/proc/fashionlab-report", "/sys/fashionlab-report"])
def test_a_folder_nothing_can_be_created_in_is_refused_before_any_work(folder: str) -> None:
    """Root passes ``os.access`` there; a real attempt does not (no probe is left behind)."""
    with pytest.raises(UsageError, match="not writable"):
        outdir.check(folder, {}, "report")
    assert not [p for p in Path(folder).parent.iterdir() if "fashionlab" in p.name]


@pytest.mark.parametrize(
    "kind", ["under a file", "dangling link", "below a dangling link", "link loop", "a file"]
)
def test_impossible_paths_are_one_line_errors(tmp_path: Path, kind: str) -> None:
    """Below a dangling link, the link's target was made (the hostile review of stop 48)."""
    (tmp_path / "file").write_text("x")
    (tmp_path / "dangling").symlink_to(tmp_path / "missing")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    text = {
        "under a file": tmp_path / "file" / "out",
        "dangling link": tmp_path / "dangling",
        "below a dangling link": tmp_path / "dangling" / "sub",
        "link loop": tmp_path / "loop",
        "a file": tmp_path / "file",
    }[kind]
    with pytest.raises(UsageError) as caught:
        outdir.check(str(text), {}, "report")
    message = str(caught.value)
    assert "\n" not in message and "not writable" not in message and "no such" not in message
    if "dangling" in kind:
        assert "a symlink to a missing folder" in message
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dangling", "file", "loop"]


def test_a_librarys_folder_in_a_link_loop_is_one_line(tmp_path: Path, monkeypatch) -> None:
    """A second hostile review: MPLCONFIGDIR in a loop was matplotlib's traceback after the work."""
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    monkeypatch.setenv("MPLCONFIGDIR", str(tmp_path / "loop"))
    with pytest.raises(UsageError, match=r"the matplotlib folder \(\$MPLCONFIGDIR\) .* cannot be"):
        outdir.check(str(tmp_path / "plots"), {}, "figures", "--plot")


def test_leftovers_of_a_killed_run_are_removed_but_nothing_else(tmp_path: Path) -> None:
    """Only what a staging folder holds proves it fashionlab's; a name shaped like one does not."""
    dead = 2**22 + 12345  # beyond pid_max on this kernel: no such process
    stage = outdir.stage_path(tmp_path / "out", in_place=False).name.replace(
        f".{os.getpid()}.", f".{dead}."
    )
    made = {
        "being built": (
            tmp_path / stage.replace(".tmp", "0.tmp"),
            {
                ownership.STAGE_MARK: "",
                "index.html": "<p>",
                "results.json": "{}",
                f".report.md.{dead}.part": "# half",
                "figures/q1_grid.png": "png",
                f"figures/.nn_loss.svg.{dead}.part": "<svg",
            },
        ),
        "swapped out": (tmp_path / stage.replace(".tmp", "1.tmp"), None),  # an old whole report
        # made, and killed before its mark was written (a fresh-clone CI run): empty, named for
        # this folder, its process gone
        "an empty folder named as this folder's stage": (
            tmp_path / stage.replace(".tmp", "2.tmp"),
            {},
        ),
    }
    kept = {
        "a user's folder named as a stage": (
            tmp_path / stage.replace(".tmp", "3.tmp"),
            {"mine": "x"},
        ),
        "a user's file named as a stage": (tmp_path / stage.replace(".tmp", "4.tmp"), "x"),
        # a review: fashionlab's mark does not make a user's file in the folder fashionlab's
        "a marked stage holding a user's file": (
            tmp_path / stage.replace(".tmp", "5.tmp"),
            {ownership.STAGE_MARK: "", "index.html": "<p>", "thesis.txt": "mine"},
        ),
        "a marked stage holding a user's Markdown file": (  # a name a report could hold, but not
            tmp_path / stage.replace(".tmp", "6.tmp"),
            {ownership.STAGE_MARK: "", "index.html": "<p>", "thesis.md": "mine"},
        ),
        "a user's file named as a temporary file": (tmp_path / f".out.backup.{dead}.tmp", "x"),
        "a user's folder named as a partial file": (tmp_path / f".out.cache.{dead}.part", {}),
        "a stage whose process is alive": (
            tmp_path / stage.replace(f".{dead}.", f".{os.getppid()}."),
            {ownership.STAGE_MARK: ""},
        ),
    }
    for path, content in [*made.values(), *kept.values()]:
        if isinstance(content, str):
            path.write_text(content)
        elif content is not None:
            path.mkdir()
            for name, text in content.items():
                (path / name).parent.mkdir(exist_ok=True)
                (path / name).write_text(text)
    swapped = made["swapped out"][0]
    write_report(str(swapped.parent / "old"), {"index.html": "old"}).rename(swapped)
    # the mutation review: an old whole report, swapped out, with a user's file put in it, is
    # the user's (the check that proves a swapped-out report whole was untested)
    owned = tmp_path / stage.replace(".tmp", "7.tmp")
    write_report(str(tmp_path / "older"), {"index.html": "older"}).rename(owned)
    (owned / "thesis.txt").write_text("mine")
    kept["an old report holding a user's file"] = (owned, None)
    write_report(str(tmp_path / "out"), {"index.html": "a"})
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names == sorted(["out", *(path.name for path, _ in kept.values())])


@pytest.mark.parametrize("name", [".stage.77777.tmp", ".fashionlab-stage.77777.tmp"])
def test_a_file_named_as_a_stage_inside_the_folder_is_refused(tmp_path: Path, name: str) -> None:
    """The first is the name fashionlab's stages had: it was skipped as one, then deleted."""
    real = write_report(str(tmp_path / "out"), {"index.html": "a"})
    (real / name).write_text("the user's")
    with pytest.raises(UsageError, match=f"holds '{re.escape(name)}'"):
        outdir.check(str(real), {}, "report")
    assert (real / name).read_text() == "the user's"


@pytest.mark.parametrize("mode", [0o700, 0o1777, 0o750])
def test_the_folder_keeps_its_permissions(tmp_path: Path, mode: int) -> None:
    real = tmp_path / "out"
    real.mkdir()
    real.chmod(mode)
    for text in ("first", "second"):  # into the empty folder, then over its own report
        write_report(str(real), {"index.html": text})
        assert stat.S_IMODE(real.stat().st_mode) == mode
    assert (real / "index.html").read_text() == "second"


def _acl(user: int) -> bytes:
    """A POSIX access ACL in the kernel's format: the owner rwx, ``user`` r-x, the rest r-x."""
    entries = [
        (0x01, 7, 0xFFFFFFFF),
        (0x02, 5, user),
        (0x04, 5, 0xFFFFFFFF),
        (0x10, 5, 0xFFFFFFFF),
        (0x20, 5, 0xFFFFFFFF),
    ]
    return struct.pack("<I", 2) + b"".join(struct.pack("<HHI", *entry) for entry in entries)


def test_a_folder_with_an_acl_is_refilled_in_place_and_keeps_it(tmp_path: Path) -> None:
    """A new folder swapped in could not carry the ACL a user gave the old one."""
    real = tmp_path / "out"
    write_report(str(real), {"index.html": "old", "figures/a.png": "x"})
    try:
        os.setxattr(real, "system.posix_acl_access", _acl(user=4321))
    except OSError as exc:
        pytest.skip(f"this file system takes no POSIX ACL ({exc})")
    inode, acl = real.stat().st_ino, os.getxattr(real, "system.posix_acl_access")
    write_report(str(real), {"index.html": "new"})
    assert real.stat().st_ino == inode  # the same folder, refilled
    assert os.getxattr(real, "system.posix_acl_access") == acl
    assert sorted(snapshot(real)) == ["fashionlab-manifest.json", "index.html"]
    assert (real / "index.html").read_text() == "new"


def test_a_long_folder_name_leaves_room_for_the_stage(tmp_path: Path) -> None:
    real = write_report(str(tmp_path / ("a" * 250)), {"index.html": "a"})
    assert (real / "index.html").read_text() == "a"
    assert [p.name for p in tmp_path.iterdir()] == [real.name]


def test_two_commands_adding_to_one_folder_at_once_both_keep_their_files(tmp_path: Path) -> None:
    """Another process adds its figure while this one is still staging: the earlier files are
    carried over under the folder's lock, just before the swap, so neither is lost."""
    import subprocess
    import sys

    plots = tmp_path / "plots"
    outdir.add_files(outdir.check(str(plots), {}, "figures", "--plot"), {"a.svg": b"a"}, "--plot")
    other = f"from pathlib import Path; from fashionlab.files import outdir; outdir.add_files(Path({str(plots)!r}), {{'c.svg': b'c'}}, '--plot')"
    with outdir.report_folder(plots, "figures", "--plot", keep=True) as stage:
        (stage / "b.svg").write_bytes(b"b")
        subprocess.run([sys.executable, "-c", other], check=True)  # finishes while we stage
    assert {p.name: p.read_bytes() for p in plots.glob("*.svg")} == {
        "a.svg": b"a",
        "b.svg": b"b",
        "c.svg": b"c",
    }
    assert ownership.find_foreign(plots) is None  # the manifest lists all three


@pytest.mark.parametrize(
    "name",
    [
        "../outside.txt",
        "/etc/passwd",
        "",
        "a" * 300,
        "sub/" + "b" * 256,
        "/".join(["c" * 250] * 20),
    ],
)
@pytest.mark.parametrize("tool", [None, "fashionlab"])
def test_a_manifest_naming_a_file_outside_its_folder_is_not_ours(
    tmp_path: Path, name: str, tool: str | None
) -> None:
    """Also a name no file can have (the hostile review of stop 46: 300 characters gave a
    traceback, 'File name too long', in every command and in make clean). Written as fashionlab's
    or not, such a manifest is one fashionlab cannot read, never another tool's (a review)."""
    folder = tmp_path / "report"
    folder.mkdir()
    (tmp_path / "outside.txt").write_text("precious")
    (folder / ownership.MANIFEST).write_text(json.dumps({"tool": tool, "files": {name: "0"}}))
    assert ownership.find_foreign(folder) == ownership.Foreign(ownership.MANIFEST, "unreadable")
    with pytest.raises(
        UsageError, match="which is no manifest fashionlab can read, so no file there is known"
    ):
        outdir.check(str(folder), {}, "report")
    assert (tmp_path / "outside.txt").read_text() == "precious"


def test_another_tools_listing_of_the_same_name_makes_no_file_fashionlabs(tmp_path: Path) -> None:
    """The hostile review of stop 48: a ``fashionlab-manifest.json`` whose ``tool`` was another's,
    listing a user's file with its true SHA-256, let ``explore --out`` delete that file."""
    folder = tmp_path / "report"
    folder.mkdir()
    (folder / "thesis.txt").write_text("precious")
    files = {"thesis.txt": hashlib.sha256(b"precious").hexdigest()}
    for tool, reason in (("someothertool", "another tool's"), (None, "unreadable")):
        manifest = {"tool": tool, "kind": "explore", "files": files}
        (folder / ownership.MANIFEST).write_text(json.dumps(manifest))
        assert ownership.find_foreign(folder) == ownership.Foreign(ownership.MANIFEST, reason)
        assert ownership.written_by(folder) is None
        said = "which another tool wrote" if tool else "which is no manifest fashionlab can read"
        with pytest.raises(UsageError, match=said):
            outdir.check(str(folder), {}, "explore")
    (folder / ownership.MANIFEST).write_text(json.dumps({**manifest, "tool": "fashionlab"}))
    assert ownership.find_foreign(folder) is None  # the same listing, fashionlab's: replaceable
    assert (folder / "thesis.txt").read_text() == "precious"


@pytest.mark.parametrize("listed", ["a folder", "a pipe", "a manifest nested too deeply to read"])
def test_a_manifest_naming_what_is_not_a_file_is_not_ours(tmp_path: Path, listed: str) -> None:
    """Read without hanging or crashing: a listed name that is a folder or a pipe (reading a pipe
    would wait for ever), or a manifest that would exhaust the JSON reader's recursion."""
    folder = tmp_path / "report"
    folder.mkdir()
    if listed == "a folder":
        (folder / "sub").mkdir()
        (folder / "sub" / "x.svg").write_text("x")
        files = {"sub": "0", "sub/x.svg": hashlib.sha256(b"x").hexdigest()}
    elif listed == "a pipe":
        os.mkfifo(folder / "sub")
        files = {"sub": "0"}
    if listed.startswith("a manifest"):
        (folder / ownership.MANIFEST).write_text("[" * 100_000 + "]" * 100_000)
    else:
        (folder / ownership.MANIFEST).write_text(json.dumps({"files": files}))
    assert ownership.find_foreign(folder) in (
        ownership.Foreign("sub"),
        ownership.Foreign(ownership.MANIFEST, "unreadable"),
    )
    with pytest.raises(UsageError, match="did not write|which is no manifest fashionlab can read"):
        outdir.check(str(folder), {}, "report")


def test_a_folder_whose_parent_cannot_take_the_stage_is_refused_first(
    tmp_path, monkeypatch
) -> None:
    """The new output is built beside the folder: a parent that takes no new entry is said before
    any work, not after it (root passes every permission test, so the probe is made to fail)."""
    real = tmp_path / "locked" / "out"
    real.mkdir(parents=True)
    can_create = outpath._can_create_in
    monkeypatch.setattr(
        outpath, "_can_create_in", lambda folder: folder != real.parent and can_create(folder)
    )
    with pytest.raises(UsageError, match=r"is in a folder fashionlab cannot write \('.*locked'\)"):
        outdir.check(str(real), {}, "report")


@pytest.mark.parametrize("call", [1, 2, 4])
def test_an_interrupt_during_a_swap_file_by_file_waits_for_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, call: int
) -> None:
    """A folder that cannot be renamed (the current folder, a mount point, an ACL) is refilled
    file by file. A real SIGINT, handled by the CLI's own handler, at the ``call``-th file moved
    in: the swap runs to its end and the interrupt is raised after it, so the folder holds the
    new report whole, never half of each (a hostile review's finding)."""
    import signal

    from fashionlab import critical
    from fashionlab.cli import console

    real = tmp_path / "out"
    write_report(str(real), {"index.html": "old", "report.md": "old", "figures/a.png": "x"})
    monkeypatch.setattr(outpath, "in_place", lambda folder: True)
    moved, inside = 0, []
    replace = os.replace

    def interrupting_replace(source: object, target: object) -> None:
        nonlocal moved
        moved += 1
        if moved == call:
            inside.append(critical._depth > 0)
            os.kill(os.getpid(), signal.SIGINT)
        replace(source, target)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "replace", interrupting_replace)
    console.reset()  # a command that ran before in this process left its flags set
    previous = signal.signal(signal.SIGINT, console.on_signal)
    try:
        with pytest.raises(KeyboardInterrupt):
            write_report(
                str(real),
                {
                    "index.html": "new",
                    "report.md": "new",
                    "results.json": "{}",
                    "figures/b.png": "y",
                },
            )
    finally:
        signal.signal(signal.SIGINT, previous)
        console.reset()
    assert inside == [True]  # the signal came during the swap
    assert sorted(snapshot(real)) == [
        "fashionlab-manifest.json",
        "figures/b.png",
        "index.html",
        "report.md",
        "results.json",
    ]
    assert (real / "index.html").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert ownership.find_foreign(real) is None  # a later run may write here again


@pytest.mark.timeout(10)
@pytest.mark.parametrize("kind", ["a pipe", "a link to /dev/zero", "a giant"])
def test_a_manifest_that_is_no_plain_file_is_refused_at_once(tmp_path: Path, kind: str) -> None:
    """Reading a FIFO put where the manifest belongs waited forever, and /dev/zero filled memory
    (a hostile review's finding): both are refused, within the 10 s timeout."""
    real = write_report(str(tmp_path / "out"), {"index.html": "a"})
    manifest = real / ownership.MANIFEST
    manifest.unlink()
    if kind == "a pipe":
        os.mkfifo(manifest)
    elif kind == "a link to /dev/zero":
        manifest.symlink_to("/dev/zero")
    else:
        with manifest.open("wb") as file:
            file.truncate((16 << 20) + 1)  # sparse: one byte over the limit
    with pytest.raises(
        UsageError, match="which is no manifest fashionlab can read, so no file there is known"
    ):
        outdir.check(str(real), {}, "report")


def test_a_previous_report_with_a_folder_made_read_only_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``chmod 555 report/figures``: the old figures could not be removed, and were left in a
    hidden stage beside the report with no manifest to prove them fashionlab's (a hostile
    review's finding). Root writes anywhere, so the probe answers as for a user."""
    real = write_report(str(tmp_path / "out"), {"index.html": "a", "figures/x.png": "b"})
    (real / "figures").chmod(0o555)
    if os.geteuid() == 0:
        access = os.access
        monkeypatch.setattr(
            os,
            "access",
            lambda path, mode, **kw: Path(path) != real / "figures" and access(path, mode, **kw),
        )
    with pytest.raises(UsageError, match="holds 'figures', which is not writable"):
        outdir.check(str(real), {}, "report")
    (real / "figures").chmod(0o755)


def _written(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in folder.rglob("*") if p.is_file()}


@pytest.mark.parametrize("kind", ["report", "explore", "sweep"])
def test_no_command_replaces_another_commands_folder(tmp_path: Path, kind: str) -> None:
    """A --plot folder is fashionlab's, but `explore --out` over it once deleted its figures: the
    manifest says which command wrote a folder, and only that command replaces (or adds to) it."""
    plots = tmp_path / "plots"
    outdir.add_files(outdir.check(str(plots), {}, "figures", "--plot"), {"a.svg": b"a"}, "--plot")
    before = _written(plots)
    with pytest.raises(
        UsageError,
        match=rf"holds the figures of --plot, not "
        rf"{re.escape(outdir.KINDS[kind])}; pick a new or empty "
        r"folder$",
    ):
        outdir.check(str(plots), {}, kind)
    with (
        pytest.raises(UsageError, match="holds the figures of --plot"),  # again, at the swap
        outdir.report_folder(plots, kind) as stage,
    ):
        (stage / "b.svg").write_bytes(b"b")
    assert _written(plots) == before
    outdir.check(str(plots), {}, "figures", "--plot")  # the same kind adds to it


@pytest.mark.parametrize(
    ("listed", "kind"),
    [
        ("results.json", "report"),
        ("embedding.csv", "explore"),
        ("sweep.csv", "sweep"),
        ("a.svg", "figures"),
    ],
)
def test_a_folder_from_before_kinds_were_recorded_is_known_by_its_files(
    tmp_path: Path, listed: str, kind: str
) -> None:
    """An older manifest names no kind: its files tell. Taken as any kind, a --plot folder could
    still be replaced by run, and `logreg --plot` into an older report relabelled it figures."""
    real = tmp_path / "out"
    with outdir.report_folder(outdir.check(str(real), {}, kind), kind) as stage:
        (stage / listed).write_bytes(b"a")
    manifest = json.loads((real / ownership.MANIFEST).read_text())
    assert manifest["kind"] == kind
    del manifest["kind"]
    (real / ownership.MANIFEST).write_text(json.dumps(manifest))
    assert ownership.written_by(real) == kind
    outdir.check(str(real), {}, kind)
    other = "figures" if kind != "figures" else "report"
    with pytest.raises(UsageError, match="pick a new or empty folder"):
        outdir.check(str(real), {}, other)


@pytest.mark.parametrize("stored", ["atlas", ["report"], 7])
def test_a_kind_this_version_does_not_know_is_refused_in_one_line(
    tmp_path: Path, stored: object
) -> None:
    real = tmp_path / "out"
    with outdir.report_folder(outdir.check(str(real), {}, "report"), "report") as stage:
        (stage / "a.svg").write_bytes(b"a")
    manifest = json.loads((real / ownership.MANIFEST).read_text())
    (real / ownership.MANIFEST).write_text(json.dumps({**manifest, "kind": stored}))
    with pytest.raises(UsageError, match="holds output of another fashionlab version"):
        outdir.check(str(real), {}, "report")


def _report(folder: Path, kind: str = "report", files: tuple[str, ...] = ("a.svg",)) -> Path:
    with outdir.report_folder(outdir.check(str(folder), {}, kind), kind) as stage:
        for name in files:
            (stage / name).write_bytes(name.encode())
    return folder


def test_a_file_dropped_in_just_before_the_exchange_is_kept(tmp_path, monkeypatch) -> None:
    """The re-check under the lock comes a moment before the exchange: a file written in that
    moment (about 2 ms, found by a hostile test) went out with the old folder and was deleted."""
    real = _report(tmp_path / "out")
    exchange = swap.exchange

    def late(new: Path, old: Path) -> bool:
        if not (old / "mine.txt").exists() and (new / "b.svg").exists():
            (old / "mine.txt").write_text("precious")
        return exchange(new, old)

    monkeypatch.setattr(swap, "exchange", late)
    with (
        pytest.raises(UsageError, match=r"now holds 'mine.txt', which fashionlab did not write"),
        outdir.report_folder(real, "report") as stage,
    ):
        (stage / "b.svg").write_bytes(b"b")
    assert (real / "mine.txt").read_text() == "precious" and (real / "a.svg").is_file()
    assert not (real / "b.svg").exists() and ownership.written_by(real) == "report"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # the new stage is gone


def test_an_output_inside_another_is_refused(tmp_path: Path) -> None:
    """`logreg --plot report/sub` made report hold a folder its manifest does not list, so `run`
    refused its own report from then on."""
    real = _report(tmp_path / "report")
    for inner in (real / "sub", real / "sub" / "deeper"):
        with pytest.raises(
            UsageError,
            match=r"is inside '.*report', which holds a report of "
            r"fashionlab run; pick a folder outside it",
        ):
            outdir.check(str(inner), {}, "figures", "--plot")
    assert not (real / "sub").exists()


def test_a_manifest_that_is_a_link_is_not_ours(tmp_path: Path) -> None:
    real = _report(tmp_path / "plots", "figures")
    copy = tmp_path / "copy"
    copy.mkdir()
    (copy / "a.svg").write_bytes((real / "a.svg").read_bytes())
    (copy / ownership.MANIFEST).symlink_to(real / ownership.MANIFEST)
    assert ownership.find_foreign(copy) == ownership.Foreign(ownership.MANIFEST)


def test_a_folders_own_files_decide_its_kind_over_an_edited_manifest(tmp_path: Path) -> None:
    real = _report(tmp_path / "sweep", "sweep", ("sweep.csv", "sweep.json"))
    manifest = json.loads((real / ownership.MANIFEST).read_text())
    (real / ownership.MANIFEST).write_text(json.dumps({**manifest, "kind": "explore"}))
    with pytest.raises(UsageError, match="holds a sweep of fashionlab sweep"):
        outdir.check(str(real), {}, "explore")
    (real / ownership.MANIFEST).write_text(json.dumps({**manifest, "kind": "x" * 100_000}))
    assert ownership.written_by(real) == "sweep"


def test_a_very_long_unknown_kind_is_shown_short(tmp_path: Path) -> None:
    real = _report(tmp_path / "plots", "figures")
    manifest = json.loads((real / ownership.MANIFEST).read_text())
    (real / ownership.MANIFEST).write_text(json.dumps({**manifest, "kind": "x" * 100_000}))
    with pytest.raises(UsageError, match="another fashionlab version") as refused:
        outdir.check(str(real), {}, "figures", "--plot")
    assert len(str(refused.value)) < 300


def test_a_name_too_long_for_the_file_system_is_refused_before_any_work(tmp_path: Path) -> None:
    """Under a missing folder it passed the checks and failed after the work, in a traceback."""
    for text in (tmp_path / "x" / ("a" * 256) / "y", tmp_path / ("a" * 256)):
        with pytest.raises(UsageError, match=r"has a name of 256 bytes, more than the 255"):
            outdir.check(str(text), {}, "figures", "--plot")
    assert list(tmp_path.iterdir()) == []


def test_an_output_inside_a_folder_whose_manifest_cannot_be_read_is_refused_in_one_line(
    tmp_path: Path,
) -> None:
    """A manifest nested too deeply for the JSON parser, in a folder above the output, raised
    RecursionError through the nested-output check: a traceback, not one line."""
    outer = tmp_path / "outer"
    outer.mkdir()
    (outer / ownership.MANIFEST).write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(UsageError, match="is inside .*outer', which holds fashionlab's output"):
        outdir.check(str(outer / "inner"), {}, "figures", "--plot")


def test_an_output_inside_another_tools_folder_is_no_nested_output(tmp_path: Path) -> None:
    """A second hostile review: a folder whose manifest another tool wrote (its ``tool`` not
    fashionlab) was said to hold "fashionlab's output", refusing any output inside it."""
    outer = tmp_path / "outer"
    outer.mkdir()
    (outer / ownership.MANIFEST).write_text(json.dumps({"tool": "othertool", "files": {}}))
    assert outdir.check(str(outer / "inner"), {}, "figures", "--plot") == outer / "inner"
    (outer / ownership.MANIFEST).write_text(json.dumps({"tool": "fashionlab", "files": {}}))
    with pytest.raises(UsageError, match="is inside .*outer', which holds"):
        outdir.check(str(outer / "inner"), {}, "figures", "--plot")


def test_a_path_longer_than_the_system_takes_is_said_so_once() -> None:
    """A hostile reading: a path of 5,000 bytes was 'cannot follow', with the path twice."""
    text = "/tmp" + "/" + "/".join(["b" * 200] * 25)
    with pytest.raises(UsageError, match=r"is a path of 5,029 bytes, more than the 4,095") as said:
        outpath.resolve(text, "--plot")
    assert str(said.value).count(text) == 1


def test_a_stage_that_vanishes_while_it_is_read_is_no_foreign_entry(tmp_path, monkeypatch) -> None:
    """A commit review: another run's stage, removed by its own process while this one walked
    it, raised FileNotFoundError (a traceback after a whole run) where it is simply gone."""
    stage = tmp_path / f"{ownership.STAGE_PREFIX}{os.getpid()}.tmp"
    stage.mkdir()
    (stage / ownership.STAGE_MARK).write_text("")

    def vanishing(self: Path, pattern: str):
        yield self / ownership.STAGE_MARK
        raise FileNotFoundError(2, "No such file or directory", str(self / "figures"))

    monkeypatch.setattr(Path, "rglob", vanishing)
    assert ownership.is_our_stage(tmp_path, stage)


def test_make_clean_removes_only_output_folders_that_fashionlab_wrote_whole(tmp_path: Path) -> None:
    """``make clean`` did ``rm -rf report explore``: a file of the user's in report/ went with it.
    It now removes each only where fashionlab wrote everything it holds, unchanged, as a command
    replacing it would, and says why it left the others. Run as ``make clean`` runs it: from a copy
    of the Makefile and ``src/``, with no venv (the recipe removes it)."""
    import shutil
    import subprocess
    import sys

    root = Path(__file__).resolve().parents[1]
    shutil.copy(root / "Makefile", tmp_path / "Makefile")
    shutil.copytree(root / "src", tmp_path / "src", ignore=shutil.ignore_patterns("*.egg-info"))
    write_report(str(tmp_path / "report"), {"index.html": "<p>", "figures/a.svg": "<svg/>"})
    write_report(str(tmp_path / "explore"), {"embedding.csv": "x"})
    (tmp_path / "explore" / "notes.txt").write_text("mine")  # a user's file among the outputs
    (tmp_path / ".venv").mkdir()

    def make_clean() -> str:
        done = subprocess.run(
            ["make", "-s", "clean", f"PYTHON={sys.executable} -S"],  # -S: the stdlib alone
            cwd=tmp_path,
            capture_output=True,
            text=True,
            env={key: value for key, value in os.environ.items() if key != "PYTHONPATH"},
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    said = make_clean().splitlines()
    assert said == [
        "removed report/ (fashionlab's own output)",
        "left explore/: it holds 'notes.txt', which fashionlab did not write; delete it yourself "
        "if you mean to",
    ]
    assert not (tmp_path / "report").exists() and not (tmp_path / ".venv").exists()
    assert (tmp_path / "explore" / "notes.txt").read_text() == "mine"
    (tmp_path / "explore" / "notes.txt").unlink()
    (tmp_path / "explore" / "embedding.csv").write_text("edited")  # fashionlab's, changed since
    assert "which fashionlab wrote but someone changed since" in make_clean()
    (tmp_path / "explore" / "embedding.csv").unlink()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "explore").rename(tmp_path / "elsewhere" / "explore")
    (tmp_path / "explore").symlink_to(tmp_path / "elsewhere" / "explore")  # a link is left as is
    assert make_clean() == "left explore: not a folder (fashionlab writes folders)\n"
    assert (tmp_path / "elsewhere" / "explore" / "fashionlab-manifest.json").is_file()


def test_clean_shows_a_name_that_is_not_utf8_whatever_the_output_encoding(tmp_path: Path) -> None:
    """A hostile review: with ``PYTHONIOENCODING=utf-8`` a folder name that is not UTF-8 ended
    in a UnicodeEncodeError, after the folder was gone. Its byte is now shown escaped."""
    import subprocess
    import sys

    name = os.fsencode(tmp_path) + b"/caf\xe9"
    os.mkdir(name)
    done = subprocess.run(
        [sys.executable, "-m", "fashionlab.files.clean", name],
        capture_output=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    assert (done.returncode, done.stderr) == (0, b"")
    assert done.stdout == b"removed " + os.fsencode(tmp_path) + b"/caf\\udce9/ (it was empty)\n"
    assert not os.path.exists(name)


def test_make_clean_stopped_part_way_leaves_what_is_still_fashionlabs(tmp_path, monkeypatch):
    """The review of stop 42: rm -r stopped by a file it could not delete had taken the manifest,
    and the rest then looked like the user's to every command. The manifest goes last."""
    from fashionlab.files import clean

    folder = write_report(str(tmp_path / "report"), {"index.html": "<p>", "figures/a.svg": "s"})
    unlink = Path.unlink

    def refuse(path: Path, missing_ok: bool = False) -> None:
        if path.name == "a.svg":
            raise PermissionError(13, "Permission denied", str(path))
        unlink(path, missing_ok=missing_ok)

    monkeypatch.setattr(Path, "unlink", refuse)
    said = clean.clean(folder)
    assert said is not None and said.startswith(f"left {folder}/ in part: Permission denied (")
    assert ownership.find_foreign(folder) is None  # what is left is still known as fashionlab's
    assert (folder / "figures" / "a.svg").is_file() and (folder / ownership.MANIFEST).is_file()
    monkeypatch.undo()
    assert clean.clean(folder) == f"removed {folder}/ (fashionlab's own output)"
    assert not folder.exists()
    (tmp_path / "empty").mkdir()
    assert clean.clean(tmp_path / "empty") == f"removed {tmp_path / 'empty'}/ (it was empty)"


def test_make_clean_leaves_a_stage_that_a_running_command_is_building_inside(tmp_path) -> None:
    """A review of this session's change: ``make clean`` removed every stage of fashionlab's in
    the folder, a running command's too (a report built in place, inside the folder). It now
    removes only a stopped run's, as a command writing there does."""
    from fashionlab.files import clean

    folder = write_report(str(tmp_path / "report"), {"index.html": "<p>"})
    running = folder / f"{ownership.STAGE_PREFIX}{os.getpid()}.tmp"  # this process: alive
    stopped = folder / f"{ownership.STAGE_PREFIX}{2**22 + 12345}.tmp"  # beyond pid_max
    for stage in (running, stopped):
        stage.mkdir()
        (stage / ownership.STAGE_MARK).write_bytes(b"")
        (stage / "index.html").write_text("<p>new")
    said = clean.clean(folder)
    assert said is not None and said.startswith(f"left {folder}/ in part: "), said
    assert (running / "index.html").read_text() == "<p>new" and not stopped.exists()
    assert sorted(p.name for p in folder.iterdir()) == [running.name]  # the report's files went
    assert ownership.find_foreign(folder) is None  # and what is left is still fashionlab's


@pytest.mark.parametrize("setting", ["", None])
def test_dask_reads_an_empty_temporary_directory_as_the_systems(
    setting, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A review: ``DASK_TEMPORARY_DIRECTORY=""`` (or ``none``, which Dask reads as None) made the
    check look for Dask's scratch space in the working folder, or nowhere, where Dask puts it in
    the system's temporary folder."""
    import tempfile

    import dask

    from fashionlab.files import libraries

    monkeypatch.setenv("TMPDIR", str(tmp_path))
    monkeypatch.setattr(tempfile, "tempdir", None)  # gettempdir() reads $TMPDIR again
    with dask.config.set({"temporary-directory": setting}):
        assert libraries.library_folders({libraries.DASK}) == {
            "Dask scratch space (in $TMPDIR)": tmp_path / "dask-scratch-space"
        }


def test_a_stage_its_run_made_but_never_marked_goes_with_the_next_run(tmp_path: Path) -> None:
    """A fresh-clone CI run: kill -9 between making the stage beside --out and writing its mark
    left an empty `.fashionlab-stage.TAG.PID.tmp` that no later run removed (nothing in it proves
    it fashionlab's). The next command writing that folder removes an empty one named for that
    folder (its TAG) whose process is gone; one holding a file, or named for another folder, or
    of a live process, is left."""
    dead = 2**22 + 12345  # beyond pid_max: no process has it
    ours = outdir.stage_path(tmp_path / "report", in_place=False).name
    empty = tmp_path / ours.replace(f".{os.getpid()}.", f".{dead}.")
    held = tmp_path / ours.replace(f".{os.getpid()}.", f".{dead + 1}.")
    alive = tmp_path / ours.replace(f".{os.getpid()}.", f".{os.getppid()}.")
    other = tmp_path / outdir.stage_path(tmp_path / "other", in_place=False).name.replace(
        f".{os.getpid()}.", f".{dead}."
    )
    for folder in (empty, held, alive, other):
        folder.mkdir()
    (held / "notes.txt").write_text("a user's")
    write_report(str(tmp_path / "report"), {"index.html": "<p>"})
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [held.name, alive.name, other.name, "report"]
    )
    assert (held / "notes.txt").read_text() == "a user's"


BIND_MOUNTED = """
import sys
from pathlib import Path
from fashionlab.files import outdir
folder = Path(sys.argv[1])
outdir.add_files(folder, {"first.svg": b"1"}, "--plot")
outdir.add_files(folder, {"second.svg": b"2"}, "--plot")
print(sorted(p.name for p in folder.iterdir()))
"""


def test_a_bind_mounted_folder_is_refilled_in_place_and_keeps_its_files(tmp_path: Path) -> None:
    """A hostile review: ``os.path.ismount`` misses a bind mount of the same file system (a Docker
    volume), so the report was built beside it; the old files were deleted, and then the new ones
    could not be renamed in (EXDEV): exit 1 with the folder empty. Now the folder is a mount point
    by /proc/self/mountinfo, and the report is built inside it (in a mount namespace of its own)."""
    need_mount()
    source, mounted = tmp_path / "volume", tmp_path / "mnt" / "report"
    source.mkdir()
    mounted.mkdir(parents=True)
    script = f'mount --bind "$1" "$2" && exec "{sys.executable}" -c "$3" "$2"'
    command = ["unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh"]
    done = subprocess.run(
        [*command, str(source), str(mounted), BIND_MOUNTED],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == str(["fashionlab-manifest.json", "first.svg", "second.svg"])
    assert (source / "second.svg").read_bytes() == b"2"  # written through the mount
    assert not any(p.name.startswith(outdir.STAGE_PREFIX) for p in (tmp_path / "mnt").iterdir())


def test_mountinfo_paths_are_unescaped_and_the_deepest_mount_holds_a_path(tmp_path: Path) -> None:
    table = tmp_path / "mountinfo"
    table.write_bytes(
        b"22 1 8:1 / / rw - ext4 /dev/sda1 rw\n"
        b"30 22 8:1 /data /srv/my\\040volume rw - ext4 /dev/sda1 rw\n"
        b"31 22 0:5 / /srv/back\\134slash rw - tmpfs tmpfs rw\n"
    )
    found = outpath.mount_points(table)
    assert found == {Path("/"), Path("/srv/my volume"), Path("/srv/back\\slash")}
    assert outpath.mount_of(Path("/srv/my volume/report"), found) == Path("/srv/my volume")
    assert outpath.mount_of(Path("/srv/my volume"), found) == Path("/srv/my volume")
    assert outpath.mount_of(Path("/srv/my"), found) == Path("/")
    assert outpath.mount_points(tmp_path / "none") == set()


def test_a_refill_across_mounts_deletes_nothing(tmp_path: Path, monkeypatch) -> None:
    """Where the new files could not be renamed into the folder, the old ones stay."""
    real = tmp_path / "plots"
    outdir.add_files(real, {"old.svg": b"old"}, "--plot")
    before = {p.name: p.read_bytes() for p in real.iterdir()}
    monkeypatch.setattr(outpath, "in_place", lambda folder: False)
    monkeypatch.setattr(swap, "exchange", lambda new, old: False)  # as for another user's folder
    monkeypatch.setattr(outpath, "same_mount", lambda first, second: False)
    with pytest.raises(EnvironmentFault, match=r"plots: the report is built on another mount"):
        outdir.add_files(real, {"new.svg": b"new"}, "--plot")
    assert {p.name: p.read_bytes() for p in real.iterdir()} == before
