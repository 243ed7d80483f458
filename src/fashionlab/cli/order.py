"""Where a command's flags go: after the command. ``fashionlab --json data`` and
``fashionlab --data-dir D logreg`` are each told so, in their one line."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import Any


def _commands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    """The parser of each command (argparse keeps them in a private action)."""
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


def first_command(parser: argparse.ArgumentParser, argv: Sequence[str]) -> str | None:
    """The first word of ``argv`` that names a command."""
    return next((word for word in argv if word in _commands(parser)), None)


def misplaced(parser: argparse.ArgumentParser, argv: Sequence[str], command: str) -> list[str]:
    """The words before ``command`` that are its own flags, each with the values after it."""
    words = list(argv)
    known = _commands(parser)[command]._option_string_actions
    found, taking = [], False
    for word in words[: words.index(command)] if command in words else []:
        if word.startswith("-"):
            taking = word.split("=")[0] in known
        if taking:
            found.append(word)
    return found


def hint(command: str, words: Sequence[str]) -> str:
    return f"flags of {command} go after it: fashionlab {command} {' '.join(words)} ..."


def advice(parser: Any, command: str) -> str:
    """For words ``command`` did not take: where its own flags go, if some came before it, else
    its help. ``parser`` is the one that read the command line (``flags``), keeping it."""
    words = misplaced(parser, parser.given, command)
    return hint(command, words) if words else f"see fashionlab {command} --help"
