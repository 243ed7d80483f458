"""The run metadata a report states about itself: when, which version and commit, on what."""

from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

from .. import __version__
from ..config import SHUFFLE_SEED, Config, keras_backend
from ..results import Results
from .page import PageMeta


def git_commit() -> str | None:
    """The checkout's short commit (with "+changes" if the tree differs), or None if not one."""
    root = Path(__file__).resolve().parents[3]
    if not (root / ".git").exists():
        return None

    def git(*args: str) -> str:
        command = ["git", "-C", str(root), *args]
        return subprocess.run(
            command, capture_output=True, text=True, timeout=30, check=True
        ).stdout.strip()

    try:
        commit = git("rev-parse", "--short", "HEAD")
        dirty = git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{commit}+changes" if dirty else commit


def device() -> str:
    """Keras's backend and the device it computes on."""
    backend = keras_backend()
    if backend != "jax":
        return backend
    try:
        import jax

        return f"jax on {jax.devices()[0].platform}"
    except Exception:  # noqa: BLE001 - a description, never a failure
        return "jax"


def page_meta(config: Config, results: Results) -> PageMeta:
    rows = [
        ("date", datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")),
        ("fashionlab", __version__),
    ]
    commit = git_commit()
    if commit:
        rows.append(("git commit", commit))
    rows.append(("Keras backend", device()))
    tsne_seed = results.embedding.tsne_settings.get("random_state")  # as the map was made
    rows.append(
        (
            "seeds",
            f"networks and softmax regression's batches {config.seed}; "
            + ("" if tsne_seed is None else f"t-SNE {tsne_seed}; ")
            + f"the assignment's shuffle {SHUFFLE_SEED}; the network over seeds "
            f"{', '.join(map(str, config.seeds))}",
        )
    )
    if results.restored:
        rows.append(
            (
                "computed",
                "restored from the cache of an earlier run with the same "
                "settings, data, code and library versions (its machine may "
                "differ), whose training times the answers quote",
            )
        )
    return PageMeta(title=config.title, author=config.author, rows=rows)
