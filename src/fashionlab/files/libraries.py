"""Where the libraries fashionlab drives keep files of their own: Dask's scratch space, Keras's
folder, matplotlib's, and JAX's and XLA's where asked. An output folder must not be or hold one, or
the library writes into it during the work and the swap then refuses what fashionlab did not write
(``TMPDIR`` set to ``--out`` once gave a whole run, then exit status 2 and a leftover).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Collection
from pathlib import Path

DASK, KERAS, MATPLOTLIB = "Dask", "Keras", "matplotlib"
EVERY = frozenset({DASK, KERAS, MATPLOTLIB})  # run, atlas and sweep use all three


def _home() -> Path:
    return Path(os.path.expanduser("~"))


def dask_scratch_space() -> tuple[str, Path] | None:
    """Where a local cluster's workers spill and lock, and what set it: Dask's
    ``temporary-directory``, else (unset, empty or null, as Dask reads them) the system's
    temporary folder, with ``dask-scratch-space`` below it (as ``distributed.core.Server`` makes
    it); None for a setting that is no path (refused in one line where the cluster starts)."""
    import dask

    folder = dask.config.get("temporary-directory", None)
    if not folder:
        folder = tempfile.gettempdir()
        given = os.environ.get("TMPDIR")
        used = given and os.path.abspath(given) == os.path.abspath(folder)
        source = "$TMPDIR" if used else "the system's temporary folder"
    elif "DASK_TEMPORARY_DIRECTORY" in os.environ:
        source = "$DASK_TEMPORARY_DIRECTORY"
    else:
        source = "Dask's temporary-directory setting"
    if not isinstance(folder, str):
        return None
    path = Path(folder)
    return source, path if "dask-scratch-space" in folder else path / "dask-scratch-space"


def keras_home() -> tuple[str, Path]:
    """``$KERAS_HOME`` where set, else ``~/.keras`` (Keras writes its ``keras.json`` there on
    import), or ``/tmp/.keras`` where the home cannot be written, as Keras decides."""
    if "KERAS_HOME" in os.environ:  # as Keras reads it: an empty one is the working folder
        return "$KERAS_HOME", Path(os.environ["KERAS_HOME"])
    base = _home() if os.access(_home(), os.W_OK) else Path("/tmp")
    return "~/.keras", base / ".keras"


def matplotlib_folders() -> dict[str, Path]:
    """``$MPLCONFIGDIR``, else matplotlib's configuration and cache folders under the XDG ones
    (it makes the first on import and writes its font list in the second)."""
    given = os.environ.get("MPLCONFIGDIR")
    if given:
        return {"matplotlib folder ($MPLCONFIGDIR)": Path(given)}
    found = {}
    for kind, variable, default in (
        ("configuration", "XDG_CONFIG_HOME", ".config"),
        ("cache", "XDG_CACHE_HOME", ".cache"),
    ):
        base = os.environ.get(variable)  # as matplotlib reads it: a relative one as it is
        source = f"${variable}/matplotlib" if base else f"~/{default}/matplotlib"
        found[f"matplotlib {kind} folder ({source})"] = (
            Path(base) if base else _home() / default
        ) / "matplotlib"
    return found


def jax_folders() -> dict[str, Path]:
    """Where JAX and XLA write when asked to: the compilation cache (``$JAX_COMPILATION_CACHE_DIR``)
    and XLA's dumps (``--xla_dump_to`` in ``$XLA_FLAGS``)."""
    found = {}
    if os.environ.get("JAX_COMPILATION_CACHE_DIR"):
        found["JAX compilation cache ($JAX_COMPILATION_CACHE_DIR)"] = Path(
            os.environ["JAX_COMPILATION_CACHE_DIR"]
        )
    for flag in os.environ.get("XLA_FLAGS", "").split():
        name, _, value = flag.partition("=")
        if name.lstrip("-") == "xla_dump_to" and value:
            found["XLA dump folder (--xla_dump_to in $XLA_FLAGS)"] = Path(value)
    return found


def library_folders(uses: Collection[str] = EVERY) -> dict[str, Path]:
    """Every folder the libraries a command ``uses`` may write into during it, named for a
    message (JAX's go with Keras's, which trains on it)."""
    found = {}
    if KERAS in uses:
        source, keras = keras_home()
        found = {f"Keras folder ({source})": keras, **jax_folders()}
    if MATPLOTLIB in uses:
        found.update(matplotlib_folders())
    scratch = dask_scratch_space() if DASK in uses else None
    if scratch is not None:
        source, folder = scratch
        found[f"Dask scratch space (in {source})"] = folder
    return found
