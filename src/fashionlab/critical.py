"""Sections that a signal must not cut in half.

The CLI's handler of the signals that stop it (``STOP_SIGNALS``) raises KeyboardInterrupt wherever
the main thread is. Most
places are safe: what is unfinished is discarded. A few are not: a report swapped into a folder that
cannot be renamed goes file by file (``outdir``), and an interrupt half-way would leave half of
the old report and half of the new. Inside ``section()`` the handler only records the request
(``defer``); the interrupt is raised when the section ends, with the folder whole: the new
report, when the stop came while it was being moved in.
"""

from __future__ import annotations

import contextlib
import signal
from collections.abc import Iterator

# What stops a command: Ctrl-C, a polite kill, and its terminal closing (SIGHUP)
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


def watched_signals() -> tuple[int, ...]:
    """``STOP_SIGNALS``, less one this process ignores: a script's background job (``fashionlab
    sweep ... &``) starts with SIGINT ignored, so that a Ctrl-C meant for the script does not reach
    it, and ``nohup`` ignores SIGHUP; fashionlab keeps them so."""
    return tuple(s for s in STOP_SIGNALS if signal.getsignal(s) is not signal.SIG_IGN)


_depth = 0
_pending = False


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


def defer() -> bool:
    """For the signal handler: inside a section, remember the stop for its end and say True."""
    global _pending
    if _depth:
        _pending = True
    return _depth > 0
