"""The CLI's argument parser: argparse, with each usage error one line and exit status 2."""

from __future__ import annotations

import argparse
import re
import sys
from typing import Any, NoReturn

from . import order
from .console import stdout_open
from .process import quiet_stdout
from .shown import visible


class Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2, and ``-inf`` or
    ``-nan`` after a flag is read as that flag's (bad) value, not as an unknown option. A flag is
    spelled out (``--jso`` is not ``--json``), so that a new flag never changes what an
    abbreviation meant."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("allow_abbrev", False)  # subcommands' parsers are built through here too
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-(\d+|\d*\.\d+|inf(inity)?|nan)$", re.I)

    def _print_message(self, message: str, file: Any = None) -> None:
        """argparse's, but help or a version that cannot be written (``> /dev/full``) is an error
        with exit status 1, as any other output is, where argparse said nothing and exited 0."""
        if not message:
            return
        stream = file or sys.stderr
        if stream is sys.stderr:  # one line: a control character in what was typed is shown
            message = visible(message.removesuffix("\n"), keep="") + "\n"
        try:
            if stream is sys.stdout:
                stdout_open()
            stream.write(message)
            stream.flush()
        except (AttributeError, OSError) as exc:
            if stream is sys.stderr:  # nowhere left to say it
                return
            quiet_stdout()
            if isinstance(exc, BrokenPipeError):  # `fashionlab --help | head -1`: the reader went
                self.exit(0)
            self.exit(
                1,
                f"{self.prog}: error: cannot write the output: "
                f"{getattr(exc, 'strerror', None) or exc}\n",
            )

    def parse_known_args(self, args: Any = None, namespace: Any = None) -> Any:
        self.given = list(sys.argv[1:] if args is None else args)  # for `error`'s advice
        parsed = super().parse_known_args(args, namespace)
        self._refuse_repeats()
        return parsed

    def _refuse_repeats(self) -> None:
        """A flag that takes one value is given once: argparse would keep the last of
        ``--steps 100 --steps 1000`` without a word. (``sweep --classes`` is repeated by design.)"""
        seen: dict[str, str] = {}  # dest -> the flag that gave it
        for token in self.given:
            if token == "--":
                break
            flag = token.split("=", 1)[0]
            action = self._option_string_actions.get(flag)
            if not isinstance(action, argparse._StoreAction):  # a switch, an appended list
                continue
            if action.dest in seen:
                first = seen[action.dest]
                also = "" if first == flag else f" (as {first} and {flag})"
                named = "/".join(action.option_strings)  # as argparse names it: --workers/--jobs
                self.error(f"argument {named}: given twice{also}; give it once")
            seen[action.dest] = flag

    def error(self, message: str) -> NoReturn:
        if message.endswith("expected one argument"):  # such as `--plot -dash`
            flag = message.split(":")[0].removeprefix("argument ").split("/")[0]
            message += f" (a value that starts with '-' is given as {flag}=VALUE)"
        # `--steps 5 logreg`: argparse took "5" for the command
        command = order.first_command(self, self.given) if "COMMAND" in message else None
        if command and (words := order.misplaced(self, self.given, command)):
            self.exit(2, f"{self.prog} {command}: error: {order.hint(command, words)}\n")
        self.exit(2, f"{self.prog}: error: {message}\n")
