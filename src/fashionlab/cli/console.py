"""What the CLI shows while it works, on stderr: stage lines, and progress for anything long;
and how it stops on SIGINT, SIGTERM or SIGHUP (its terminal closed).

On a terminal, progress redraws one line; when stderr is redirected, it prints one line per
10 % instead, so a log holds no carriage-return frames. Text that the output's encoding cannot
hold (a path with an accent under ``PYTHONIOENCODING=ascii``) is printed with backslash escapes,
and so is a control character in a line of stderr (an escape sequence in a folder's name, which
a terminal would otherwise act on).

Testing hook: ``FASHIONLAB_FAULT=signal:NAME@POINT`` makes the process send itself the real
signal ``NAME`` (``SIGINT``, ``SIGTERM``, ``SIGHUP``, or ``INT`` ...) at a named point, so the
CLI's own signal handler runs, at a place chosen by the test rather than by timing. ``SIGSTOP``
pauses the process there instead (as Ctrl-Z would), so that a test can change the world around
it at that very point and then send ``SIGCONT``. ``POINT`` is

* ``stage:N``: once stage N's line is printed (``Console.stage(N, ...)``);
* ``UNIT:N``: at the first progress tick of ``UNIT`` with N or more done, after those N
  finished: ``pair:5`` (atlas pairs), ``epoch:2``, ``t-SNE:100``, ``grid run:1``, ``step:10``,
  ``sweep:3`` (a sweep's finished tasks), ``softmax epoch:1`` and ``network epoch:1`` (softmax's
  two models).

It fires once per command. A malformed value is a usage error (exit status 2) naming the variable.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import signal
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import FrameType
from typing import Any, TextIO

from .. import critical
from ..critical import STOP_SIGNALS
from ..errors import INTERRUPTED, UsageError
from ..jsonio import unicode_text
from .shown import visible

FAULT_VARIABLE = "FASHIONLAB_FAULT"
FAULT_POINTS = (
    "stage",
    "pair",
    "network",
    "epoch",
    "t-SNE",
    "grid run",
    "step",
    "sweep",
    "softmax epoch",
    "network epoch",
)


class Flag:
    """A flag that takes no lock, unlike ``threading.Event``, so that a signal handler can set it:
    a second signal arriving while the first handler was inside ``Event.set`` waited forever for
    the lock that first handler held (``timeout`` signals both the child and its group)."""

    def __init__(self) -> None:
        self._set = False

    def set(self) -> None:
        self._set = True

    def clear(self) -> None:
        self._set = False

    def is_set(self) -> bool:
        return self._set


STOP = Flag()
OVER = Flag()  # the command has ended: a late signal has nothing left to stop
_reported = Flag()


def on_signal(signum: int, frame: FrameType | None) -> None:
    """The CLI's handler of SIGINT, SIGTERM and SIGHUP."""
    # Remember the request as well as raising: a library's bare ``except:`` can swallow the
    # KeyboardInterrupt, and then the next checkpoint raises it again before anything is written.
    # Nothing here takes a lock: a second signal can arrive while this very handler runs.
    STOP.set()
    if not OVER.is_set() and not critical.defer(frame):
        raise KeyboardInterrupt


def on_retry(signum: int, frame: FrameType | None) -> None:
    """``critical.RETRY_SIGNAL``'s handler: a stop that came during an import, tried again."""
    if STOP.is_set():
        on_signal(signum, frame)


def unraisable(info: Any, default: Callable[[Any], None] = sys.unraisablehook) -> None:
    """A KeyboardInterrupt where Python cannot raise is already remembered in ``STOP``; once it
    is, an error Python cannot raise is what the interrupt left behind (a library's garbage
    collection callback, stopped half-way, fails on its next call), not news for the user."""
    if STOP.is_set() or (
        info.exc_type is not None and issubclass(info.exc_type, KeyboardInterrupt)
    ):
        return
    default(info)


def quiet_after_stop() -> None:
    """Once a signal has stopped the command, what Dask's event loop logs as it is torn down
    ("Exception in callback" and a traceback, seen once by the hostile review in the atlas) is
    what the interrupt left behind, not news for the user (as ``unraisable``): dropped."""
    for name in ("tornado.application", "asyncio", "distributed.utils"):
        logging.getLogger(name).addFilter(_before_stop)  # the same filter is added once


def _before_stop(record: logging.LogRecord) -> bool:
    return not STOP.is_set()


def interrupted() -> int:
    """Say once that the command was interrupted; the exit status, 130."""
    OVER.set()  # a second Ctrl-C (or the second signal ``timeout`` sends) now changes nothing
    if not _reported.is_set():
        _reported.set()
        say(INTERRUPTED)
    # CPython remembers a KeyboardInterrupt that escaped an ``exec`` of a string, and under
    # ``python -m`` then ends the process by SIGINT; running any string that succeeds clears it.
    exec("pass")
    return 130


def write(text: str, stream: TextIO) -> None:
    """``text`` on ``stream``: a name's undecodable byte as ``\\xff`` (``jsonio.unicode_text``),
    and a character the encoding lacks as its backslash escape."""
    try:
        stream.write(text := unicode_text(text))
    except UnicodeEncodeError:
        encoding = getattr(stream, "encoding", None) or "ascii"
        stream.write(text.encode(encoding, "backslashreplace").decode(encoding))
    stream.flush()


CLOSED: set[int] = set()  # the standard streams the caller closed (``process.standard_streams``)


def stdout_open() -> None:
    """Raise ``OSError`` where the caller closed stdout: a result with nowhere to go is an error,
    exit status 1, as on a full disk (else ``fashionlab data >&-`` exits 0)."""
    if 1 in CLOSED:
        raise OSError(errno.EBADF, "stdout is closed")


def out(text: str) -> None:
    """One line on stdout (the command's result); errors go to the CLI's handler."""
    write(text + "\n", sys.stdout)


def say(text: str) -> None:
    """One line on stderr, below a progress line a terminal shows; a closed or undecodable
    stderr never raises. One write: a warning from another thread (Dask's, for a lost worker)
    and a line of the main thread's are never interleaved within a line."""
    below = "\n" if _line_open.is_set() else ""
    _line_open.clear()
    with contextlib.suppress(OSError, ValueError):  # a reader that has gone, a closed stream
        write(below + visible(text) + "\n", sys.stderr)


_line_open = Flag()  # a terminal's progress line is drawn, and the cursor is at its end


def end_line() -> None:
    """End the progress line a terminal shows, if any, so that what follows starts below it."""
    if _line_open.is_set():
        _line_open.clear()
        with contextlib.suppress(OSError, ValueError):
            write("\n", sys.stderr)


class SayHandler(logging.Handler):
    """A warning logged while the CLI works (a cache entry that could not be stored, a lost
    worker), said as its own line rather than after a terminal's progress line."""

    def emit(self, record: logging.LogRecord) -> None:
        if not STOP.is_set():  # once stopped, the interrupt's line is the only one (a SIGTERM to
            say(self.format(record))  # the group also ends Dask's workers: "lost worker")


# --------------------------------------------------------------------------- the testing hook


@dataclass(frozen=True)
class Fault:
    """Send ``signum`` to this process at ``unit`` number ``number`` (``unit`` "stage" or a tick's)."""

    signum: int
    unit: str
    number: int


_fired: set[Fault] = set()


def planned_fault(text: str | None = None) -> Fault | None:
    """The fault ``FASHIONLAB_FAULT`` asks for (or ``text``); None when unset or empty."""
    text = os.environ.get(FAULT_VARIABLE, "") if text is None else text
    if not text.strip():
        return None
    kind, _, rest = text.strip().partition(":")
    name, _, point = rest.partition("@")
    unit, _, number = point.rpartition(":")
    name = name.strip().upper()
    signum = signal.Signals.__members__.get(name if name.startswith("SIG") else f"SIG{name}")
    if (
        kind != "signal"
        or signum not in (*STOP_SIGNALS, signal.SIGSTOP)
        or unit.strip() not in FAULT_POINTS
        or not (number.strip().isascii() and number.strip().isdigit())
    ):
        raise UsageError(
            f"{FAULT_VARIABLE} must be signal:SIGINT@POINT:N (or SIGTERM, SIGHUP, SIGSTOP) "
            f"with POINT one of {', '.join(FAULT_POINTS)}, e.g. signal:SIGINT@stage:3, "
            f"got {text!r}"
        )
    return Fault(int(signum), unit.strip(), int(number))


def reset() -> None:
    """A new command: no stop requested, none reported, the planned fault not yet sent."""
    for flag in (STOP, OVER, _reported, _line_open):
        flag.clear()
    _fired.clear()
    critical.clear()


class Console:
    """The ``Progress`` of the CLI."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self._started = time.monotonic()
        self._shown: dict[str, int] = {}
        self._fault = planned_fault()

    def checkpoint(self) -> None:
        if STOP.is_set():
            raise KeyboardInterrupt

    def _inject(self, unit: str, number: int) -> None:
        fault = self._fault
        if fault and fault.unit == unit and number >= fault.number and fault not in _fired:
            _fired.add(fault)
            os.kill(os.getpid(), fault.signum)  # the real signal: the CLI's handler runs
            self.checkpoint()  # where the handler cannot raise (another thread), stop here

    def reached(self, unit: str, number: int) -> None:
        """A point the testing hook can name, where nothing is shown: ``unit`` ``number``."""
        self.checkpoint()
        self._inject(unit, number)

    def stage(self, number: int, total: int, name: str) -> None:
        self.checkpoint()
        say(f"[{number}/{total}] {name} ...")
        self._started = time.monotonic()
        self._inject("stage", number)

    def stage_done(self, name: str, seconds: float) -> None:
        end_line()
        self.checkpoint()
        say(f"      {name}: {seconds:.1f} s")

    def tick(self, what: str, done: int, total: int, note: str = "") -> None:
        """Progress within a stage: shown once it has run for 2 s."""
        self.checkpoint()
        self._inject(what, done)
        if time.monotonic() - self._started < 2 and done < total:
            return
        tenth = 10 * done // max(total, 1)
        if self.tty:
            try:
                write(f"\r      {what} {done}/{total} {note}".ljust(60), sys.stderr)
            except (OSError, ValueError):
                return
            _line_open.set()
            if done >= total:
                end_line()
        elif self._shown.get(what, -1) < tenth:
            self._shown[what] = tenth
            say(f"      {what} {done}/{total} ({100 * done // max(total, 1)}%) {note}".rstrip())


class LinesConsole(Console):
    """For a command that prints a line per step or epoch itself: its ticks show nothing more,
    but still stop on a signal and reach the testing hook's points."""

    def tick(self, what: str, done: int, total: int, note: str = "") -> None:
        self.reached(what, done)
