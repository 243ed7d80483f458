"""The CLI's process around its command: standard streams its caller closed, matplotlib's
configuration folder, and how an interrupted process ends."""

from __future__ import annotations

import atexit
import contextlib
import importlib.abc
import os
import shutil
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import NoReturn

from ..cluster import local
from ..errors import UsageError
from ..files.storage import CACHE_VARIABLE, cache_home

EXIT_GRACE = 5.0  # seconds an interrupted process may take to shut down before it is ended


def exit_after_interrupt(status: int, grace: float = EXIT_GRACE) -> NoReturn:
    """End an interrupted process with ``status``: Python's own exit work first (its threads
    joined, its atexit handlers), then ``os._exit``, without the interpreter's finalization or the
    C library's exit handlers.

    - The KeyboardInterrupt is raised wherever the main thread is, and it can leave a library's
      lock held: a thread-pool worker then waits on that lock forever, and the exit, which joins
      the pool's threads, with it. A daemon timer ends the process after ``grace`` seconds.
    - A Ctrl-C that lands while a C++ extension module is being imported (matplotlib's ft2font,
      about 1 s into a sweep) leaves a static map holding the only reference to a Python object.
      The C library's exit handlers, which run after the interpreter has finalized, free it
      without a thread state, and CPython aborted ("Fatal Python error: PyThreadState_Get", 5 of
      400 Ctrl-Cs 1.0 s into a sweep beside three busy processes)."""

    def end() -> NoReturn:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(OSError, ValueError):
                stream.flush()
        os._exit(status)

    timer = threading.Timer(grace, end)
    timer.daemon = True
    timer.start()
    try:
        # What the interpreter's exit does first: join the threads that are not daemons (a
        # thread still storing a finished result), after telling thread pools to stop. Only the
        # main thread may: from another it would wait for itself.
        shutdown = getattr(threading, "_shutdown", None)
        if shutdown is not None and threading.current_thread() is threading.main_thread():
            shutdown()
        atexit._run_exitfuncs()
    finally:
        end()


def standard_streams() -> set[int]:
    """Open ``/dev/null`` on standard streams the caller closed (``fashionlab run >&-``), so that
    no file opened later takes their numbers; return their numbers (``main`` refuses a command
    before its work where stdout was closed, ``Parser`` its help)."""
    closed = set()
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            os.open(os.devnull, os.O_RDWR)  # the lowest free number: this one
            closed.add(fd)
    for name, mode in (("stdin", "r"), ("stdout", "w"), ("stderr", "w")):
        if getattr(sys, name) is None:
            setattr(sys, name, open(os.devnull, mode))  # noqa: SIM115  # for the whole process
    return closed


def quiet_stdout() -> None:
    """The reader of stdout has gone (``| head -1``) or it cannot be written: write nowhere."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def matplotlib_headless() -> None:
    """fashionlab draws on matplotlib's Agg whatever ``MPLBACKEND`` says: it draws figures, never
    windows, and a name matplotlib does not know fails its import, in a traceback. The notebook's
    kernel runs without it, inline (``render.notebook``)."""
    os.environ["MPLBACKEND"] = "agg"


def jax_gpu_shared() -> None:
    """On a GPU, this process takes GPU memory as it needs it, as its local Dask workers do
    (``local.gpu_memory_shared``), unless the user chose. No effect on a CPU."""
    os.environ.update(local.gpu_memory_shared())


def matplotlib_fallback() -> str | None:
    """Where the user cache cannot take matplotlib's folder, point ``MPLCONFIGDIR`` at a private
    temporary one, as matplotlib itself would, but without its two-line warning: the cache's own
    one warning says it (docs/files.md). A ``$MPLCONFIGDIR`` that is no folder matplotlib can
    write is replaced the same way; what to say of it is returned (else None)."""
    given_folder = os.environ.get("MPLCONFIGDIR")
    if given_folder:
        if _writable_folder(given_folder):
            return None
        _spare_folder()
        return (
            f"ignoring $MPLCONFIGDIR={given_folder!r}: not a folder matplotlib can write; "
            "its files go to a temporary one (set it to a folder, or unset it)"
        )
    given = os.environ.get(CACHE_VARIABLE, "")
    try:
        folder = cache_home().parent / "matplotlib"  # UsageError: $XDG_CACHE_HOME is a file
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
        # matplotlib would make a folder where we run (a relative $XDG_CACHE_HOME or $HOME), or
        # in / (an empty $HOME)
        if (given and not os.path.isabs(given)) or not os.path.isabs(os.environ.get("HOME", "")):
            os.environ["MPLCONFIGDIR"] = str(folder)
    except (OSError, UsageError):
        _spare_folder()
    return None


@contextlib.contextmanager
def on_first_import(module: str, action: Callable[[], None]) -> Iterator[None]:
    """Inside the block, ``action`` runs once, as ``module`` is first imported (at once if it
    already is): the warning about matplotlib's folder is for commands that draw, and ``data``
    or a ``logreg`` without ``--plot`` never imports matplotlib."""
    if module in sys.modules:
        action()
        yield
        return
    finder = _FirstImport(module, action)
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


class _FirstImport(importlib.abc.MetaPathFinder):
    """Finds nothing: it runs its action the first time its module is looked for. It stays in
    ``sys.meta_path`` until its block ends, since the import system is going through that list
    as it asks: a finder that removed itself there made the import skip the next finder."""

    def __init__(self, module: str, action: Callable[[], None]) -> None:
        self.module, self.action, self.done = module, action, False

    def find_spec(self, fullname: str, path: object, target: object = None) -> None:
        if fullname == self.module and not self.done:
            self.done = True
            self.action()


def _writable_folder(path: str) -> bool:
    """What matplotlib asks of its folder: a writable folder, or one it can make (it makes it; we
    make nothing, so that an output folder's checks see the user's folders as they are)."""
    found = Path(os.path.realpath(path))  # as matplotlib resolves it: a link is followed
    while not os.path.lexists(found) and found != found.parent:
        found = found.parent
    return found.is_dir() and os.access(found, os.W_OK)


def _spare_folder() -> None:
    spare = tempfile.mkdtemp(prefix="fashionlab-matplotlib-")
    atexit.register(shutil.rmtree, spare, ignore_errors=True)
    os.environ["MPLCONFIGDIR"] = spare
