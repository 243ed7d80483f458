"""The package's exceptions. The CLI turns every one of them into one line and exit status 2."""

from __future__ import annotations


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
