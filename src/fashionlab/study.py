"""The study, stage by stage: each CLI command is one function here.

Data flows one way: datasets -> preprocessing -> logistic | neural | embedding -> plots ->
answers -> report. Every number the report states lands in one ``results`` dict; wall-clock
times and cache hits go to ``results["timings"]`` alone, so two runs can be compared exactly.
"""

from __future__ import annotations

import csv
import hashlib
import json
import logging
import shutil
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import pandas as pd

from .analysis import embedding
from .config import Config
from .data import preprocessing
from .data.datasets import CLASS_NAMES, locate
from .models.logistic import (
    CONVERGENCE_MAX_STEPS,
    PairRun,
    StepCallback,
    run_pair,
    steps_to_fraction,
)
from .render.answers import pair_name
from .storage import atomic_path, cache_home, slug, staged_directory

log = logging.getLogger(__name__)


# --------------------------------------------------------------------------- progress


class Progress(Protocol):
    """What the study reports while it runs; the CLI draws it, the library only calls it."""

    def stage(self, number: int, total: int, name: str) -> None: ...
    def stage_done(self, name: str, seconds: float) -> None: ...
    def tsne(self, iteration: int, total: int, kl_divergence: float) -> None: ...
    def epoch(self, epoch: int, total: int, logs: dict[str, float]) -> None: ...
    def checkpoint(self) -> None:
        """Raise KeyboardInterrupt if the user asked to stop (called between units of work)."""


class LogProgress:
    """The default: log stage boundaries, ignore fine-grained ticks."""

    def stage(self, number: int, total: int, name: str) -> None:
        log.info("stage %d/%d: %s", number, total, name)

    def stage_done(self, name: str, seconds: float) -> None:
        log.info("%s done in %.1f s", name, seconds)

    def tsne(self, iteration: int, total: int, kl_divergence: float) -> None:
        pass

    def epoch(self, epoch: int, total: int, logs: dict[str, float]) -> None:
        pass

    def checkpoint(self) -> None:
        pass


# --------------------------------------------------------------------------- data


@dataclass
class Data:
    """Fashion-MNIST as the assignment prepares it."""

    train_images: np.ndarray  # (60000, 28, 28) uint8
    train_labels: np.ndarray  # (60000,) uint8
    test_images: np.ndarray  # (10000, 28, 28) uint8
    test_labels: np.ndarray  # (10000,) uint8
    sources: dict[str, dict[str, str]]  # file -> where it was found and how it was verified
    _official: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = field(
        default_factory=dict, init=False, repr=False
    )

    @cached_property
    def train_vectors(self) -> np.ndarray:
        """(60000, 784) float64 in [0, 1]: Q1.1 then Q1.2."""
        return preprocessing.flatten(preprocessing.normalize(self.train_images))

    @cached_property
    def test_vectors(self) -> np.ndarray:
        return preprocessing.flatten(preprocessing.normalize(self.test_images))

    @cached_property
    def df_train(self) -> pd.DataFrame:
        return preprocessing.to_dataframe(self.train_vectors, self.train_labels)

    @cached_property
    def df_test(self) -> pd.DataFrame:
        return preprocessing.to_dataframe(self.test_vectors, self.test_labels)

    def official_test(self, classes: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
        """The official test images of a pair, in file order, labelled as ``get_data_subset`` does."""
        pair = preprocessing.resolve_pair(classes)
        if pair not in self._official:
            self._official[pair] = preprocessing.get_data_subset(self.df_test, pair, shuffle=False)
        return self._official[pair]


def load_data(data_dir: str | None = None, *, verify: bool = True) -> Data:
    found = locate(data_dir, verify=verify)
    return Data(
        train_images=found["train_images"].array,
        train_labels=found["train_labels"].array,
        test_images=found["test_images"].array,
        test_labels=found["test_labels"].array,
        sources={
            f.path.name: {"path": str(f.path), "source": f.source, "verified": f.verified}
            for f in found.values()
        },
    )


# --------------------------------------------------------------------------- single commands


def logreg(
    classes: Sequence[str],
    *,
    learning_rate: float = 0.05,
    steps: int = 100,
    data_dir: str | None = None,
    verify: bool = True,
    callback: StepCallback | None = None,
    plot_dir: str | None = None,
    data: Data | None = None,
) -> PairRun:
    """``fashionlab logreg``: the assignment's logistic regression on one pair."""
    data = data or load_data(data_dir, verify=verify)
    run = run_pair(
        data.df_train, classes, learning_rate=learning_rate, steps=steps, callback=callback
    )
    if plot_dir is not None:
        from .render import plots

        figure = plots.learning_curves(run.history, title=pair_name(run.classes))
        plots.save(figure, Path(plot_dir) / f"logreg_{slug(run.classes)}.png")
    return run


@dataclass
class NetworkStudy:
    run: Any  # neural.NetworkRun (Keras stays unimported until a network is fitted)
    model: Any  # the fitted keras.Model
    baseline: PairRun  # logistic regression on the same rows


def network(
    classes: Sequence[str],
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    data_dir: str | None = None,
    verify: bool = True,
    on_epoch: Callable[[int, dict[str, float]], None] | None = None,
    plot_dir: str | None = None,
    data: Data | None = None,
    baseline: PairRun | None = None,
) -> NetworkStudy:
    """``fashionlab nn``: the network on one pair, with logistic regression on the same rows."""
    data = data or load_data(data_dir, verify=verify)
    pair = preprocessing.resolve_pair(classes)
    X, y = preprocessing.get_data_subset(data.df_train, pair)
    from .models import neural

    result, model = neural.fit(
        X, y, data.official_test(pair), classes=pair, epochs=epochs, batch_size=batch_size,
        seed=seed, on_epoch=on_epoch,
    )  # fmt: skip
    if baseline is None:
        baseline = run_pair(
            data.df_train, pair, converge=True, official_test=data.official_test(pair)
        )
    # Logistic regression on the network's rows: the assignment's 100 steps, and converged.
    result.comparison = {
        "logreg_val_accuracy": baseline.final("val_accuracy"),
        "logreg_holdout_accuracy": baseline.test_accuracy,
        "logreg_test_accuracy": baseline.official_test_accuracy,
        "logreg_converged_val_accuracy": baseline.converged_val_accuracy,
        "logreg_converged_test_accuracy": baseline.converged_official_test_accuracy,
    }
    if plot_dir is not None:
        from .render import plots

        plots.save(plots.plot_losses(result.history), Path(plot_dir) / "nn_loss.png")
        plots.save(plots.plot_accuracies(result.history), Path(plot_dir) / "nn_accuracy.png")
    return NetworkStudy(result, model, baseline)


def explore(
    out: str,
    *,
    points: int = 10_000,
    data_dir: str | None = None,
    verify: bool = True,
    progress: Progress | None = None,
) -> list[str]:
    """``fashionlab explore``: the exploration figures as PNG, and ``embedding.csv``."""
    progress = progress or LogProgress()
    data = load_data(data_dir, verify=verify)
    mapped = _embed(data, points, progress)
    with staged_directory(Path(out)) as stage:
        figures = _exploration_figures(data, mapped, stage)
        with (
            atomic_path(stage / "embedding.csv") as temporary,
            temporary.open("w", newline="") as f,
        ):
            writer = csv.writer(f)
            writer.writerow(["z1", "z2", "label", "class"])
            for (z1, z2), label in zip(mapped.coordinates, mapped.labels, strict=True):
                writer.writerow([f"{z1:.6f}", f"{z2:.6f}", int(label), CLASS_NAMES[int(label)]])
        written = sorted(p.name for p in stage.iterdir())
    log.info("wrote %d files (%s)", len(written), ", ".join(figures))
    return written


# --------------------------------------------------------------------------- the embedding stage


@dataclass
class Mapped:
    """The PCA projection and the t-SNE map of the first ``points`` images."""

    projection: embedding.Projection
    coordinates: np.ndarray  # (points, 2)
    labels: np.ndarray  # (points,)
    tsne_cached: bool


def _embed(data: Data, points: int, progress: Progress) -> Mapped:
    if points <= len(data.train_images):
        projection = embedding.project(data.train_images, vectors=(data.train_vectors,))
    else:  # the test images are projected with the training fit and appended
        projection = embedding.project(
            data.train_images, data.test_images, vectors=(data.train_vectors, data.test_vectors)
        )
    labels = np.concatenate([data.train_labels, data.test_labels])[:points]
    coordinates, cached = embedding.tsne(projection.features[:points], progress=progress.tsne)
    return Mapped(projection, coordinates, labels, cached)


def _exploration_figures(data: Data, mapped: Mapped, folder: Path) -> list[str]:
    """Q1's and Q2/Q3's figures; returns the file names written into ``folder``."""
    from .render import plots

    figures = {
        "q1_image_raw.png": plots.show_image(data.train_images[0], data.train_labels[0], "raw"),
        "q1_image_normalised.png": plots.show_image(
            data.train_vectors[0].reshape(28, 28), data.train_labels[0], "normalised"
        ),
        "q1_grid.png": plots.image_grid(data.train_images, data.train_labels),
        "pca_variance.png": plots.explained_variance(mapped.projection.explained_variance_ratio),
        "tsne_all.png": plots.tsne_map(mapped.coordinates, mapped.labels),
    }
    for pair in (("Trouser", "Ankle boot"), ("Pullover", "Coat")):
        figures[f"tsne_{slug(pair)}.png"] = plots.tsne_map(
            mapped.coordinates, mapped.labels, pair, title=f"t-SNE map: {pair_name(pair)}"
        )
    for name, figure in figures.items():
        plots.save(figure, folder / name)
    return list(figures)


# --------------------------------------------------------------------------- the whole study


@contextmanager
def _timed(timings: dict[str, float], name: str, progress: Progress) -> Iterator[None]:
    started = time.perf_counter()
    yield
    progress.checkpoint()
    timings[name] = time.perf_counter() - started
    progress.stage_done(name, timings[name])


def compute(
    config: Config,
    figures_dir: Path,
    progress: Progress | None = None,
    data: Data | None = None,
) -> dict[str, Any]:
    """Run every stage, write every figure into ``figures_dir``, return every number measured."""
    progress = progress or LogProgress()
    stages = ["data and preprocessing", "PCA and t-SNE", "logistic regression", "neural network",
              "comparison"]  # fmt: skip
    if config.extras:
        stages.append("beyond the assignment")
    timings: dict[str, Any] = {"stages": {}, "models": {}, "cache": {}}
    results: dict[str, Any] = {"config": config.as_dict(), "thresholds": [0.95, 0.99]}
    step = iter(range(1, len(stages) + 1))

    started = time.perf_counter()
    data = data or load_data(config.data_dir, verify=config.verify)  # fails before any output
    from .render import plots

    progress.stage(next(step), len(stages), stages[0])
    results["data"] = data_record(data)
    timings["stages"][stages[0]] = time.perf_counter() - started
    progress.stage_done(stages[0], timings["stages"][stages[0]])

    hard_pair = preprocessing.resolve_pair(config.pairs[-1])

    progress.stage(next(step), len(stages), stages[1])
    with _timed(timings["stages"], stages[1], progress):
        mapped = _embed(data, config.points, progress)
        _exploration_figures(data, mapped, figures_dir)
        results["embedding"] = embedding_record(mapped, config.pairs)
        timings["cache"]["pca"] = mapped.projection.from_cache
        timings["cache"]["tsne"] = mapped.tsne_cached

    progress.stage(next(step), len(stages), stages[2])
    runs: dict[str, PairRun] = {}
    with _timed(timings["stages"], stages[2], progress):
        results["logreg"] = {}
        for pair in config.pairs:
            run = run_pair(
                data.df_train, pair, learning_rate=config.learning_rate, steps=config.steps,
                converge=True, official_test=data.official_test(pair),
            )  # fmt: skip
            runs[pair_name(pair)] = run
            results["logreg"][pair_name(pair)] = logreg_record(run)
            timings["models"][f"logreg {pair_name(pair)}"] = run.seconds
            plots.save(
                plots.learning_curves(run.history, title=pair_name(pair)),
                figures_dir / f"logreg_{slug(pair)}.png",
            )

    progress.stage(next(step), len(stages), stages[3])
    with _timed(timings["stages"], stages[3], progress):
        net = network(
            hard_pair, epochs=config.epochs, batch_size=config.batch_size, seed=config.seed,
            on_epoch=lambda epoch, logs: progress.epoch(epoch, config.epochs, logs), data=data,
            baseline=runs[pair_name(hard_pair)],
        )  # fmt: skip
        record, seconds = network_record(net, data, config.epochs)
        results["network"] = record
        timings["models"][f"network {pair_name(hard_pair)}"] = seconds
        plots.save(plots.plot_losses(net.run.history), figures_dir / "nn_loss.png")
        plots.save(plots.plot_accuracies(net.run.history), figures_dir / "nn_accuracy.png")

    progress.stage(next(step), len(stages), stages[4])
    with _timed(timings["stages"], stages[4], progress):
        results["comparison"] = comparison_record(results, hard_pair)
        results["versions"] = versions()

    if config.extras:
        from . import extras

        progress.stage(next(step), len(stages), stages[5])
        with _timed(timings["stages"], stages[5], progress):
            results["extras"] = extras.compute(
                config, data, mapped, runs, net, figures_dir, progress
            )

    timings["total"] = sum(timings["stages"].values())
    results["timings"] = timings
    return results


def data_record(data: Data) -> dict[str, Any]:
    """Q1's numbers: shapes and pixel ranges before and after preprocessing."""
    return {
        "sources": {name: info["verified"] for name, info in data.sources.items()},
        "train_shape_before": list(data.train_images.shape),
        "test_shape_before": list(data.test_images.shape),
        "train_shape_after": list(data.train_vectors.shape),
        "test_shape_after": list(data.test_vectors.shape),
        "pixel_min_before": int(data.train_images.min()),
        "pixel_max_before": int(data.train_images.max()),
        "pixel_min_after": float(data.train_vectors.min()),
        "pixel_max_after": float(data.train_vectors.max()),
        "dtype_before": str(data.train_images.dtype),
        "dtype_after": str(data.train_vectors.dtype),
        "first_image_class": CLASS_NAMES[int(data.train_labels[0])],
        "frame_columns": len(data.df_train.columns),
    }


def embedding_record(mapped: Mapped, pairs: Sequence[Sequence[str]]) -> dict[str, Any]:
    """PCA and t-SNE numbers, and how mixed each pair is in the map."""
    mixing = {}
    for pair in pairs:
        first, second = (CLASS_NAMES.index(c) for c in pair)
        mixing[pair_name(pair)] = embedding.pair_mixing(
            mapped.coordinates, mapped.labels, first, second
        )
    return {
        "dimensions_before": 784,
        "components": int(mapped.projection.features.shape[1]),
        "kept_variance": mapped.projection.kept_variance,
        "points": int(len(mapped.coordinates)),
        "map_dimensions": int(mapped.coordinates.shape[1]),
        "neighbours": 10,
        "folds": 5,
        "neighbour_agreement": embedding.neighbour_agreement(mapped.coordinates, mapped.labels),
        "pair_mixing": mixing,
        "tsne_settings": dict(embedding.TSNE_SETTINGS),
    }


def network_record(net: NetworkStudy, data: Data, epochs_max: int) -> tuple[dict[str, Any], float]:
    """The network's numbers for the report, and its training time (kept apart, in timings)."""
    from .models import neural

    record = net.run.as_json()
    seconds = record.pop("seconds")
    val_accuracies = record["history"]["val_accuracy"]
    record.update(
        epochs_max=epochs_max,
        hidden_units=neural.HIDDEN_UNITS,
        patience=neural.PATIENCE,
        n_official_test=len(data.official_test(net.run.classes)[1]),
        steps_to_95=steps_to_fraction(val_accuracies, 0.95),
        steps_to_99=steps_to_fraction(val_accuracies, 0.99),
        summary=net.run.summary,
    )
    return record, seconds


def logreg_record(run: PairRun) -> dict[str, Any]:
    record = run.summary()
    record.pop("seconds")
    val = run.history["val_accuracy"]
    record.update(
        official_test_accuracy=run.official_test_accuracy,
        steps_to_95=steps_to_fraction(val, 0.95),
        steps_to_99=steps_to_fraction(val, 0.99),
        initial_val_accuracy=val[0],
        converged_val_accuracy=run.converged_val_accuracy,
        converged_gain_val=(run.converged_val_accuracy or 0.0) - val[-1],
        converged_test_accuracy=run.converged_test_accuracy,
        converged_official_test_accuracy=run.converged_official_test_accuracy,
        converged_steps=run.converged_steps,
        converged_max_steps=CONVERGENCE_MAX_STEPS,
    )
    return record


def comparison_record(results: dict[str, Any], pair: Sequence[str]) -> dict[str, Any]:
    logreg = results["logreg"][pair_name(pair)]
    net = results["network"]
    rows = {
        "logistic regression, 100 steps": {
            "val_accuracy": logreg["val_accuracy"],
            "test_accuracy": logreg["official_test_accuracy"],
        },
        "logistic regression, converged": {
            "val_accuracy": logreg["converged_val_accuracy"],
            "test_accuracy": logreg["converged_official_test_accuracy"],
        },
        "neural network": {
            "val_accuracy": net["val_accuracy"],
            "test_accuracy": net["test_accuracy"],
        },
    }
    easy, hard = (results["logreg"][pair_name(p)] for p in results["config"]["pairs"][:2])
    return {
        "pair": list(pair),
        "models": rows,
        "pair_gap_val": easy["val_accuracy"] - hard["val_accuracy"],
        "margin_val": net["val_accuracy"] - logreg["val_accuracy"],
        "margin_test": net["test_accuracy"] - logreg["official_test_accuracy"],
        "margin_val_converged": net["val_accuracy"] - logreg["converged_val_accuracy"],
    }


# --------------------------------------------------------------------------- the study cache
#
# A whole study is a pure function of the image bytes, the settings that change a computation,
# the library versions and fashionlab's own code. Its results and figures are cached under a key
# made of exactly those, so an unchanged re-run only re-renders the report.

_PRESENTATION_ONLY = ("out", "title", "author", "jobs")


def study_key(config: Config, data: Data) -> str:
    digest = hashlib.sha256()
    for array in (data.train_images, data.train_labels, data.test_images, data.test_labels):
        digest.update(np.ascontiguousarray(array).data)
    settings = {k: v for k, v in config.as_dict().items() if k not in _PRESENTATION_ONLY}
    digest.update(json.dumps([settings, versions()], sort_keys=True, default=str).encode())
    for source in sorted(Path(__file__).parent.glob("*.py")):
        digest.update(source.read_bytes())
    return digest.hexdigest()[:32]


def _restore(entry: Path, figures_dir: Path) -> dict[str, Any] | None:
    """A cached study's results, with its figures copied into ``figures_dir``; None if unusable."""
    try:
        results = json.loads((entry / "results.json").read_text())
        for name in results["figures"]:
            shutil.copyfile(entry / "figures" / name, figures_dir / name)
        if "extras" in results:
            results["extras"]["_interactive_html"] = (entry / "interactive.html").read_text()
        return dict(results)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        log.warning("discarding unusable study cache %s (%s)", entry, exc)
        shutil.rmtree(entry, ignore_errors=True)
        return None


def _store(entry: Path, results: dict[str, Any], figures_dir: Path) -> None:
    from .render import report

    if entry.exists():
        return
    with staged_directory(entry) as stage:
        shutil.copytree(figures_dir, stage / "figures")
        stored = {**results, "figures": sorted(p.name for p in figures_dir.glob("*.png"))}
        report.write_json(stage / "results.json", stored)
        if "extras" in results:
            (stage / "interactive.html").write_text(results["extras"]["_interactive_html"])


def compute_or_restore(config: Config, figures_dir: Path, progress: Progress) -> dict[str, Any]:
    """``compute``, unless this exact study was computed before: then restore it (cache hit)."""
    started = time.perf_counter()
    data = load_data(config.data_dir, verify=config.verify)
    entry = cache_home() / "study" / study_key(config, data)
    restored = _restore(entry, figures_dir) if entry.exists() else None
    if restored is None:
        results = compute(config, figures_dir, progress, data)
        _store(entry, results, figures_dir)
        results["timings"]["cache"]["study"] = False
        return results
    progress.stage(1, 1, "restoring this exact study from the cache")
    seconds = time.perf_counter() - started
    progress.stage_done("restored from cache", seconds)
    restored.pop("figures")
    restored["config"] = config.as_dict()
    restored["timings"].update(
        stages={"restored from cache": seconds},
        cache={"pca": True, "tsne": True, "study": True},
        total=seconds,
    )
    return restored


def run(config: Config, progress: Progress | None = None) -> Path:
    """``fashionlab run``: compute everything, then write the report into ``config.out`` atomically."""
    from .render import report

    progress = progress or LogProgress()
    out = Path(config.out)
    with staged_directory(out) as stage:
        figures = stage / "figures"
        figures.mkdir()
        results = compute_or_restore(config, figures, progress)
        started = time.perf_counter()
        report.write(stage, results)
        results["timings"]["report"] = time.perf_counter() - started
        report.write_json(stage / "results.json", results)
        progress.checkpoint()  # the last chance to stop before the new report replaces the old
    return out


def versions() -> dict[str, str]:
    """The versions of Python and of every library the study used."""
    import platform
    from importlib.metadata import PackageNotFoundError, version

    found = {"python": platform.python_version()}
    for name in ("fashionlab", "numpy", "pandas", "scikit-learn", "openTSNE", "matplotlib",
                 "keras", "jax", "jaxlib", "plotly"):  # fmt: skip
        try:
            found[name] = version(name)
        except PackageNotFoundError:
            found[name] = "not installed"
    return found


def atlas(
    *,
    jobs: int = 1,
    epochs: int | None = None,
    seed: int = 0,
    data_dir: str | None = None,
    verify: bool = True,
    plot_dir: str | None = None,
    pairs: Sequence[tuple[str, str]] | None = None,
    progress: Progress | None = None,
) -> list[dict[str, Any]]:
    """``fashionlab atlas``: every class pair, ranked from hardest to easiest."""
    data = load_data(data_dir, verify=verify)
    from . import extras

    records = extras.atlas(
        data.train_images, data.train_labels, pairs=pairs or extras.ALL_PAIRS, jobs=jobs,
        epochs=epochs or extras.ATLAS_EPOCHS, seed=seed,
        checkpoint=(progress or LogProgress()).checkpoint,
    )  # fmt: skip
    if plot_dir is not None:
        from .render import plots

        figure = plots.pair_heatmap(
            extras.atlas_matrix(records), "Logistic regression (100 steps): validation accuracy"
        )
        plots.save(figure, Path(plot_dir) / "atlas_logreg.png")
    return sorted(records, key=lambda r: r["logreg_val_accuracy"])


def ten_classes(
    *,
    epochs: int | None = None,
    seed: int = 0,
    data_dir: str | None = None,
    verify: bool = True,
    plot_dir: str | None = None,
) -> dict[str, Any]:
    """``fashionlab softmax``: softmax regression and the 10-class network on all ten classes."""
    data = load_data(data_dir, verify=verify)
    from . import extras

    result = extras.ten_classes(data, seed, epochs)
    if plot_dir is not None:
        from .render import plots

        figure = plots.confusion_matrix(np.array(result["confusion"]), "Softmax regression")
        plots.save(figure, Path(plot_dir) / "softmax_confusion.png")
    return result
