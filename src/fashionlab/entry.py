"""The ``fashionlab`` program's entry point.

Importing the CLI takes about 50 ms, before its own signal handlers are installed. A Ctrl-C, a
SIGTERM or a SIGHUP in that time ends the program as a later one would, with the same one line
and exit status 130, not a traceback. One in the interpreter's own start, before this module runs
(about the first 0.1 s after launch), is Python's: a traceback, or for the others the end by the
signal.
"""

from __future__ import annotations

import signal
import sys

from .critical import watched_signals
from .errors import INTERRUPTED


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def program() -> int:
    for signum in watched_signals():  # as a Ctrl-C (SIGINT's own), until the CLI's own handler
        if signum != signal.SIGINT:
            signal.signal(signum, _interrupt)
    try:
        from .cli import program as cli_program
    except KeyboardInterrupt:
        sys.stderr.write(INTERRUPTED + "\n")
        # A Ctrl-C that lands in an exec'd string (a namedtuple or dataclass being made) would
        # end ``python -m`` by SIGINT; see ``console.interrupted``.
        exec("pass")
        return 130
    return cli_program()
