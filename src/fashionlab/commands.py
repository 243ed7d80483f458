"""The single commands (``logreg``, ``nn``, ``explore``, ``atlas``, ``softmax``): each loads the
verified data, calls the library, and writes only where it was asked to.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from . import outdir
from .analysis import atlas as atlas_module
from .analysis import engine, tenclass
from .analysis.pairs import PairRun, run_split
from .app import prepare, protected_folders
from .config import ALL_PAIRS, CLASS_NAMES, NetworkSettings
from .data.loaded import load_data
from .data.preprocessing import resolve_pair
from .models import neural
from .models.logistic import StepCallback
from .progress import LogProgress, Progress
from .results import AtlasPair
from .storage import slug


def check_plot_dir(folder: str | None, data_dir: str | None) -> Path | None:
    """A ``--plot`` folder is checked before any work, as ``--out`` is: a new or empty folder, or
    one holding only what fashionlab wrote, outside the data and the cache."""
    return None if folder is None else outdir.check(folder, protected_folders(data_dir), "--plot")


def _save(folder: Path, figures: dict[str, Any]) -> None:
    """The figures (file stem -> figure) added to the ``--plot`` folder, all or none."""
    from .render import figures as files

    encoded = {}
    for stem, figure in figures.items():
        suffix = files.preferred_suffix(figure)
        encoded[f"{stem}{suffix}"] = files.encode(figure, suffix)
    outdir.add_files(folder, encoded, "--plot")


def logreg(classes: Sequence[str], *, learning_rate: float, steps: int, data_dir: str | None = None,
           verify: bool = True, callback: StepCallback | None = None,
           plot_dir: str | None = None) -> PairRun:  # fmt: skip
    """``fashionlab logreg``: the assignment's logistic regression on one pair, every score."""
    plot = check_plot_dir(plot_dir, data_dir)
    data = load_data(data_dir, verify=verify)
    pair = resolve_pair(classes)
    run = run_split(data.pair(pair), learning_rate=learning_rate, steps=steps,
                    callback=callback, official_test=data.official_test(pair))  # fmt: skip
    if plot is not None:
        from .render import plots
        from .render.format import pair_name

        _save(
            plot,
            {f"logreg_{slug(pair)}": plots.learning_curves(run.history, title=pair_name(pair))},
        )
    return run


def network(classes: Sequence[str], *, settings: NetworkSettings, seed: int,
            data_dir: str | None = None, verify: bool = True,
            on_epoch: Callable[[int, dict[str, float]], None] | None = None,
            plot_dir: str | None = None) -> dict[str, Any]:  # fmt: skip
    """``fashionlab nn``: the assignment's network on one pair, and logistic regression beside it."""
    plot = check_plot_dir(plot_dir, data_dir)
    neural.check_backend()
    data = load_data(data_dir, verify=verify)
    pair = resolve_pair(classes)
    split, official = data.pair(pair), data.official_test(pair)
    X, y = np.concatenate([split.X_fit, split.X_val]), np.concatenate([split.y_fit, split.y_val])
    run, model = neural.fit(X, y, epochs=settings.epochs, patience=settings.patience,
                            batch_size=settings.batch_size, seed=seed, on_epoch=on_epoch)  # fmt: skip
    baseline = run_split(split, official_test=official)
    if plot is not None:
        from .render import plots

        _save(plot, {f"nn_loss_{slug(pair)}": plots.plot_losses(run.history, run.best_epoch),
                     f"nn_accuracy_{slug(pair)}": plots.plot_accuracies(run.history,
                                                                        run.best_epoch)})  # fmt: skip
    return {
        "classes": list(pair), "epochs_max": run.epochs_max, "epochs_run": run.epochs_run,
        "best_epoch": run.best_epoch, "patience": run.patience, "batch_size": run.batch_size,
        "optimizer": run.optimizer, "learning_rate": run.learning_rate,
        "activation": run.activation, "seed": run.seed, "training_rows": len(split.y_fit),
        "val_accuracy": run.val_accuracy, "val_loss": run.val_loss, "heldout_accuracy": None,
        "heldout_note": "the network trains on the held-out rows (validation_split=0.2 keeps only "
        "the last 20 % apart), so it has no held-out score",
        "official_test_accuracy": neural.evaluate(model, *official)[1],
        "logreg_val_accuracy": baseline.val_accuracy,
        "logreg_heldout_accuracy": baseline.heldout_accuracy,
        "logreg_official_test_accuracy": baseline.official_test_accuracy,
        "seconds": run.seconds, "n_parameters": run.n_parameters, "history": run.history,
    }  # fmt: skip


def explore(out: str, *, points: int, data_dir: str | None = None, verify: bool = True,
            progress: Progress | None = None) -> tuple[Path, list[str]]:  # fmt: skip
    """``fashionlab explore``: the exploration figures and ``embedding.csv``, in a safe folder."""
    from . import study
    from .artifacts import Artifacts
    from .render import study_figures

    progress = progress or LogProgress()
    real = prepare(out, data_dir)
    data = load_data(data_dir, verify=verify)
    mapped = study.embed(data, points, progress)
    artifacts = Artifacts(
        images=np.concatenate([data.train_images, data.test_images]),
        labels=np.concatenate([data.train_labels, data.test_labels]),
        first_normalised=data.train_vectors[0].reshape(28, 28),
        variance_ratio=mapped.projection.explained_variance_ratio, coordinates=mapped.coordinates,
    )  # fmt: skip
    makers = study_figures.exploration(
        points, artifacts, [("Trouser", "Ankle boot"), ("Pullover", "Coat")]
    )
    files = study_figures.render_all(makers)
    table = io.StringIO()
    writer = csv.writer(table)
    writer.writerow(["z1", "z2", "label", "class"])
    for (z1, z2), label in zip(mapped.coordinates, mapped.labels, strict=True):
        writer.writerow([f"{z1:.6f}", f"{z2:.6f}", int(label), CLASS_NAMES[int(label)]])
    with outdir.report_folder(real) as stage:
        for name, blob in files.items():
            (stage / name).write_bytes(blob)
        (stage / "embedding.csv").write_text(table.getvalue())
        progress.checkpoint()
    return real, sorted([*files, "embedding.csv"])


def atlas(*, settings: NetworkSettings, seed: int, data_dir: str | None = None,
          verify: bool = True, plot_dir: str | None = None, workers: int | None = None,
          scheduler: str | None = None, progress: Progress | None = None) -> list[AtlasPair]:  # fmt: skip
    """``fashionlab atlas``: every class pair, hardest first."""
    plot = check_plot_dir(plot_dir, data_dir)
    neural.check_backend()
    load_data(
        data_dir, verify=verify
    )  # a missing or damaged file is reported here, not in a worker
    progress = progress or LogProgress()
    with engine.Session(workers, scheduler) as session:
        records, _ = atlas_module.atlas(
            pairs=ALL_PAIRS, network=settings, seed=seed, data_dir=data_dir, verify=verify,
            session=session, on_done=lambda done, total: progress.tick("pair", done, total),
            on_networks=lambda done, total: progress.tick("network", done, total),
        )  # fmt: skip
    if plot is not None:
        from .render import plots

        matrix = np.full((10, 10), np.nan)
        for r in records:
            i, j = (CLASS_NAMES.index(c) for c in r.classes)
            matrix[i, j] = matrix[j, i] = r.logreg_val_accuracy
        title = "Logistic regression (100 steps): validation accuracy"
        _save(plot, {"atlas_logreg": plots.pair_heatmap(matrix, title)})
    return records


def ten_classes(*, epochs: int, seed: int, data_dir: str | None = None, verify: bool = True,
                plot_dir: str | None = None) -> Any:  # fmt: skip
    """``fashionlab softmax``: softmax regression and the 10-class network."""
    plot = check_plot_dir(plot_dir, data_dir)
    neural.check_backend()
    data = load_data(data_dir, verify=verify)
    result, _ = tenclass.ten_classes(data, seed, epochs)
    if plot is not None:
        from .render import plots

        confusion = plots.confusion_matrix(np.array(result.confusion), "Softmax regression")
        _save(plot, {"softmax_confusion": confusion})
    return result
