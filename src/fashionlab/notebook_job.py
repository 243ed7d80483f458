"""The run's assignment notebook: checked before any work, executed in a thread beside the study's
figures and pages, and cached by its own text and the data.

The notebook runs the assignment's cells on the official files, whatever the study's settings, so
it does not wait for the study's results: only its answer cells do, and they are filled at the end.
Its kernel is a process of its own, so the figures this process draws meanwhile use the core the
study's cluster has just given back.
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .config import Config
from .data.loaded import Data
from .errors import UsageError
from .files import cache, keys
from .results import Results

if TYPE_CHECKING:
    from .render.notebook import Stop

log = logging.getLogger(__name__)

STOP_WAIT = 60.0  # seconds ``close`` waits for a stopped execution to let go of its kernel


def check_file() -> None:
    """The notebook ships with fashionlab's source, not in a wheel: said before any work."""
    from .render.notebook import NOTEBOOK

    if not NOTEBOOK.is_file():
        raise UsageError(
            f"the assignment notebook {str(NOTEBOOK)!r} is not there: it ships with "
            "fashionlab's source, not with an installed package; run from a clone "
            "of the repository, or add --no-notebook"
        )


def check_data(data: Data) -> None:
    """The notebook's ``load_fashion_mnist()`` takes only the official files: with a deliberately
    different copy (``--no-verify``), say so before the work rather than in its cell 4 after it.
    The arrays the study loaded are checked, not a new search, which could find (or download)
    other files than the study's."""
    from .data.datasets import FILES, is_official

    for key, spec in FILES.items():
        if not is_official(getattr(data, key), spec):
            where = data.sources[spec.filename]["path"]
            raise UsageError(
                f"the assignment notebook loads only the official files ({where} is "
                f"not the official {spec.filename}); add --no-notebook to run the "
                "study on this copy"
            )


def executed(config: Config, data: Data, stop: Stop | None = None) -> Any:
    """The assignment notebook, executed (from the cache when this text ran on this data before);
    ``stop`` lets another thread end the execution, or the wait for another process's."""
    import nbformat

    from .render import notebook

    source = notebook.NOTEBOOK.read_bytes()
    # keyed by its text, the data and the code (in every key), not by the study's settings
    key = keys.key_of("notebook", {"source": hashlib.sha256(source).hexdigest()}, data.arrays)

    def execute() -> Any:
        if stop is not None and stop.requested:  # stopped while this waited for the cache's lock
            raise notebook.NotebookError("the notebook was stopped before it started")
        env = (
            {}
            if config.data_dir is None
            else {notebook.DATA_VARIABLE: str(Path(config.data_dir).resolve())}
        )
        return notebook.execute(notebook.NOTEBOOK, env=env, stop=stop)

    def encode(nb: Any) -> dict[str, bytes]:
        return {"executed.ipynb": nbformat.writes(nb).encode()}

    def decode(blobs: dict[str, bytes]) -> Any:  # verified: valid, every cell run, no errors
        return notebook.read_executed(blobs["executed.ipynb"])

    stopped = None if stop is None else (lambda: stop.requested)
    nb, _ = cache.cached("notebook", key, execute, encode=encode, decode=decode, stopped=stopped)
    return nb


def with_answers(nb: Any, results: Results) -> bytes:
    """The executed notebook with this run's answers in its answer cells, as the file's bytes."""
    import nbformat

    from .render import answers, notebook

    filled = notebook.fill_answers(nb, answers.compose(results, "notebook"))
    return (nbformat.writes(filled) + "\n").encode()


class Job:
    """``executed`` in a daemon thread: ``start`` it early, take its ``result`` when it is needed,
    and ``close`` it on every way out, which stops an unfinished execution (its kernel is killed
    and nothing is cached). Signals reach only the main thread, which calls all three.

    The thread's end is an Event of its own, not ``Thread.join``: on Python 3.10 to 3.12 a join
    cut short by a Ctrl-C marks the thread as ended while it still runs."""

    def __init__(self, config: Config, data: Data) -> None:
        from .render.notebook import Stop

        self._config, self._data = config, data
        self._stop = Stop()
        self._thread: threading.Thread | None = None
        self._done = threading.Event()
        self._value: Any = None
        self._error: BaseException | None = None
        self.seconds = 0.0  # how long the notebook took in its thread, from cache or kernel

    def start(self) -> None:
        """Begin, once; later calls do nothing."""
        if self._thread is None:
            self._thread = threading.Thread(
                target=self._work, name="fashionlab notebook", daemon=True
            )
            try:
                self._thread.start()
            except RuntimeError:  # no thread could be started: nothing runs, nothing to stop
                self._thread = None
                raise

    def _work(self) -> None:
        started = time.perf_counter()
        try:
            self._value = executed(self._config, self._data, self._stop)
        except BaseException as exc:  # handed to the main thread by ``result``
            self._error = exc
        finally:
            self.seconds = time.perf_counter() - started
            self._done.set()

    def result(self) -> Any:
        """The executed notebook, once the thread is done (started here if it was not)."""
        self.start()
        self._done.wait()
        if self._error is not None:
            raise self._error
        return self._value

    @property
    def running(self) -> bool:
        return self._thread is not None and not self._done.is_set()

    def close(self) -> None:
        """Stop the execution if it still runs, and wait for its thread to let the kernel go."""
        if self.running:
            self._stop()
            if not self._done.wait(STOP_WAIT):
                log.warning(
                    "the notebook's thread did not end within %.0f s of its stop; its "
                    "kernel ends with this process",
                    STOP_WAIT,
                )
