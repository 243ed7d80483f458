"""What fashionlab wrote: the manifest of each folder it writes, read back and checked.

``fashionlab-manifest.json`` lists each file fashionlab wrote in a folder, with its SHA-256, and
the kind of output the folder holds. An entry it does not list, or a listed file changed since, is
a user's; so is a staging folder unless what it holds proves it fashionlab's.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal, NamedTuple

from .storage import MANIFEST_LIMIT, digest, read_plain

MANIFEST = "fashionlab-manifest.json"
STAGE_MARK = ".fashionlab-stage"  # the first file of every staging folder, gone before the swap
STAGE_PREFIX = ".fashionlab-stage."
_STAGE = re.compile(r"\.fashionlab-stage\.(?:[0-9a-f]{8}\.)?[0-9]+\.tmp")
# What reading a missing, damaged or hand-made manifest raises (nested too deeply: RecursionError)
UNREADABLE = (OSError, ValueError, KeyError, TypeError, AttributeError, RecursionError)
NAME_MAX = 255  # bytes in one file name, on Linux's file systems and macOS's (ENAMETOOLONG)
PATH_LIMIT = 1024  # bytes in a listed name: fashionlab's are short, and the folder's path adds to
# it within the 4,096 of PATH_MAX


# The names a stage being built may hold: the files of a report, an explore or a sweep folder, by
# name; figures (.png, .svg, any name), in a --plot folder or figures/; and each one's temporary
# file while it is written (storage.temporary_name: ".NAME.PID.part")
_OUTPUT = re.compile(
    r"(\.)?(?:index\.html|report\.md|results\.json|assignment\.ipynb|embedding\.csv|sweep\.csv"
    r"|sweep\.json|fashionlab-manifest\.json|[\w.-]+\.(?:png|svg))(?(1)\.[0-9]+\.(?:tmp|part)|)"
)
OUTPUT_FOLDERS = ("figures",)


def is_our_stage(folder: Path, entry: Path) -> bool:
    """A staging folder of fashionlab's in ``folder``: named as one, and holding its mark and
    only names fashionlab writes (being built), or a whole report that fashionlab wrote (the old
    one, swapped out). A user's file in a marked folder keeps the folder theirs."""
    named = entry.parent == folder and _STAGE.fullmatch(entry.name) is not None
    if not named or entry.is_symlink() or not entry.is_dir():
        return False
    if (entry / STAGE_MARK).is_file():
        return _holds_only_outputs(entry)
    return (entry / MANIFEST).is_file() and find_foreign(entry) is None


def _holds_only_outputs(stage: Path) -> bool:
    try:
        for below in stage.rglob("*"):
            name = below.relative_to(stage)
            if below.is_symlink():
                return False
            if below.is_dir():
                if str(name) not in OUTPUT_FOLDERS:
                    return False
            elif below.name != STAGE_MARK and _OUTPUT.fullmatch(below.name) is None:
                return False
    except FileNotFoundError:  # another process's stage, removed as it was read: nothing to keep
        return True
    return True


def _parsed(folder: Path) -> Any:
    """``folder``'s manifest file as JSON, whoever wrote it; one of ``UNREADABLE`` if it cannot be
    read (a link is followed)."""
    return json.loads(read_plain(folder / MANIFEST, MANIFEST_LIMIT))


def _manifest(folder: Path) -> Any:
    """``folder``'s manifest, parsed; one of ``UNREADABLE`` if it cannot be read or is another
    tool's (a listing of the same name, with true SHA-256s, must not make the files it lists
    fashionlab's to replace)."""
    manifest = _parsed(folder)
    if manifest.get("tool") != "fashionlab":
        raise ValueError(f"{MANIFEST} was not written by fashionlab")
    return manifest


_NO_MANIFEST = object()  # what ``_tool`` gives for a manifest it cannot read


def _tool(folder: Path) -> object:
    """The ``tool`` a readable manifest names as its writer: None where it names none (or is no
    JSON object), ``_NO_MANIFEST`` where it cannot be read."""
    try:
        manifest = _parsed(folder)
    except UNREADABLE:
        return _NO_MANIFEST
    return manifest.get("tool") if isinstance(manifest, dict) else None


def anothers_manifest(folder: Path) -> bool:
    """Whether ``folder``'s manifest is one another tool wrote under the same name: readable, and
    not fashionlab's (a damaged one may still be fashionlab's)."""
    tool = _tool(folder)
    return tool is not _NO_MANIFEST and tool != "fashionlab"


def listed_files(folder: Path) -> dict[str, str]:
    """The files ``folder``'s manifest lists, with their SHA-256s; raises if it has none."""
    listed = _manifest(folder)["files"]
    if not isinstance(listed, dict):
        raise TypeError(f"{MANIFEST} lists no files")
    for name in listed:  # a hand-made manifest must not reach outside the folder
        if not name or Path(name).is_absolute() or ".." in Path(name).parts:
            raise ValueError(f"{MANIFEST} lists {name!r}, which is not a name inside the folder")
        encoded = os.fsencode(name)
        if len(encoded) > PATH_LIMIT or any(
            len(os.fsencode(p)) > NAME_MAX for p in Path(name).parts
        ):
            raise ValueError(f"{MANIFEST} lists {name!r:.80}, longer than a file name can be")
    return listed


def listed_folders(listed: Mapping[str, str]) -> set[str]:
    """The folders (relative, as the manifest names files) that the listed files sit in."""
    return {str(parent) for name in listed for parent in Path(name).parents if parent.name}


class Foreign(NamedTuple):
    """An entry of a folder that fashionlab may not replace, and why: ``"foreign"`` (it did not
    write it), ``"changed"`` (it wrote it, and someone changed it since), ``"unreadable"`` (the
    manifest, so that none of the files is known to be fashionlab's) or ``"another tool's"`` (a
    manifest of the same name that another tool wrote: the same)."""

    name: str
    reason: Literal["foreign", "changed", "unreadable", "another tool's"] = "foreign"


def find_foreign(folder: Path) -> Foreign | None:
    """The first entry of ``folder`` that fashionlab did not write; None if it is all ours."""
    entries = sorted(p for p in folder.iterdir() if not is_our_stage(folder, p))
    if not entries:
        return None
    try:
        listed = listed_files(folder)
    except UNREADABLE:
        manifest = folder / MANIFEST  # the files may be fashionlab's: the manifest is the trouble
        if manifest not in entries:
            return Foreign(entries[0].name)
        tool = _tool(folder)  # a tool named, not fashionlab: another's; else unreadable
        anothers = isinstance(tool, str) and tool != "fashionlab"
        return Foreign(MANIFEST, "another tool's" if anothers else "unreadable")
    folders = listed_folders(listed)
    for entry in entries:
        if entry.is_dir() and not entry.is_symlink():
            for below in [entry, *sorted(entry.rglob("*"))]:
                name = str(below.relative_to(folder))
                if below.is_dir() and not below.is_symlink():
                    if name not in folders:  # a folder that holds none of the listed files
                        return Foreign(f"{name}/")
                elif name not in listed:
                    return Foreign(name)
            continue
        name = entry.name
        if name == MANIFEST and not entry.is_symlink():
            continue
        if name not in listed or entry.is_symlink():
            return Foreign(name)
    for name, expected in listed.items():
        file = folder / name
        if file.exists() and (file.is_symlink() or not file.is_file()):
            return Foreign(name)  # a folder, a pipe or a link where fashionlab wrote a file
        if file.exists() and digest(file.read_bytes()) != expected:
            return Foreign(name, "changed")
    return None


def held(found: Foreign) -> str:
    """What a folder holds that fashionlab may not replace, as words ("holds ..."), for a message
    that ends with what to do."""
    if found.reason == "changed":
        return f"{found.name!r}, which fashionlab wrote but someone changed since"
    if found.reason == "another tool's":
        return (
            f'{found.name!r}, which another tool wrote (its "tool" is not fashionlab), so no '
            "file there is known to be fashionlab's"
        )
    if found.reason == "unreadable":
        return (
            f"{found.name!r}, which is no manifest fashionlab can read, so no file there is known "
            "to be fashionlab's"
        )
    return f"{found.name!r}, which fashionlab did not write"


def written_by(folder: Path) -> str | None:
    """The kind of output ``folder``'s manifest says it holds (``outdir.KINDS``, or a kind this version
    does not know); None without a readable manifest. A report's, an explore's or a sweep's own
    file decides over what the manifest says (and names the kind of a manifest from before kinds
    were recorded); otherwise it is the manifest's kind, else figures."""
    try:
        manifest = _manifest(folder)
        kind, listed = manifest.get("kind"), manifest["files"]
    except UNREADABLE:
        return None
    for name, shown in (
        ("results.json", "report"),
        ("embedding.csv", "explore"),
        ("sweep.csv", "sweep"),
    ):
        if name in listed:
            return shown
    if kind is None:
        return "figures"
    return kind if isinstance(kind, str) else repr(kind)
