"""The command line: parse the flags (``parser``, ``flags``, ``flag_types``, ``order``), run the
command (``output``; ``sweep`` for the sweep; ``results_table`` for the README's table), show its
progress and hear its signals (``console``, ``process``; ``shown``, how text reaches the
terminal), and end with one exit status. Every user mistake is one line and exit status 2, an
environment fault (a full disk) one line and exit status 1, an interrupt exit 130.
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import functools
import gc
import logging
import os
import re
import signal
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .. import critical
from ..data.sources import ENV_DATA_DIR, search_path, user_path
from ..errors import DataError, EnvironmentFault, FashionLabError, UsageError
from ..files.storage import CACHE_VARIABLE, cache_home, fault, ignored_cache_variable, ignored_home
from . import console, order
from .console import STOP, interrupted, say
from .flags import build_parser
from .output import COMMANDS
from .process import (
    exit_after_interrupt,
    jax_gpu_shared,
    matplotlib_fallback,
    matplotlib_headless,
    on_first_import,
    quiet_stdout,
    standard_streams,
)

_MACHINE_FAULTS = (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


def _error(args: argparse.Namespace, exc: Exception) -> int:
    where, text = "", str(exc)
    named = re.search(rf"(^|\s)(--data-dir|\${ENV_DATA_DIR})[\s:]", text)  # it says which
    if isinstance(exc, DataError) and getattr(args, "data_dir", None) and not named:
        folder = str(user_path(args.data_dir) or args.data_dir)
        # the flag, and the folder unless the message starts with it, or with a file in it
        starts = (f"{folder!r}: ", f"{folder}: ", folder.rstrip(os.sep) + os.sep)
        named_folder = text.startswith(starts)
        where = f"argument --data-dir: {'' if named_folder else f'{args.data_dir!r}: '}"
    one_line = re.sub(r"\s*\n\s*", " ", text)  # a library's lines; a path's spaces are kept
    say(f"fashionlab {args.command}: error: {where}{one_line}")
    return 1 if isinstance(exc, EnvironmentFault) else 2


def _fault(args: argparse.Namespace, exc: BaseException) -> int | None:
    """The exit status for an exception a user or the machine caused; None for a bug."""
    if isinstance(exc, KeyboardInterrupt) or STOP.is_set():
        # an interrupt inside an extension's import surfaces as that extension's error
        return interrupted()
    if isinstance(exc, BrokenPipeError):  # `fashionlab logreg | head -1`: the reader has gone
        quiet_stdout()
        return 0
    if isinstance(exc, FashionLabError):
        return _error(args, exc)
    if isinstance(exc, OSError) and exc.errno is not None and exc.filename is None:
        quiet_stdout()  # e.g. stdout on a full disk (`> /dev/full`): nothing more to flush
        say(f"fashionlab {args.command}: error: cannot write the output: {exc.strerror}")
        return 1
    if isinstance(exc, OSError) and exc.errno in _MACHINE_FAULTS:  # a write the library missed
        return _error(args, fault(exc, Path(os.fsdecode(exc.filename or "a file"))))
    return None


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    """The flags, or one line and exit status 2: what argparse refuses, words it leaves over, and
    the same class twice."""
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if extra:  # name the command whose flags they follow, and where its flags are listed
        parser.exit(
            2,
            f"fashionlab {args.command}: error: unrecognized arguments: "
            f"{' '.join(extra)} ({order.advice(parser, args.command)})\n",
        )
    classes = getattr(args, "classes", None)
    if classes and len(classes) == 2 and classes[0] == classes[1]:
        parser.exit(
            2,
            f"fashionlab {args.command}: error: argument --classes: the two classes "
            f"must differ, got {classes[0]!r} twice\n",
        )
    return args


def _check_working_folder(args: argparse.Namespace) -> None:
    """A command run from a folder deleted since: a relative path (``--out``, ``--plot``,
    ``--data-dir``, or ``--out``'s default) is then nowhere, which the system calls 'No such file
    or directory'. A command given absolute paths only runs as it would elsewhere."""
    given = (getattr(args, name, None) for name in ("out", "plot", "data_dir"))
    relative = [str(path) for path in given if path is not None and not os.path.isabs(path)]
    if not relative:
        return
    try:
        os.getcwd()
    except FileNotFoundError:
        raise UsageError(
            f"the folder this command runs from has been deleted, and {relative[0]!r} is relative "
            "to it; cd to a folder that exists, or give absolute paths"
        ) from None


def _check_cache_home(command: str) -> None:
    """The cache's folder, before any work and for every command, as docs/cli.md says: a file
    there, or no home to put it in, is a mistake (exit 2). A relative ``$XDG_CACHE_HOME`` or
    ``$HOME``, which ``cache_home`` ignores, is said once."""
    cache = cache_home()
    ignored = [(CACHE_VARIABLE, ignored_cache_variable(), " (the XDG specification)")]
    if not os.path.isabs(os.environ.get(CACHE_VARIABLE, "")):  # else $HOME is not the cache's
        ignored.append(("HOME", ignored_home(), ""))
    for variable, value, why in ignored:
        if value is not None:
            say(
                f"fashionlab {command}: ignoring ${variable}={value!r}: not an absolute path"
                f"{why}; the cache is {cache}"
            )


def main(argv: Sequence[str] | None = None) -> int:
    # A new command, first: a stop requested while the flags are read is kept, even where a
    # library swallows its KeyboardInterrupt (reading them imports pandas, under load for a second)
    console.reset()
    args = _parse(argv)
    ignored = matplotlib_fallback()
    matplotlib_headless()
    jax_gpu_shared()
    previous_hook, previous_resort = sys.unraisablehook, logging.lastResort
    previous = _handle_signals()
    try:
        sys.unraisablehook = console.unraisable
        # Warnings (fashionlab's loggers have no handler of their own) go through ``say``, below
        # a terminal's progress line rather than after it.
        logging.lastResort = console.SayHandler(logging.WARNING)
        console.quiet_after_stop()
        try:
            if STOP.is_set():  # a stop while the flags were read, that a library swallowed
                raise KeyboardInterrupt
            console.planned_fault()  # a malformed testing hook is a usage error, before any work
            console.stdout_open()  # a result with nowhere to go: said before minutes of work
            _check_working_folder(args)
            _check_cache_home(args.command)
            if getattr(args, "scheduler", None) is not None:  # checked before any work, too
                from ..cluster.connection import check_cluster

                check_cluster(args.workers, args.scheduler)
                if args.data_dir and not str(args.data_dir).startswith(("/", "~")):
                    # taken from the folder this runs in, not from each worker's own
                    args.data_dir = os.path.abspath(args.data_dir)
            if hasattr(args, "data_dir") and args.command != "sweep":  # a sweep's: the workers'
                search_path(args.data_dir)  # a folder named that is none: said before any work
            with (  # what is said of matplotlib's folder, as matplotlib is imported, if it is
                on_first_import(
                    "matplotlib", functools.partial(say, f"fashionlab {args.command}: {ignored}")
                )
                if ignored is not None
                else contextlib.nullcontext()
            ):
                COMMANDS[args.command](args)
            if STOP.is_set():  # an interrupt swallowed inside a library still counts
                raise KeyboardInterrupt
            sys.stdout.flush()
        except BaseException as exc:
            if isinstance(exc, SystemExit):
                raise
            status = _fault(args, exc)
            if status is None:
                raise
            return status
    except KeyboardInterrupt:  # a second signal while the first fault was being reported
        return interrupted()
    finally:
        console.OVER.set()
        critical.cancel_retry()
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sys.unraisablehook = previous_hook
        logging.lastResort = previous_resort
    return 0


def _handle_signals() -> dict[int, Any]:
    """The CLI's handlers: of the signals that stop it, and of a stop's retry after an import
    (``critical.RETRY_SIGNAL``); the handlers they replace, to be put back."""
    previous = {s: signal.signal(s, console.on_signal) for s in critical.watched_signals()}
    previous[critical.RETRY_SIGNAL] = signal.signal(critical.RETRY_SIGNAL, console.on_retry)
    return previous


def program() -> int:
    """The ``fashionlab`` program: ``main``, then a prompt exit."""
    console.CLOSED.update(standard_streams())
    # Our handlers also outside ``main``: a signal in the moments around it (the second of two
    # that ``timeout`` sends) is remembered rather than ending the process with a traceback, and
    # one while the flags are read, which imports, is tried again after the import (without the
    # retry's handler, SIGALRM's default action ended the process: a hostile review).
    _handle_signals()
    try:
        status = main()
    except KeyboardInterrupt:
        status = interrupted()
    critical.cancel_retry()  # main's own cancel is not reached when a stop ends reading the flags
    try:
        sys.stdout.flush()
    except (OSError, ValueError):
        quiet_stdout()
        if status == 0:
            say("fashionlab: error: cannot write the output")
            status = 1
    # The interpreter's exit-time cycle collection over Keras and JAX objects took 0.7 s; frozen
    # objects are left alone, and the operating system reclaims the memory with the process.
    gc.freeze()
    for signum in critical.STOP_SIGNALS:  # the command has ended: a late signal has nothing to stop
        signal.signal(signum, signal.SIG_IGN)  # and must not end the process by itself
    if status == 130:  # an interrupt can leave a thread that never ends, or a native module
        exit_after_interrupt(status)  # half-made that the C library's exit would free
    return status
