"""Sections that a signal must not cut in half.

The CLI's handler of the signals that stop it (``STOP_SIGNALS``) raises KeyboardInterrupt wherever
the main thread is. Most
places are safe: what is unfinished is discarded. A few are not: a report swapped into a folder that
cannot be renamed goes file by file (``outdir``), and an interrupt half-way would leave half of
the old report and half of the new. Inside ``section()`` the handler only records the request
(``defer``); the interrupt is raised when the section ends, with the folder whole: the new
report, when the stop came while it was being moved in.

An import is such a place too. A KeyboardInterrupt raised while a C++ extension sets itself up
and calls back into Python (jaxlib's, as the report's page asks which device JAX computes on)
ended the process in SIGSEGV or SIGABRT instead of exit status 130 (a hostile review: a Ctrl-C
10 to 40 ms after a cached ``run`` began its pages, 7 times in 14). Inside an import the stop
waits: SIGALRM tries it again every ``RETRY`` seconds until the import is done.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator
from types import FrameType

# What stops a command: Ctrl-C, a polite kill, and its terminal closing (SIGHUP)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def watched_signals() -> tuple[int, ...]:
    """``STOP_SIGNALS``, less one this process ignores: a script's background job (``fashionlab
    sweep ... &``) starts with SIGINT ignored, so that a Ctrl-C meant for the script does not reach
    it, and ``nohup`` ignores SIGHUP; fashionlab keeps them so."""
    return tuple(s for s in STOP_SIGNALS if signal.getsignal(s) is not signal.SIG_IGN)


RETRY = 0.02  # seconds between tries of a stop that came during an import
RETRY_SIGNAL = signal.SIGALRM  # what tries it again: ``setitimer``, no thread and no lock

_depth = 0
_pending = False
_retrying = False  # RETRY_SIGNAL's timer is fashionlab's, set by ``defer``


@contextlib.contextmanager
def section() -> Iterator[None]:
    """Run the block to its end; a stop requested inside is raised after it."""
    global _depth, _pending
    _depth += 1
    try:
        yield
    finally:
        _depth -= 1
        stop = _depth == 0 and _pending
        if _depth == 0:
            _pending = False  # an error leaving the block carries on; the stop stays in STOP
    if stop:
        raise KeyboardInterrupt


def clear() -> None:
    """A new command: no stop waiting for a section's end."""
    global _pending
    _pending = False


def defer(frame: FrameType | None = None) -> bool:
    """For the signal handler, given the frame the signal interrupted: inside a section, remember
    the stop for its end and say True; inside an import, have ``RETRY_SIGNAL`` come in ``RETRY``
    seconds and say True."""
    global _pending, _retrying
    if _depth:
        _pending = True
        return True
    if importing(frame) and _retry_handled():
        _retrying = True
        signal.setitimer(signal.ITIMER_REAL, RETRY)
        return True
    return False


def _retry_handled() -> bool:
    """Whether a handler of ``RETRY_SIGNAL`` is there to try the stop again: its default action
    ends the process, as a signal while the CLI read its flags once did (a hostile review)."""
    return signal.getsignal(RETRY_SIGNAL) not in (signal.SIG_DFL, signal.SIG_IGN, None)


def cancel_retry() -> None:
    """The command has ended: no ``RETRY_SIGNAL`` of ours is to come (its default action ends a
    process); a timer that is not ours is left as it is."""
    global _retrying
    if _retrying:
        _retrying = False
        signal.setitimer(signal.ITIMER_REAL, 0)


def importing(frame: FrameType | None) -> bool:
    """Whether ``frame`` runs inside an import: Python's import machinery is among its callers
    (its frames are there even where a traceback leaves them out)."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib."):
            return True
        frame = frame.f_back
    return False
