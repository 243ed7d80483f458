"""The Keras backend the networks train on, and JAX's own settings, checked before any work.

``check_backend``: ``KERAS_BACKEND`` names a backend that can train and is installed (jax when
unset). ``check_jax_settings``: where the user set one of JAX's settings, a child process tries
them: XLA aborts a process on a flag it does not know (``XLA_FLAGS``), and JAX fails on a platform
it cannot start (``JAX_PLATFORMS``), both once the network first runs: after the data and the
maps, and one of them in a traceback. ``keras_module`` imports Keras on the approved backend.
"""

from __future__ import annotations

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

from ..config import keras_backend
from ..errors import UsageError
from ..files.storage import nearest_existing

SETTINGS = ("JAX_", "XLA_")  # the prefixes of what JAX and XLA read from the environment
_PROBE = "import jax; jax.devices()"
# glog's prefix of XLA's lines: "F1203 04:43:04.455133     806 parse_flags_from_env.cc:234] "
# glog's prefix: "F1205 03:21:22.839658  123 file.cc:234] ", or older XLA's (JAX 0.6, which the lock
# gives Python 3.10) "2026-12-05 03:21:22.839658: F file.cc:234] "
_GLOG_PREFIX = re.compile(
    r"^(?:[FEWI]\d{4} [\d:.]+\s+\d+ \S+|\d{4}-\d\d-\d\d [\d:.]+: [FEWI] \S+)\] "
)


# Keras's backends that can train (its numpy backend only runs inference), each the name of the
# module it needs
BACKENDS = ("jax", "tensorflow", "torch")


def check_backend(*, jax_settings: bool = True) -> str:
    """The Keras backend to use: ``KERAS_BACKEND``, or jax when unset or empty; checked to be
    known and installed before any work, so a typo costs no time, and for jax with JAX's own
    settings (``jax_settings``: a child process, where one is set)."""
    name = keras_backend()
    if name not in BACKENDS:
        raise UsageError(
            f"KERAS_BACKEND={name!r} is not a Keras backend that can train; use one of "
            f"{', '.join(BACKENDS)} (or unset it for jax)"
        )
    if importlib.util.find_spec(name) is None:
        raise UsageError(
            f"KERAS_BACKEND={name!r}, but {name} is not installed; "
            "install it or unset KERAS_BACKEND to use jax"
        )
    if name == "jax" and jax_settings:
        check_jax_settings()
    return name


def keras_module() -> Any:
    """Import Keras on the backend ``check_backend`` approves (jax unless the user chose); JAX's
    own settings were tried by the command, before any work, and need no second child process
    for each model."""
    os.environ["KERAS_BACKEND"] = check_backend(jax_settings=False)
    import keras

    return keras


def check_jax_settings() -> None:
    """Refuse, in one line, the settings (``SETTINGS``: ``JAX_PLATFORMS``, ``JAX_PLATFORM_NAME``,
    ``JAX_ENABLE_X64``, ``XLA_FLAGS``...) that stop JAX from starting; nothing when none is set
    (the child costs about a second)."""
    given = {name: value for name, value in os.environ.items() if name.startswith(SETTINGS)}
    if not any(given.values()):
        return
    _check_cache_folder(given.get("JAX_COMPILATION_CACHE_DIR", ""))
    try:
        done = subprocess.run(
            [sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=300
        )
    except (OSError, subprocess.TimeoutExpired):  # no verdict: the work itself will say
        return
    if done.returncode == 0:
        return
    shown = ", ".join(f"{name}={value!r}" for name, value in sorted(given.items()) if value)
    raise UsageError(f"JAX cannot start with {shown} ({_reason(done.stderr)}); correct or unset it")


def _check_cache_folder(given: str) -> None:
    """JAX starts with a compilation cache that is a file (or a link that leads nowhere), then warns
    at every program it cannot store there, in a library's words (a hostile review): refused in
    one line instead."""
    if not given:
        return
    path = Path(given)
    found = nearest_existing(path)  # nothing exists below a file
    if found.is_dir():
        return
    # a link that leads nowhere (or round in a loop) is no file: said as Dask's folder check says it
    what = (
        "a file"
        if os.path.exists(found)
        else f"a link to {os.readlink(found)!r} that leads nowhere"
    )
    named = "it is" if found == path else f"{str(found)!r} is"
    raise UsageError(
        f"JAX_COMPILATION_CACHE_DIR={given!r} cannot be a folder: {named} {what}; "
        "point it at a folder or unset it"
    )


def _reason(stderr: str) -> str:
    """The child's last line, without glog's prefix or JAX's own hint; an exception without words
    (JAX's AssertionError for a platform with no device here) said as that."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    if not lines:
        return "it stopped without a word"
    last = _GLOG_PREFIX.sub("", lines[-1]).split(" (set JAX_PLATFORMS")[0]
    if re.fullmatch(r"\w+(Error|Exception)", last):
        return f"an {last} without words, as JAX stops for a platform with no device here"
    return last[:300]
