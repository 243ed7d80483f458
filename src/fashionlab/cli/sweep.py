"""``fashionlab sweep``: flags -> Grid -> analysis.sweep on Dask -> print or write a folder.

``flags.build_parser`` adds its flags with ``add_parser``, and ``output.cmd_sweep`` calls ``run``.
Dask and the models are imported inside ``run``, so ``fashionlab --help`` stays instant.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from typing import Any

from ..config import (
    ALL_PAIRS,
    LEARNING_RATE,
    MAX_EPOCHS,
    MAX_SEED,
    MAX_STEPS,
    NN_EPOCHS,
    NN_LEARNING_RATE,
    PAIRS,
    SEED,
    SHUFFLE_SEED,
    STEPS,
)
from ..errors import UsageError
from .flag_types import class_name, comma_list, engine_flags, folder_path, integer, positive_float


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Add ``sweep`` to an ``add_subparsers()`` object; returns its parser."""
    text = "a grid of pairs x learning rates x steps (or epochs) x seeds, run on Dask"
    parser = subparsers.add_parser("sweep", help=text, description=text)
    pairs = parser.add_mutually_exclusive_group()
    pairs.add_argument(
        "--classes",
        dest="pairs",
        nargs=2,
        action="append",
        type=class_name,
        metavar=("FIRST", "SECOND"),
        help="a pair to sweep; repeat for more (default: the assignment's two)",
    )
    pairs.add_argument("--all-pairs", action="store_true", help="all 45 pairs")
    _grid_flags(parser)
    engine_flags(parser)
    parser.add_argument(
        "--data-dir",
        type=folder_path,
        metavar="DIR",
        help="folder of the four official .gz files, as each worker sees it (default: each "
        "worker's own search, as for the other commands' --data-dir)",
    )
    parser.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="accept files whose SHA-256 differs from the official ones",
    )
    parser.add_argument(
        "--out", type=folder_path, metavar="DIR", help="write sweep.csv, sweep.json and figures"
    )
    parser.add_argument("--json", action="store_true", help='print {"rows": [...]}')
    return parser


def _grid_flags(parser: argparse.ArgumentParser) -> None:
    """The grid's other axes: the model, its learning rates, steps or epochs, and seeds."""
    parser.add_argument(
        "--model",
        choices=("logreg", "nn"),
        default="logreg",
        help="logistic regression from scratch, or the assignment's network (default: logreg)",
    )
    parser.add_argument(
        "--learning-rates",
        type=comma_list(positive_float, "numbers > 0"),
        default=None,
        metavar="LIST",
        help=f"comma list; for nn, Adam's learning rate (default: {LEARNING_RATE} "
        f"for logreg, {NN_LEARNING_RATE} for nn)",
    )
    parser.add_argument(
        "--steps",
        type=comma_list(integer(1, MAX_STEPS), "integers >= 1"),
        metavar="LIST",
        help=f"gradient-descent steps, logreg only (default: {STEPS})",
    )
    parser.add_argument(
        "--epochs",
        type=comma_list(integer(1, MAX_EPOCHS), "integers >= 1"),
        metavar="LIST",
        help=f"most epochs, nn only (default: {NN_EPOCHS})",
    )
    parser.add_argument(
        "--seeds",
        type=comma_list(integer(0, MAX_SEED), "integers >= 0"),
        metavar="LIST",
        help=f"logreg: the data shuffle seed (default {SHUFFLE_SEED}, the "
        f"assignment's); nn: initialisation and batches (default {SEED})",
    )


def grid_of(args: argparse.Namespace) -> Any:
    """The ``Grid`` the flags ask for; a flag that does not fit the model is a UsageError."""
    from ..analysis.grid import Grid, GridError

    logreg = args.model == "logreg"
    unused = ("--epochs", args.epochs) if logreg else ("--steps", args.steps)
    if unused[1] is not None:
        other = "--steps" if logreg else "--epochs"
        raise UsageError(
            f"argument {unused[0]}: not used with --model {args.model} (it takes "
            f"{other}), got {','.join(map(str, unused[1]))!r}"
        )
    pairs = ALL_PAIRS if args.all_pairs else tuple(tuple(p) for p in args.pairs or PAIRS)
    lists = {
        "learning_rates": args.learning_rates,
        "steps": args.steps,
        "epochs": args.epochs,
        "seeds": args.seeds,
    }
    given: dict[str, Any] = {name: tuple(v) for name, v in lists.items() if v is not None}
    try:  # a list not given takes the Grid's default for the model
        return Grid(
            pairs=pairs, model=args.model, data_dir=args.data_dir, verify=args.verify, **given
        )
    except GridError as exc:
        if exc.field == "size":  # no one flag to name
            raise UsageError(f"the grid is too large: {exc.text}") from None
        flag = GRID_FLAGS.get(exc.field, exc.field)
        raise UsageError(f"argument {flag}: {exc.text}") from None


GRID_FLAGS = {
    "pairs": "--classes",
    "model": "--model",
    "learning_rates": "--learning-rates",
    "steps": "--steps",
    "epochs": "--epochs",
    "seeds": "--seeds",
}


def progress_printer(stream: Any = None) -> Callable[..., None]:
    """A line ``sweep k/N`` per task on a terminal; elsewhere one per ~10 % and the last."""
    from .console import Console

    stream = stream or sys.stderr
    every_task = stream.isatty()
    printed = [-1]
    hook = Console()  # FASHIONLAB_FAULT's point sweep:N

    def on_done(done: int, total: int, task: Any, from_cache: bool) -> None:
        tenth = done * 10 // total
        if every_task or done == total or tenth > printed[0]:
            printed[0] = tenth
            note = " (cached)" if from_cache else ""
            print(f"sweep {done}/{total}{note}", file=stream, flush=True)
        hook.reached("sweep", done)

    return on_done


def run(args: argparse.Namespace) -> None:
    """Run the sweep the flags describe; print JSON or a summary, or write ``--out``."""
    from .. import commands
    from ..analysis.sweep import best_settings
    from ..render import sweep as render
    from ..render.format import pair_name, plural
    from .console import out
    from .shown import shown_path

    grid = grid_of(args)
    rows, folder = commands.sweep(
        grid,
        out=args.out,
        workers=args.workers,
        scheduler=args.scheduler,
        on_done=progress_printer(),
    )
    if args.json:
        out(render.rows_json(rows))
        return
    diverged = sum(row.diverged_at_step is not None for row in rows)
    where = f"; wrote {shown_path(folder)}" if folder is not None else ""
    out(f"sweep: {plural(len(rows), 'run')}, {diverged} diverged{where}")
    unit = "steps" if grid.model == "logreg" else "epochs"
    over = f" (mean of {len(grid.seeds)} seeds)" if len(grid.seeds) > 1 else ""
    for classes, best in best_settings(rows).items():
        if best is None:
            out(f"{pair_name(classes)}: no setting finished on every seed")
            continue
        rate, length, mean = best
        out(
            f"{pair_name(classes)}: best validation accuracy {mean:.4f}{over}, at learning "
            f"rate {rate:g} for {length} {unit}"
        )
