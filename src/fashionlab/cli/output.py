"""Each command's output: its flags -> one library call -> what it prints (``--json``: strict JSON
on stdout). ``cli`` runs them, and turns errors and signals into one line and an exit status.

Heavy modules are imported inside the commands, so ``fashionlab --help`` is instant.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ..config import Config, NetworkSettings
from ..jsonio import strict_text, to_json
from .console import Console, LinesConsole, out, say
from .shown import shown_path

if TYPE_CHECKING:  # the library's heavy imports stay out of `fashionlab --help`
    from ..analysis.pairs import PairRun
    from ..commands import NetworkComparison


def print_json(payload: Any) -> None:
    """``payload`` on stdout as strict JSON (``jsonio.strict_text``)."""
    out(strict_text(payload))


def cmd_data(args: argparse.Namespace) -> None:
    from ..data.datasets import locate

    found = locate(args.data_dir, verify=args.verify)
    records = [
        {"file": f.path.name, "path": str(f.path), "source": f.source, "verified": f.verified}
        for f in found.values()
    ]
    if args.json:
        print_json({"files": records})
        return
    for r in records:
        out(f"{r['file']:<28} {r['verified']:<15} {r['source']:<8} {shown_path(r['path'])}")


def cmd_logreg(args: argparse.Namespace) -> None:
    from .. import commands
    from ..render.format import pair_name

    console = Console() if args.json else LinesConsole()

    def step_done(step: int, total: int, m: dict[str, float]) -> None:
        if not args.json:  # the assignment's per-step line
            out(
                f"Epoch [{step}/{total}] ".ljust(20)
                + f"loss: {m['train_loss']:.4f} - accuracy: {m['train_accuracy']:.4f} - "
                + f"val_loss: {m['val_loss']:.4f} - val_accuracy: {m['val_accuracy']:.4f}"
            )
        console.tick("step", step, total)

    run = commands.logreg(
        args.classes,
        learning_rate=args.learning_rate,
        steps=args.steps,
        data_dir=args.data_dir,
        verify=args.verify,
        plot_dir=args.plot,
        callback=step_done,
        progress=console,
    )
    if run.diverged_at_step is not None:
        say(
            f"fashionlab logreg: gradient descent diverged at step {run.diverged_at_step} "
            f"(learning rate {args.learning_rate:g} is too large); its scores are null"
        )
    if args.json:
        print_json(_logreg_json(run))
        return
    if run.val_accuracy is not None:
        out(
            f"{pair_name(run.classes)}: validation accuracy {run.val_accuracy:.4f} "
            f"(the loop's last log, before its last update), held-out accuracy "
            f"{run.heldout_accuracy:.4f} and official test accuracy "
            f"{run.official_test_accuracy:.4f} (the final weights) in {run.seconds:.2f} s"
        )
    _wrote_figures(args)


def cmd_explore(args: argparse.Namespace) -> None:
    from .. import commands

    real, written = commands.explore(
        args.out, points=args.points, data_dir=args.data_dir, verify=args.verify, progress=Console()
    )
    if args.json:
        print_json({"out": str(real), "files": written})
    else:
        out(f"wrote {len(written)} files to {shown_path(real)}/")


def cmd_nn(args: argparse.Namespace) -> None:
    from .. import commands
    from ..render.format import pair_name

    def show(epoch: int, logs: dict[str, float]) -> None:
        out(
            f"Epoch {epoch}/{args.epochs} - loss: {logs['loss']:.4f} - accuracy: "
            f"{logs['accuracy']:.4f} - val_loss: {logs['val_loss']:.4f} - val_accuracy: "
            f"{logs['val_accuracy']:.4f}"
        )

    compared = commands.network(
        args.classes,
        settings=NetworkSettings(args.epochs, args.patience, args.batch_size),
        seed=args.seed,
        data_dir=args.data_dir,
        verify=args.verify,
        plot_dir=args.plot,
        on_epoch=None if args.json else show,
        progress=Console() if args.json else LinesConsole(),
    )
    if args.json:
        print_json(_nn_json(compared))
        return
    net = compared.network
    run, best = net.epochs_run, net.best_epoch
    stopped = f"stopped after epoch {run} of {args.epochs}, " if run < args.epochs else ""
    out(f"{stopped}kept the weights of epoch {best} (the lowest validation loss)")
    out(
        f"{pair_name(net.classes)}: validation accuracy {net.val_accuracy:.4f} "
        f"(100-step logistic regression: {compared.logreg.val_accuracy:.4f}), official test "
        f"{net.official_test_accuracy:.4f}, in {compared.seconds:.1f} s"
    )
    _wrote_figures(args)


# What ``fashionlab nn --json`` prints of the network's record, before logistic regression's scores
NN_JSON = (
    "classes",
    "epochs_max",
    "epochs_run",
    "best_epoch",
    "patience",
    "batch_size",
    "optimizer",
    "learning_rate",
    "activation",
    "seed",
    "training_rows",
    "train_accuracy",
    "val_accuracy",
    "val_loss",
    "heldout_accuracy",
    "heldout_note",
    "official_test_accuracy",
    "n_parameters",
)


def _logreg_json(run: PairRun) -> dict[str, Any]:
    """``logreg --json``: docs/cli.md's keys, what the run was given, then its scores."""
    return {
        **to_json(run.settings()),
        **run.scores(),
        "seconds": run.seconds,
        "history": run.history,
    }


def _nn_json(compared: NetworkComparison) -> dict[str, Any]:
    """``nn --json``: docs/cli.md's keys, the network's first, then logistic regression's scores."""
    net, logreg = compared.network, compared.logreg
    return {
        **{key: to_json(getattr(net, key)) for key in NN_JSON},
        "logreg_val_accuracy": logreg.val_accuracy,
        "logreg_heldout_accuracy": logreg.heldout_accuracy,
        "logreg_official_test_accuracy": logreg.official_test_accuracy,
        "seconds": compared.seconds,
        "history": net.history,
    }


def _wrote_figures(args: argparse.Namespace) -> None:
    """After a command's text output: where ``--plot`` put its figures."""
    if args.plot is not None:
        out(f"figures added to {shown_path(args.plot)}")


def cmd_run(args: argparse.Namespace) -> None:
    from .. import app

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
        notebook=args.notebook,
        workers=args.workers,
        scheduler=args.scheduler,
    )
    written = app.run(config, Console())
    real, results = written.folder, written.results
    if not args.json:
        out(f"report written to {shown_path(real / 'index.html')}")
        return
    scores = ("classes", "val_accuracy", "heldout_accuracy", "official_test_accuracy")
    print_json(
        {
            "out": str(real),
            "index_html": str(real / "index.html"),
            "report_md": str(real / "report.md"),
            "results_json": str(real / "results.json"),
            "notebook": str(real / "assignment.ipynb") if written.notebook else None,
            "logreg": [{k: to_json(getattr(r, k)) for k in scores} for r in results.logreg],
            "network": {k: to_json(getattr(results.network, k)) for k in scores},
        }
    )


def cmd_atlas(args: argparse.Namespace) -> None:
    from .. import commands
    from ..render.format import pair_name

    records = commands.atlas(
        settings=NetworkSettings(args.epochs, args.patience),
        seed=args.seed,
        data_dir=args.data_dir,
        verify=args.verify,
        plot_dir=args.plot,
        workers=args.workers,
        scheduler=args.scheduler,
        progress=Console(),
    )
    if args.json:
        print_json({"pairs": to_json(records)})
        return
    out(
        f"{'pair (hardest first)':<28} {'logreg':>8} {'converged':>10} {'network':>8} {'steps95':>8}"
    )
    for r in records:
        network = "-" if r.nn_val_accuracy is None else f"{r.nn_val_accuracy:.4f}"
        out(
            f"{pair_name(r.classes):<28} {r.logreg_val_accuracy:>8.4f} "
            f"{r.logreg_converged_val_accuracy:>10.4f} {network:>8} {r.steps_to_95!s:>8}"
        )
    _wrote_figures(args)


def cmd_softmax(args: argparse.Namespace) -> None:
    from .. import commands
    from ..config import CLASS_NAMES

    result = commands.ten_classes(
        epochs=args.epochs,
        seed=args.seed,
        data_dir=args.data_dir,
        verify=args.verify,
        plot_dir=args.plot,
        progress=Console(),
    )
    if args.json:
        print_json(to_json(result))
        return
    cap = result.network_settings.epochs
    out(
        f"softmax regression ({result.epochs} epochs): official test accuracy "
        f"{result.official_test_accuracy:.4f}"
    )
    out(
        f"784-100-10 network (stopped after epoch {result.network_epochs} of at most {cap}, the "
        f"weights of its lowest validation loss kept): official test accuracy "
        f"{result.network_official_test_accuracy:.4f}"
    )
    out("softmax regression on the official test images, per class:")
    for name, p, r in zip(CLASS_NAMES, result.precision, result.recall, strict=True):
        out(f"  {name:<12} precision {p:.3f}  recall {r:.3f}")
    _wrote_figures(args)


def cmd_sweep(args: argparse.Namespace) -> None:
    from . import sweep

    sweep.run(args)


COMMANDS: dict[str, Callable[[argparse.Namespace], None]] = {
    "data": cmd_data,
    "logreg": cmd_logreg,
    "explore": cmd_explore,
    "nn": cmd_nn,
    "run": cmd_run,
    "atlas": cmd_atlas,
    "softmax": cmd_softmax,
    "sweep": cmd_sweep,
}
