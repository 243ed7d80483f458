"""The CLI's flags: each parsed and checked into a value, or one line and exit status 2.

Defaults are read from ``config``; the library checks its own arguments too, so these checks only
make the message name the flag.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Sequence
from typing import Any

from .. import __version__
from .. import config as defaults
from ..config import MAX_POINTS, MIN_POINTS, Config
from .flag_types import (
    class_name,
    engine_flags,
    folder_path,
    integer,
    plain_text,
    positive_float,
)
from .parser import Parser

# --------------------------------------------------------------------------- the parser


def _add_data_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=folder_path,
        metavar="DIR",
        help="folder holding the four official .gz files (default: $FASHIONLAB_DATA, the user "
        "cache, $KERAS_HOME/datasets/fashion-mnist with ~/.keras for $KERAS_HOME, "
        "/usr/share/datasets/fashion-mnist, then a download)",
    )
    parser.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="accept files whose SHA-256 differs from the official ones",
    )


class _Once(argparse.Action):
    """A flag that may be given once: argparse would let a second ``--classes`` replace the first
    without a word (``sweep --classes`` is repeated for more pairs, so a user may expect that)."""

    def __call__(
        self,
        parser: argparse.ArgumentParser,
        namespace: argparse.Namespace,
        values: Any,
        option_string: str | None = None,
    ) -> None:
        given = f"_{self.dest}_given"
        if getattr(namespace, given, False):
            parser.error(
                f"argument {option_string}: given twice; this command takes one pair "
                "(fashionlab sweep takes several)"
            )
        setattr(namespace, given, True)
        setattr(namespace, self.dest, values)


def _pair_flag(parser: argparse.ArgumentParser, default: Sequence[str]) -> None:
    parser.add_argument(
        "--classes",
        nargs=2,
        type=class_name,
        default=list(default),
        action=_Once,
        metavar=("FIRST", "SECOND"),
        help=f"the two classes; the second is label 1 (default: {' / '.join(default)})",
    )


def _training_flags(
    parser: argparse.ArgumentParser,
    epochs: int,
    patience: int | None = None,
    trained: str = "the network",
    early: bool = True,
    seeds: str = "initial weights and batch order",
) -> None:
    """``--epochs`` (and ``--patience``) of what ``trained`` names, and its ``--seed`` (of what
    ``seeds`` names); a network stops early (``early``), softmax regression runs every epoch."""
    stops = "; it stops early and keeps its best epoch" if early else ""
    parser.add_argument(
        "--epochs",
        type=integer(1, defaults.MAX_EPOCHS),
        default=epochs,
        metavar="N",
        help=f"{'at most ' if early else ''}N epochs of {trained}, 1 to {defaults.MAX_EPOCHS:,} "
        f"(default {epochs}){stops}",
    )
    if patience is not None:
        parser.add_argument(
            "--patience",
            type=integer(1, defaults.MAX_EPOCHS),
            default=patience,
            metavar="N",
            help=f"epochs without a lower validation loss before it stops, 1 to "
            f"{defaults.MAX_EPOCHS:,} (default {patience})",
        )
    parser.add_argument(
        "--seed",
        type=integer(0, defaults.MAX_NN_SEED),
        default=Config.seed,
        metavar="N",
        help=f"{seeds}, 0 to {defaults.MAX_NN_SEED:,} (default {Config.seed})",
    )


def _out_flag(parser: argparse.ArgumentParser, default: str, what: str) -> None:
    parser.add_argument(
        "--out",
        type=folder_path,
        default=default,
        metavar="DIR",
        help=f"where to write (default {default}/): a new or empty folder, or one holding {what}",
    )


def _points_flag(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--points",
        type=integer(MIN_POINTS, MAX_POINTS),
        default=Config.points,
        metavar="N",
        help=f"images in the t-SNE map, the training images first (the test images past 60,000), "
        f"{MIN_POINTS} to {MAX_POINTS:,} (default {Config.points:,}, the assignment's)",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="fashionlab",
        description="Logistic regression from scratch and a small Keras network on Fashion-MNIST.",
    )
    parser.add_argument("--version", action="version", version=f"fashionlab {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, description=help_text)

    _first_steps(command)
    _network(command)
    _study(command)
    _extras(command)
    from . import sweep

    sweep.add_parser(commands)
    return parser


def _first_steps(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """data, logreg and explore."""
    data = command("data", "find and verify the four Fashion-MNIST files")
    _add_data_flags(data)
    data.add_argument("--json", action="store_true", help="print JSON")

    logreg = command("logreg", "logistic regression from scratch on one class pair")
    _pair_flag(logreg, defaults.PAIRS[0])
    logreg.add_argument(
        "--learning-rate",
        type=positive_float,
        default=defaults.LEARNING_RATE,
        metavar="RATE",
        help=f"gradient descent's step size, a number > 0 (default {defaults.LEARNING_RATE}, the "
        "assignment's)",
    )
    logreg.add_argument(
        "--steps",
        type=integer(1, defaults.MAX_STEPS),
        default=defaults.STEPS,
        metavar="N",
        help=f"gradient-descent steps, 1 to {defaults.MAX_STEPS:,} (default {defaults.STEPS}, the "
        "assignment's)",
    )
    _add_data_flags(logreg)
    logreg.add_argument("--plot", type=folder_path, metavar="DIR", help="write learning curves")
    logreg.add_argument("--json", action="store_true", help="print one JSON object")

    explore = command("explore", "PCA, t-SNE and every exploration figure, with the map as CSV")
    _out_flag(explore, "explore", "a previous explore's output")
    _points_flag(explore)
    _add_data_flags(explore)
    explore.add_argument("--json", action="store_true", help="print the files written")


def _network(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """nn."""
    nn = command("nn", "the assignment's Keras network (Input 784 -> Dense 100 -> Dense 1)")
    _pair_flag(nn, defaults.PAIRS[1])
    _training_flags(nn, Config.epochs, Config.patience)
    nn.add_argument(
        "--batch-size",
        type=integer(1, defaults.MAX_BATCH_SIZE),
        default=Config.batch_size,
        metavar="N",
        help=f"rows per gradient step, 1 to {defaults.MAX_BATCH_SIZE:,} "
        f"(default {Config.batch_size})",
    )
    _add_data_flags(nn)
    nn.add_argument("--plot", type=folder_path, metavar="DIR", help="write loss/accuracy curves")
    nn.add_argument("--json", action="store_true", help="print one JSON object")


def _study(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """run."""
    run = command("run", "the whole study: every question answered in one report")
    _out_flag(run, "report", "a previous run's report")
    _add_data_flags(run)
    _points_flag(run)
    _training_flags(run, Config.epochs, trained="the assignment's network")
    run.add_argument(
        "--title",
        type=plain_text,
        default=Config.title,
        metavar="TEXT",
        help=f"the report's title (default {Config.title!r})",
    )
    run.add_argument(
        "--author",
        type=plain_text,
        default=None,
        metavar="TEXT",
        help="a line under the title naming who ran it (default: none)",
    )
    run.add_argument(
        "--no-extras",
        dest="extras",
        action="store_false",
        help="only the assignment's questions (skip the atlas, weights and softmax sections)",
    )
    run.add_argument(
        "--no-notebook",
        dest="notebook",
        action="store_false",
        help="skip executing the assignment notebook into the report folder",
    )
    engine_flags(run)
    run.add_argument(
        "--json", action="store_true", help="print the report's paths and headline numbers"
    )


def _extras(command: Callable[[str, str], argparse.ArgumentParser]) -> None:
    """atlas and softmax."""
    atlas = command("atlas", "logistic regression and the network on all 45 class pairs")
    engine_flags(atlas)
    _training_flags(atlas, defaults.ATLAS_EPOCHS, defaults.ATLAS_PATIENCE, "each pair's network")
    _add_data_flags(atlas)
    atlas.add_argument("--plot", type=folder_path, metavar="DIR", help="write the heat map")
    atlas.add_argument("--json", action="store_true", help="print one JSON object")

    softmax = command("softmax", "ten classes: softmax regression from scratch and the network")
    _training_flags(
        softmax,
        defaults.SOFTMAX_EPOCHS,
        trained="softmax regression",
        early=False,
        seeds="softmax regression's batch order (it starts from zero weights) and the "
        "ten-class network's initial weights and batch order",
    )
    _add_data_flags(softmax)
    softmax.add_argument(
        "--plot", type=folder_path, metavar="DIR", help="write the confusion matrix"
    )
    softmax.add_argument("--json", action="store_true", help="print one JSON object")
