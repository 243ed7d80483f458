"""The ``fashionlab`` program's entry point.

Importing the CLI takes about 50 ms, before its own signal handlers are installed; a Ctrl-C in that
time ends the program as a later one would, with one line and exit status 130, not a traceback.
"""

from __future__ import annotations

import sys


def program() -> int:
    try:
        from .cli import program as cli_program
    except KeyboardInterrupt:
        sys.stderr.write("fashionlab: interrupted\n")
        # A Ctrl-C that lands in an exec'd string (a namedtuple or dataclass being made) would
        # end ``python -m`` by SIGINT; see ``console.interrupted``.
        exec("pass")
        return 130
    return cli_program()
