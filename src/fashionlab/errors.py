"""The package's exceptions. The CLI turns each into one line: exit status 2 for a user's mistake,
1 for an environment fault such as a full disk; and the one line of an interrupt, status 130."""

from __future__ import annotations

INTERRUPTED = (
    "fashionlab: interrupted; unfinished work was discarded (anything cached stays cached)"
)


class FashionLabError(Exception):
    """Base class for errors a user can act on."""


class UsageError(FashionLabError, ValueError):
    """A bad argument: names the argument, echoes the value, says what is allowed."""


class DataError(FashionLabError):
    """A data file is missing, corrupt, unverifiable or cannot be downloaded."""


class DataFormatError(DataError):
    """A file is not a valid gzip-compressed IDX file of the expected shape."""


class ChecksumError(DataError):
    """A file's SHA-256 does not match the pinned official value."""


class DownloadError(DataError):
    """No mirror could deliver a file."""


class EnvironmentFault(FashionLabError):
    """The machine, not the user, stopped the work: a full disk, a read-only folder. Exit status 1."""
