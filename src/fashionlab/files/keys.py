"""The keys of the verified cache (``cache``): what a result depends on, as a SHA-256 digest.

A key covers the settings that change a result, the arrays it reads, fashionlab's own source, the
versions of Python and of every library a result can depend on, and ``KERAS_BACKEND``. A result
computed or drawn by other code is never served, however small the change."""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from ..config import keras_backend

LIBRARIES = (
    "fashionlab",
    "numpy",
    "pandas",
    "scikit-learn",
    "scipy",
    "openTSNE",
    "matplotlib",
    "keras",
    "jax",
    "jaxlib",
)
PACKAGE = Path(__file__).resolve().parents[1]  # fashionlab's own source: part of every key


@functools.lru_cache(maxsize=1)
def _versions() -> tuple[tuple[str, str], ...]:
    return tuple(_look_up_versions().items())


def versions() -> dict[str, str]:
    """The versions of Python and of every library a result can depend on."""
    return dict(_versions())


def _look_up_versions() -> dict[str, str]:
    import platform
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in LIBRARIES:
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


@functools.lru_cache(maxsize=2)
def source_digest(package: Path = PACKAGE) -> str:
    """The SHA-256 of a package's Python files, their paths and bytes: by default fashionlab's
    own, installed or not (compiled files stand in where an install ships no source)."""
    hasher = hashlib.sha256()
    for path in sorted(package.rglob("*.py")) or sorted(package.rglob("*.pyc")):
        hasher.update(path.relative_to(package).as_posix().encode() + b"\0")
        hasher.update(hashlib.sha256(path.read_bytes()).digest())
    return hasher.hexdigest()


def environment() -> dict[str, Any]:
    """What every result depends on beyond its settings and arrays: the library versions, the
    Keras backend and fashionlab's code."""
    return {
        "versions": versions(),
        "keras_backend": keras_backend(),
        "source": source_digest(),
    }


def key_of(namespace: str, settings: Mapping[str, Any], arrays: tuple[np.ndarray, ...] = ()) -> str:
    """The cache key of a computation: its settings, the arrays it reads, the code, versions and
    backend (``environment``)."""
    text = json.dumps([namespace, dict(settings), environment()], sort_keys=True, default=str)
    hasher = hashlib.sha256(text.encode())
    for array in arrays:
        hasher.update(str((array.shape, array.dtype.str)).encode())
        hasher.update(np.ascontiguousarray(array).data)
    return hasher.hexdigest()[:32]


def sub_key(base: str, *parts: Any) -> str:
    """The key of one part of a computation keyed ``base`` (a pair, a setting): the parts as JSON,
    so that a tuple and a list of the same items give the same key."""
    text = json.dumps([base, *parts], sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:32]
