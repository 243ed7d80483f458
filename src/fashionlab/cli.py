"""The command line: parse and validate flags, call one library function, print.

Heavy modules are imported inside the commands, so ``fashionlab --help`` is instant.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import re
import signal
import sys
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import __version__
from .config import Config
from .errors import DataError, FashionLabError
from .render.answers import pair_name


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line on stderr and exit status 2, and ``-inf`` or
    ``-nan`` after a flag is read as that flag's (bad) value, not as an unknown option."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._negative_number_matcher = re.compile(r"^-(\d+|\d*\.\d+|inf(inity)?|nan)$", re.I)

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message}\n")


# --------------------------------------------------------------------------- flag types


def _integer(low: int, high: int | None = None) -> Callable[[str], int]:
    def parse(text: str) -> int:
        bound = f">= {low}" if high is None else f"between {low:,} and {high:,}"
        try:
            value = int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(f"must be an integer {bound}, got {text!r}") from None
        if value < low or (high is not None and value > high):
            raise argparse.ArgumentTypeError(f"must be an integer {bound}, got {text!r}")
        return value

    return parse


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text!r}")
    return value


def _class_name(text: str) -> str:
    from .data.preprocessing import canonical_class

    try:
        return canonical_class(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _existing_dir(text: str) -> str:
    path = Path(text)
    if not text.strip():
        raise argparse.ArgumentTypeError("must be a directory, got ''")
    if not path.is_dir():
        raise argparse.ArgumentTypeError(f"no such directory: {text!r}")
    if not os.access(path, os.R_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"directory is not readable: {text!r}")
    return text


def _output_dir(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError("must be a directory path, got ''")
    path = Path(text)
    if path.exists() and not path.is_dir():
        raise argparse.ArgumentTypeError(f"exists and is not a directory: {text!r}")
    parent = path.resolve().parent
    while not parent.exists():
        parent = parent.parent
    if not os.access(parent, os.W_OK | os.X_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise argparse.ArgumentTypeError(f"is not writable: {text!r}")
    return text


def _text(text: str) -> str:
    if not text.strip():
        raise argparse.ArgumentTypeError(f"must not be empty, got {text!r}")
    return text


# --------------------------------------------------------------------------- the parser


def _add_data_flags(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--data-dir",
        type=_existing_dir,
        metavar="DIR",
        help="folder holding the four official .gz files (default: $FASHIONLAB_DATA, the user "
        "cache, /usr/share/datasets/fashion-mnist, then a download)",
    )
    parser.add_argument(
        "--no-verify",
        dest="verify",
        action="store_false",
        help="accept files whose SHA-256 differs from the official ones",
    )


def _pair_flag(parser: argparse.ArgumentParser, default: Sequence[str]) -> None:
    parser.add_argument(
        "--classes",
        nargs=2,
        type=_class_name,
        default=list(default),
        metavar=("FIRST", "SECOND"),
        help=f"the two classes; the second is label 1 (default: {' / '.join(default)})",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="fashionlab",
        description="Logistic regression from scratch and a small Keras network on Fashion-MNIST.",
    )
    parser.add_argument("--version", action="version", version=f"fashionlab {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        return commands.add_parser(name, help=help_text, description=help_text)

    data = command("data", "find and verify the four Fashion-MNIST files")
    _add_data_flags(data)
    data.add_argument("--json", action="store_true", help="print JSON")

    logreg = command("logreg", "logistic regression from scratch on one class pair")
    _pair_flag(logreg, ["Trouser", "Ankle boot"])
    logreg.add_argument("--learning-rate", type=_positive_float, default=0.05, metavar="RATE")
    logreg.add_argument("--steps", type=_integer(1, 1_000_000), default=100, metavar="N")
    _add_data_flags(logreg)
    logreg.add_argument("--plot", type=_output_dir, metavar="DIR", help="write learning curves")
    logreg.add_argument("--json", action="store_true", help="print one JSON object")

    explore = command("explore", "PCA, t-SNE and every exploration figure, as PNG files")
    explore.add_argument("--out", type=_output_dir, default="explore", metavar="DIR")
    explore.add_argument("--points", type=_integer(100, 70_000), default=10_000, metavar="N")
    _add_data_flags(explore)

    nn = command("nn", "the assignment's Keras network (Input 784 -> Dense 100 -> Dense 1)")
    _pair_flag(nn, ["Pullover", "Coat"])
    nn.add_argument("--epochs", type=_integer(1, 10_000), default=Config.epochs, metavar="N")
    nn.add_argument(
        "--batch-size", type=_integer(1, 100_000), default=Config.batch_size, metavar="N"
    )
    nn.add_argument("--seed", type=_integer(0, 2**31 - 1), default=Config.seed, metavar="N")
    _add_data_flags(nn)
    nn.add_argument("--plot", type=_output_dir, metavar="DIR", help="write loss/accuracy curves")
    nn.add_argument("--json", action="store_true", help="print one JSON object")

    run = command("run", "the whole study: every question answered in one report")
    run.add_argument("--out", type=_output_dir, default="report", metavar="DIR")
    _add_data_flags(run)
    run.add_argument("--points", type=_integer(100, 70_000), default=10_000, metavar="N")
    run.add_argument("--epochs", type=_integer(1, 10_000), default=Config.epochs, metavar="N")
    run.add_argument("--seed", type=_integer(0, 2**31 - 1), default=Config.seed, metavar="N")
    run.add_argument("--title", type=_text, default=Config.title, metavar="TEXT")
    run.add_argument("--author", type=_text, default=None, metavar="TEXT")
    run.add_argument(
        "--no-extras",
        dest="extras",
        action="store_false",
        help="only the assignment's questions (skip the atlas, weights and softmax sections)",
    )
    run.add_argument("--jobs", type=_integer(1, 256), default=1, metavar="N")

    atlas = command("atlas", "logistic regression and the network on all 45 class pairs")
    atlas.add_argument("--jobs", type=_integer(1, 256), default=1, metavar="N",
                       help="pairs trained in parallel (joblib)")  # fmt: skip
    atlas.add_argument("--epochs", type=_integer(1, 10_000), default=30, metavar="N")
    atlas.add_argument("--seed", type=_integer(0, 2**31 - 1), default=Config.seed, metavar="N")
    _add_data_flags(atlas)
    atlas.add_argument("--plot", type=_output_dir, metavar="DIR", help="write the heat map")
    atlas.add_argument("--json", action="store_true", help="print one JSON object")

    softmax = command("softmax", "ten classes: softmax regression from scratch and the network")
    softmax.add_argument("--epochs", type=_integer(1, 10_000), default=50, metavar="N")
    softmax.add_argument("--seed", type=_integer(0, 2**31 - 1), default=Config.seed, metavar="N")
    _add_data_flags(softmax)
    softmax.add_argument(
        "--plot", type=_output_dir, metavar="DIR", help="write the confusion matrix"
    )
    softmax.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


# --------------------------------------------------------------------------- commands


def _print_json(payload: Any) -> None:
    print(json.dumps(payload, indent=2))


def cmd_data(args: argparse.Namespace) -> None:
    from .data.datasets import locate

    found = locate(args.data_dir, verify=args.verify)
    records = [
        {"file": f.path.name, "path": str(f.path), "source": f.source, "verified": f.verified}
        for f in found.values()
    ]
    if args.json:
        _print_json({"files": records})
        return
    for record in records:
        print(
            f"{record['file']:<28} {record['verified']:<15} {record['source']:<8} {record['path']}"
        )


def _print_step(step: int, total: int, m: dict[str, float]) -> None:
    """The assignment's per-step line."""
    print(
        f"Epoch [{step}/{total}] ".ljust(20)
        + f"loss: {m['train_loss']:.4f} - accuracy: {m['train_accuracy']:.4f} - "
        + f"val_loss: {m['val_loss']:.4f} - val_accuracy: {m['val_accuracy']:.4f}"
    )


def cmd_logreg(args: argparse.Namespace) -> None:
    from . import study

    run = study.logreg(
        args.classes,
        learning_rate=args.learning_rate,
        steps=args.steps,
        data_dir=args.data_dir,
        verify=args.verify,
        callback=None if args.json else _print_step,
        plot_dir=args.plot,
    )
    if args.json:
        _print_json(run.summary())
    else:
        print(
            f"{pair_name(run.classes)}: train accuracy {run.final('train_accuracy'):.4f}, "
            f"validation accuracy {run.final('val_accuracy'):.4f}, "
            f"held-out accuracy {run.test_accuracy:.4f} in {run.seconds:.2f} s"
        )


def cmd_explore(args: argparse.Namespace) -> None:
    from . import study

    written = study.explore(
        args.out,
        points=args.points,
        data_dir=args.data_dir,
        verify=args.verify,
        progress=_Console(),
    )
    print(f"wrote {len(written)} files to {args.out}/")


def _print_epoch(total: int) -> Callable[[int, dict[str, float]], None]:
    def show(epoch: int, logs: dict[str, float]) -> None:
        print(
            f"Epoch {epoch}/{total} - loss: {logs['loss']:.4f} - accuracy: {logs['accuracy']:.4f}"
            f" - val_loss: {logs['val_loss']:.4f} - val_accuracy: {logs['val_accuracy']:.4f}",
            flush=True,
        )

    return show


def cmd_nn(args: argparse.Namespace) -> None:
    from . import study

    result = study.network(
        args.classes,
        epochs=args.epochs,
        batch_size=args.batch_size,
        seed=args.seed,
        data_dir=args.data_dir,
        verify=args.verify,
        on_epoch=None if args.json else _print_epoch(args.epochs),
        plot_dir=args.plot,
    ).run
    if args.json:
        _print_json(result.as_json())
    else:
        s = result.as_json()
        print(
            f"{pair_name(s['classes'])}: validation accuracy {s['val_accuracy']:.4f}, held-out "
            f"{s['holdout_accuracy']:.4f}, official test {s['test_accuracy']:.4f} "
            f"(logistic regression, 100 steps: {s['logreg_val_accuracy']:.4f}) in {s['seconds']:.1f} s"
        )


def cmd_run(args: argparse.Namespace) -> None:
    from . import study

    config = Config(
        out=args.out,
        data_dir=args.data_dir,
        verify=args.verify,
        points=args.points,
        epochs=args.epochs,
        seed=args.seed,
        title=args.title,
        author=args.author or "",
        extras=args.extras,
        jobs=args.jobs,
    )
    out = study.run(config, _Console())
    print(f"report written to {out / 'index.html'}")


_STOP = threading.Event()  # set by SIGINT or SIGTERM


def _on_signal(signum: int, frame: object) -> None:
    # Remember the request as well as raising: library code with a bare ``except:`` (some
    # optional-import probes do this) can swallow the KeyboardInterrupt, and then the next
    # checkpoint raises it again before anything is written.
    _STOP.set()
    raise KeyboardInterrupt


def _unraisable(info: Any, default: Callable[[Any], None] = sys.unraisablehook) -> None:
    """Where Python cannot raise (weakref callbacks, ``__del__``), a KeyboardInterrupt is already
    remembered in ``_STOP`` and raised again at the next checkpoint: don't print it as an error."""
    if info.exc_type is not None and issubclass(info.exc_type, KeyboardInterrupt):
        return
    default(info)


def _interrupted() -> int:
    print("fashionlab: interrupted; partial results were discarded", file=sys.stderr)
    # CPython remembers a KeyboardInterrupt that escaped any ``exec`` of a string (dataclasses
    # and scipy build functions that way, so an interrupt during an import can pass through
    # one), and under ``python -m`` it then ends the process by SIGINT even though the
    # interrupt was handled here: a SIGTERM would look like a SIGINT, and 130 would be lost.
    # Running any string that succeeds clears that flag.
    exec("pass")
    return 130


class _Console:
    """Progress for long commands, on stderr: stage lines with times, a t-SNE bar, epoch lines."""

    def __init__(self) -> None:
        self._bar: Any = None

    def checkpoint(self) -> None:
        if _STOP.is_set():
            raise KeyboardInterrupt

    def stage(self, number: int, total: int, name: str) -> None:
        self.checkpoint()
        print(f"[{number}/{total}] {name} ...", file=sys.stderr, flush=True)

    def stage_done(self, name: str, seconds: float) -> None:
        self._close()
        self.checkpoint()
        print(f"      {name}: {seconds:.1f} s", file=sys.stderr, flush=True)

    def tsne(self, iteration: int, total: int, kl_divergence: float) -> None:
        self.checkpoint()
        if self._bar is None:
            from tqdm.auto import tqdm

            self._bar = tqdm(total=total, desc="      t-SNE", unit="it", file=sys.stderr)
        self._bar.update(iteration - self._bar.n)
        self._bar.set_postfix(KL=f"{kl_divergence:.3f}")

    def epoch(self, epoch: int, total: int, logs: dict[str, float]) -> None:
        self.checkpoint()
        print(
            f"      epoch {epoch:>3}/{total}: val_loss {logs.get('val_loss', float('nan')):.4f}"
            f"  val_accuracy {logs.get('val_accuracy', float('nan')):.4f}",
            file=sys.stderr,
            flush=True,
        )

    def _close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def cmd_atlas(args: argparse.Namespace) -> None:
    from . import study

    records = study.atlas(
        jobs=args.jobs, epochs=args.epochs, seed=args.seed, data_dir=args.data_dir,
        verify=args.verify, plot_dir=args.plot, progress=_Console(),
    )  # fmt: skip
    if args.json:
        keys = ("classes", "logreg_val_accuracy", "logreg_converged_val_accuracy",
                "nn_val_accuracy", "steps_to_95")  # fmt: skip
        _print_json({"pairs": [{k: r[k] for k in keys} for r in records]})
        return
    print(
        f"{'pair (hardest first)':<28} {'logreg':>8} {'converged':>10} {'network':>8} {'steps95':>8}"
    )
    for r in records:
        network = "-" if r["nn_val_accuracy"] is None else f"{r['nn_val_accuracy']:.4f}"
        print(
            f"{pair_name(r['classes']):<28} {r['logreg_val_accuracy']:>8.4f} "
            f"{r['logreg_converged_val_accuracy']:>10.4f} {network:>8} {r['steps_to_95']:>8}"
        )


def cmd_softmax(args: argparse.Namespace) -> None:
    from . import study

    result = study.ten_classes(
        epochs=args.epochs, seed=args.seed, data_dir=args.data_dir, verify=args.verify,
        plot_dir=args.plot,
    )  # fmt: skip
    if args.json:
        _print_json(result)
        return
    print(f"softmax regression: official test accuracy {result['test_accuracy']:.4f}")
    print(f"784-100-10 network: official test accuracy {result['network_test_accuracy']:.4f}")
    for name, scores in result["per_class"].items():
        print(f"  {name:<12} precision {scores['precision']:.3f}  recall {scores['recall']:.3f}")


COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {
    "data": cmd_data,
    "logreg": cmd_logreg,
    "explore": cmd_explore,
    "nn": cmd_nn,
    "run": cmd_run,
    "atlas": cmd_atlas,
    "softmax": cmd_softmax,
}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if getattr(args, "classes", None) and args.classes[0] == args.classes[1]:
        parser.exit(
            2,
            f"fashionlab {args.command}: error: argument --classes: the two classes must "
            f"differ, got {args.classes[0]!r} twice\n",
        )
    _STOP.clear()
    previous = {s: signal.signal(s, _on_signal) for s in (signal.SIGINT, signal.SIGTERM)}
    previous_hook, sys.unraisablehook = sys.unraisablehook, _unraisable
    try:
        COMMANDS[args.command](args)
        _Console().checkpoint()  # an interrupt swallowed inside a library still counts
    except KeyboardInterrupt:
        return _interrupted()
    except Exception as exc:
        # Once a stop was asked for, any error that follows is its consequence: an interrupt
        # that lands inside an extension module's import surfaces as that import's error
        # (scipy's HiGHS wrapper says "ImportError: initialization failed").
        if _STOP.is_set():
            return _interrupted()
        if not isinstance(exc, FashionLabError):
            raise
        where = ""
        if isinstance(exc, DataError) and getattr(args, "data_dir", None):
            where = f"argument --data-dir {args.data_dir!r}: "
        message = " ".join(str(exc).split())  # always one line
        print(f"fashionlab {args.command}: error: {where}{message}", file=sys.stderr)
        return 2
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        sys.unraisablehook = previous_hook
    return 0


def program() -> int:
    """The ``fashionlab`` program: ``main`` on the command line, then a prompt exit."""
    status = main()
    # At exit the interpreter runs its cycle collector over every object still alive (Keras, JAX,
    # scikit-learn...), which took 0.7 s after a study. Frozen objects are left alone: exit
    # handlers still run, and the operating system reclaims the memory with the process.
    gc.freeze()
    return status


if __name__ == "__main__":
    sys.exit(program())
