"""What the CLI shows while it works, on stderr: stage lines, and progress for anything long.

On a terminal, progress redraws one line; when stderr is redirected, it prints one line per
10 % instead, so a log holds no carriage-return frames.
"""

from __future__ import annotations

import sys
import threading
import time

STOP = threading.Event()  # set by SIGINT or SIGTERM


def say(text: str) -> None:
    """One line on stderr; a closed or undecodable stderr never raises."""
    try:
        print(text, file=sys.stderr, flush=True)
    except UnicodeEncodeError:
        print(text.encode("ascii", "backslashreplace").decode(), file=sys.stderr, flush=True)
    except (BrokenPipeError, OSError):
        pass


class Console:
    """The ``Progress`` of the CLI."""

    def __init__(self) -> None:
        self.tty = sys.stderr.isatty()
        self._started = time.monotonic()
        self._shown: dict[str, int] = {}
        self._open = False

    def checkpoint(self) -> None:
        if STOP.is_set():
            raise KeyboardInterrupt

    def stage(self, number: int, total: int, name: str) -> None:
        self.checkpoint()
        self._end_line()
        say(f"[{number}/{total}] {name} ...")
        self._started = time.monotonic()

    def stage_done(self, name: str, seconds: float) -> None:
        self._end_line()
        self.checkpoint()
        say(f"      {name}: {seconds:.1f} s")

    def tick(self, what: str, done: int, total: int, note: str = "") -> None:
        """Progress within a stage: shown once it has run for 2 s."""
        self.checkpoint()
        if time.monotonic() - self._started < 2 and done < total:
            return
        tenth = 10 * done // max(total, 1)
        if self.tty:
            sys.stderr.write(f"\r      {what} {done}/{total} {note}".ljust(60))
            sys.stderr.flush()
            self._open = True
            if done >= total:
                self._end_line()
        elif self._shown.get(what, -1) < tenth:
            self._shown[what] = tenth
            say(f"      {what} {done}/{total} ({10 * tenth}%) {note}".rstrip())

    def _end_line(self) -> None:
        if self._open:
            sys.stderr.write("\n")
            sys.stderr.flush()
            self._open = False
