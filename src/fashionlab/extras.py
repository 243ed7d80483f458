"""Beyond the assignment: the separability atlas of all 45 pairs, what the models learned, ten
classes, and an interactive map. Each part computes plain results and renders one report section.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import itertools
import json
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .config import NN_BATCH_SIZE
from .data import preprocessing
from .data.datasets import CLASS_NAMES
from .models.logistic import (
    accuracy,
    fit_to_convergence,
    gradient_descent,
    sigmoid,
    steps_to_fraction,
)
from .render import answers, plots
from .render.answers import pair_name, pct
from .render.report import Section, Table
from .storage import atomic_write_bytes, cache_home, slug

log = logging.getLogger(__name__)

TEN_CLASS_EPOCHS = 30  # the 10-class network's epoch cap (early stopping, patience 3)
ATLAS_EPOCHS = 30  # the network's epoch cap per pair in the atlas (early stopping ends most sooner)
ALL_PAIRS: tuple[tuple[str, str], ...] = tuple(itertools.combinations(CLASS_NAMES, 2))
JOBLIB_BACKEND_VARIABLE = "FASHIONLAB_JOBLIB_BACKEND"  # e.g. "dask" or "ray" for a cluster


# --------------------------------------------------------------------------- 1. the atlas


def _pair_record(
    images: np.ndarray,
    labels: np.ndarray,
    pair: tuple[str, str],
    *,
    learning_rate: float,
    steps: int,
    epochs: int,
    seed: int,
    network: bool,
) -> dict[str, Any]:
    """Everything the atlas reports for one pair; runs in a joblib worker."""
    codes = [CLASS_NAMES.index(c) for c in pair]
    rows = np.isin(labels, codes)  # the pair's rows in file order, as get_data_subset keeps them
    frame = preprocessing.to_dataframe(
        preprocessing.flatten(preprocessing.normalize(images[rows])), labels[rows]
    )
    X, y = preprocessing.get_data_subset(frame, pair)
    Xb = preprocessing.bias_trick(X)
    X_train, y_train, _, _, X_val, y_val = preprocessing.train_test_validation_split(Xb, y)
    theta, _, _, _, val_accuracies = gradient_descent(
        X_train, y_train, X_val, y_val, learning_rate, steps
    )
    converged, _ = fit_to_convergence(X_train, y_train, X_val, y_val, max_steps=500)
    record: dict[str, Any] = {
        "classes": list(pair),
        "logreg_val_accuracy": val_accuracies[-1],
        "logreg_converged_val_accuracy": accuracy(y_val, sigmoid(X_val @ converged)),
        "steps_to_95": steps_to_fraction(val_accuracies, 0.95),
        "nn_val_accuracy": None,
        "theta": [round(float(w), 6) for w in theta.ravel()],  # for the weights grid
    }
    if network:
        from .models import neural

        run, _ = neural.fit(
            X, y, None, classes=pair, epochs=epochs, batch_size=NN_BATCH_SIZE, seed=seed,
            patience=3,
        )  # fmt: skip
        record["nn_val_accuracy"] = run.val_accuracy
    return record


def _atlas_cache(images: np.ndarray, labels: np.ndarray, settings: dict[str, Any]) -> Path:
    import sklearn

    digest = hashlib.sha256(images.tobytes())
    digest.update(labels.tobytes())
    digest.update(json.dumps(settings, sort_keys=True).encode())
    digest.update(np.__version__.encode() + sklearn.__version__.encode())
    return cache_home() / "atlas" / digest.hexdigest()[:24]


def atlas(
    images: np.ndarray,
    labels: np.ndarray,
    *,
    pairs: Sequence[tuple[str, str]] = ALL_PAIRS,
    jobs: int = 1,
    learning_rate: float = 0.05,
    steps: int = 100,
    epochs: int = ATLAS_EPOCHS,
    seed: int = 0,
    network: bool = True,
    checkpoint: Callable[[], None] | None = None,
) -> list[dict[str, Any]]:
    """Logistic regression (100 steps and converged) and the network on every pair.

    Pairs run in parallel through joblib (``jobs``); a cluster backend can be chosen with
    ``joblib.parallel_config(backend="dask")`` around this call, or the environment variable
    ``FASHIONLAB_JOBLIB_BACKEND``. Each finished pair is cached, so an interrupted atlas resumes.
    """
    from joblib import Parallel, delayed, parallel_config

    # "record" is bumped when a pair's computation changes (4: the converged fit runs in float32)
    settings = {"lr": learning_rate, "steps": steps, "epochs": epochs, "seed": seed,
                "network": network, "record": 4}  # fmt: skip
    folder = _atlas_cache(images, labels, settings)

    def entry(pair: tuple[str, str]) -> Path:
        return folder / f"{CLASS_NAMES.index(pair[0])}-{CLASS_NAMES.index(pair[1])}.json"

    done: dict[tuple[str, str], dict[str, Any]] = {}
    for pair in pairs:
        try:
            done[pair] = json.loads(entry(pair).read_text())
        except (OSError, ValueError):
            continue
    todo = [pair for pair in pairs if pair not in done]
    log.info("atlas: %d pairs cached, %d to train", len(done), len(todo))
    backend = os.environ.get(JOBLIB_BACKEND_VARIABLE)
    with parallel_config(backend=backend) if backend else contextlib.nullcontext():
        for pair, record in zip(
            todo,
            Parallel(n_jobs=jobs, return_as="generator")(
                delayed(_pair_record)(
                    images,
                    labels,
                    pair,
                    learning_rate=learning_rate,
                    steps=steps,
                    epochs=epochs,
                    seed=seed,
                    network=network,
                )  # fmt: skip
                for pair in todo
            ),
            strict=True,
        ):
            atomic_write_bytes(entry(pair), json.dumps(record).encode())
            done[pair] = record
            if checkpoint is not None:
                checkpoint()
    records = [done[pair] for pair in pairs]
    for record in records:
        nn = record["nn_val_accuracy"]
        record["nn_margin"] = None if nn is None else nn - record["logreg_val_accuracy"]
    return records


def atlas_matrix(records: list[dict[str, Any]], key: str = "logreg_val_accuracy") -> np.ndarray:
    matrix = np.full((10, 10), np.nan)
    for record in records:
        i, j = (CLASS_NAMES.index(c) for c in record["classes"])
        matrix[i, j] = matrix[j, i] = record[key]
    return matrix


# --------------------------------------------------------------------------- 2. what was learned


def weight_summary(theta: np.ndarray) -> dict[str, Any]:
    """Where the weights that push to each class sit: weighted centres and the extremes."""
    weights = np.asarray(theta).ravel()[1:].reshape(28, 28)
    rows, columns = np.mgrid[0:28, 0:28]

    def centre(mass: np.ndarray) -> list[float]:
        total = mass.sum()
        if total == 0:
            return [float("nan"), float("nan")]
        return [float((rows * mass).sum() / total), float((columns * mass).sum() / total)]

    strongest = np.unravel_index(np.argmax(np.abs(weights)), weights.shape)
    return {
        "positive_centre": centre(np.clip(weights, 0, None)),
        "negative_centre": centre(np.clip(-weights, 0, None)),
        "strongest_weight": float(weights[strongest]),
        "strongest_at": [int(strongest[0]), int(strongest[1])],
    }


def _errors_by_confidence(probabilities: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The rows a model gets wrong, its most confident mistake first."""
    wrong = np.flatnonzero((probabilities >= 0.5).astype(int) != np.ravel(y))
    return wrong[np.argsort(-np.abs(probabilities[wrong] - 0.5))]


# --------------------------------------------------------------------------- 4. interactive map

_HOVER_SCRIPT = """
<script>
(function () {
  var plot = document.getElementById("tsne-interactive");
  var pixels = Uint8Array.from(atob(plot.dataset.pixels), function (c) { return c.charCodeAt(0); });
  var tip = document.getElementById("map-tooltip");
  var canvas = document.createElement("canvas"); canvas.width = 28; canvas.height = 28;
  var context = canvas.getContext("2d");
  function imageOf(index) {
    var image = context.createImageData(28, 28);
    for (var p = 0; p < 784; p++) {
      var v = 255 - pixels[index * 784 + p];
      image.data[4 * p] = v; image.data[4 * p + 1] = v; image.data[4 * p + 2] = v;
      image.data[4 * p + 3] = 255;
    }
    context.putImageData(image, 0, 0);
    return canvas.toDataURL("image/png");
  }
  plot.on("plotly_hover", function (event) {
    var point = event.points[0];
    var index = point.customdata[0];
    tip.innerHTML = '<img alt="hovered image" width="84" height="84" src="' + imageOf(index) +
      '"><div>' + point.customdata[1] + ' (image ' + index + ')</div>';
    tip.style.display = "block";
  });
  plot.on("plotly_unhover", function () { tip.style.display = "none"; });
})();
</script>
"""


def interactive_map(
    coordinates: np.ndarray, labels: np.ndarray, images: np.ndarray, limit: int = 2000
) -> str:
    """A Plotly scatter of the first ``limit`` map points with plotly.js embedded (works offline).

    Hovering shows the image (drawn from embedded pixels) and its class; clicking a legend entry
    hides that class, as Plotly legends do.
    """
    import plotly.graph_objects as go

    shown = min(limit, len(coordinates))
    figure = go.Figure()
    for code, name in enumerate(CLASS_NAMES):
        index = np.flatnonzero(labels[:shown] == code)
        figure.add_trace(
            go.Scatter(
                x=coordinates[index, 0], y=coordinates[index, 1], mode="markers", name=name,
                marker={"size": 5, "color": plots.CLASS_COLOURS[code]},
                customdata=[[int(i), name] for i in index],
                hovertemplate="%{customdata[1]}<extra></extra>",
            )
        )  # fmt: skip
    figure.update_layout(
        title=f"Interactive t-SNE map (first {shown:,} images): hover a point, click a legend entry",
        xaxis_title="t-SNE dimension 1", yaxis_title="t-SNE dimension 2",
        height=600, margin={"l": 50, "r": 20, "t": 60, "b": 50}, template="plotly_white",
    )  # fmt: skip
    pixels = base64.b64encode(np.ascontiguousarray(images[:shown], dtype=np.uint8).tobytes())
    body = figure.to_html(
        full_html=False, include_plotlyjs=True, div_id="tsne-interactive",
        config={"displaylogo": False, "responsive": True},
    )  # fmt: skip
    body = body.replace(
        '<div id="tsne-interactive"',
        f'<div data-pixels="{pixels.decode()}" id="tsne-interactive"',
        1,
    )
    tooltip = (
        '<div id="map-tooltip" style="display:none;position:sticky;bottom:10px;width:max-content;'
        "background:#fff;border:1px solid #ccc;border-radius:4px;padding:6px;margin:6px auto;"
        'text-align:center;font-size:.85rem"></div>'
    )
    return f'<div class="interactive">{body}{tooltip}</div>{_HOVER_SCRIPT}'


# --------------------------------------------------------------------------- 3 + orchestration


def ten_classes(data: Any, seed: int, epochs: int | None = None) -> dict[str, Any]:
    """Softmax regression from scratch and the 784-100-10 network on all ten classes."""
    from .models import neural, softmax

    X_train = preprocessing.bias_trick(data.train_vectors)
    X_test = preprocessing.bias_trick(data.test_vectors)
    fitted = softmax.fit_softmax(
        X_train, data.train_labels, epochs=epochs or softmax.EPOCHS, seed=seed
    )
    predicted = softmax.predict_classes(softmax.softmax(X_test.astype(np.float32) @ fitted.theta))
    counts = softmax.confusion(data.test_labels, predicted)
    precision, recall = softmax.precision_recall(counts)
    keras = neural.keras_module()
    keras.utils.set_random_seed(seed)
    model = neural.compile_model(neural.build_model(n_outputs=10))
    model.fit(
        data.train_vectors.astype(np.float32), data.train_labels.astype(np.int32),
        validation_split=0.1, epochs=epochs or TEN_CLASS_EPOCHS, batch_size=128, verbose=0,
        callbacks=[keras.callbacks.EarlyStopping(
            monitor="val_loss", patience=3, restore_best_weights=True)],
    )  # fmt: skip
    _, network_accuracy = model.evaluate(
        data.test_vectors.astype(np.float32), data.test_labels.astype(np.int32), verbose=0
    )
    return {
        "test_accuracy": float(np.mean(predicted == data.test_labels)),
        "train_accuracy": fitted.train_accuracies[-1],
        "epochs": len(fitted.train_losses),
        "learning_rate": softmax.LEARNING_RATE,
        "batch_size": softmax.BATCH_SIZE,
        "per_class": {
            name: {"precision": float(precision[i]), "recall": float(recall[i])}
            for i, name in enumerate(CLASS_NAMES)
        },
        "confusion": counts.tolist(),
        "network_test_accuracy": float(network_accuracy),
        "published": {"sklearn_logistic_regression": 0.842, "sklearn_mlp_100": 0.871},
    }


def compute(
    config: Any,
    data: Any,
    mapped: Any,
    runs: dict[str, Any],
    net: Any,
    figures_dir: Path,
    progress: Any,
) -> dict[str, Any]:
    """All extras for ``fashionlab run``; figures go into ``figures_dir``."""
    from .models import neural

    results: dict[str, Any] = {}
    records = atlas(
        data.train_images, data.train_labels, pairs=ALL_PAIRS, jobs=config.jobs, seed=config.seed,
        epochs=ATLAS_EPOCHS, checkpoint=progress.checkpoint,
    )  # fmt: skip
    plots.save(
        plots.pair_heatmap(
            atlas_matrix(records), "Logistic regression (100 steps): validation accuracy per pair"
        ),
        figures_dir / "atlas_logreg.png",
    )
    plots.save(
        plots.weights_grid([(r["classes"], np.array(r["theta"])) for r in records]),
        figures_dir / "atlas_weights.png",
    )
    results["atlas"] = {"pairs": [{k: v for k, v in r.items() if k != "theta"} for r in records]}

    learned: dict[str, Any] = {}
    for name, run in runs.items():
        learned[name] = weight_summary(run.theta)
        plots.save(
            plots.weights_map(run.theta, run.classes),
            figures_dir / f"weights_{slug(run.classes)}.png",
        )
    hard = runs[list(runs)[-1]]
    X, y = preprocessing.get_data_subset(data.df_train, hard.classes)
    _, _, _, _, X_val, y_val = preprocessing.train_test_validation_split(X, y)
    galleries = {
        "logistic regression": sigmoid(preprocessing.bias_trick(X_val) @ hard.theta).ravel(),
        "neural network": neural.predict_proba(net.model, X_val),
    }
    for model_name, probabilities in galleries.items():
        errors = _errors_by_confidence(probabilities, y_val)
        learned[f"errors {model_name}"] = {
            "count": len(errors),
            "of": len(y_val),
            "most_confident_probability": float(probabilities[errors[0]]) if len(errors) else None,
            "most_confident_true_class": hard.classes[int(y_val[errors[0], 0])]
            if len(errors)
            else None,
        }
        shown = errors[:8]  # the gallery
        plots.save(
            plots.misclassified_gallery(
                X_val[shown], [hard.classes[int(v)] for v in y_val[shown, 0]],
                probabilities[shown], hard.classes,
                f"Most confident validation errors, {model_name}",
            ),
            figures_dir / f"errors_{slug([model_name])}.png",
        )  # fmt: skip
    results["learned"] = learned

    ten = ten_classes(data, config.seed)
    results["ten_classes"] = ten
    plots.save(
        plots.confusion_matrix(np.array(ten["confusion"]), "Softmax regression: official test set"),
        figures_dir / "softmax_confusion.png",
    )
    results["interactive_map_points"] = min(2000, len(mapped.coordinates))
    results["_interactive_html"] = interactive_map(
        mapped.coordinates, mapped.labels, np.concatenate([data.train_images, data.test_images])
    )
    return results


# --------------------------------------------------------------------------- report sections


def sections(results: dict[str, Any]) -> list[Section]:
    extras = results["extras"]
    records = extras["atlas"]["pairs"]
    ranked = sorted(records, key=lambda r: r["logreg_val_accuracy"])
    easiest, hardest = ranked[-1], ranked[0]
    perfect = sum(r["logreg_val_accuracy"] >= 0.99 for r in records)
    margins = [r["nn_margin"] for r in records if r["nn_margin"] is not None]
    widest = max((r for r in records if r["nn_margin"] is not None),
                 key=lambda r: r["nn_margin"], default=None)  # fmt: skip
    atlas_section = Section(
        "atlas",
        f"Beyond the assignment: the separability atlas of {len(records)} class pairs",
        paragraphs=[
            f"Q2 and Q3 asked about two pairs; here every pair is measured. At the assignment's "
            f"settings the easiest pair is {pair_name(easiest['classes'])} "
            f"({pct(easiest['logreg_val_accuracy'])} validation accuracy) and the hardest is "
            f"{pair_name(hardest['classes'])} ({pct(hardest['logreg_val_accuracy'])}). "
            f"{perfect} of {len(records)} pairs reach 99% within 100 steps.",
        ]
        + (
            [
                f"The network beats 100-step logistic regression on "
                f"{sum(m > 0 for m in margins)} of {len(margins)} pairs, by a median of "
                f"{100 * float(np.median(margins)):.2f} percentage points. The widest margin, "
                f"{100 * widest['nn_margin']:.2f} points, is on {pair_name(widest['classes'])}, "
                f"where logistic regression reaches {pct(widest['logreg_val_accuracy'])}."
            ]
            if margins and widest is not None
            else []
        ),
        figures=[
            ("atlas_logreg.png", "Validation accuracy of logistic regression for every pair."),
            (
                "atlas_weights.png",
                "What logistic regression learned for every pair: red pixels push towards the "
                "second class, blue towards the first.",
            ),
        ],
        table=Table(
            [
                "pair (hardest first)",
                "logreg 100 steps",
                "logreg converged",
                "network",
                "steps to 95%",
                "network margin",
            ],
            [
                [
                    pair_name(r["classes"]),
                    pct(r["logreg_val_accuracy"]),
                    pct(r["logreg_converged_val_accuracy"]),
                    pct(r["nn_val_accuracy"]),
                    str(r["steps_to_95"]),
                    "-" if r["nn_margin"] is None else f"{100 * r['nn_margin']:+.2f} pp",
                ]
                for r in ranked
            ],
        ),  # fmt: skip
    )

    learned = extras["learned"]
    paragraphs, figures = [], []
    for name, run in results["logreg"].items():
        summary = learned[name]
        first, second = run["classes"]
        paragraphs.append(
            f"{name}: pixels that push towards {second} (red) centre on row "
            f"{summary['positive_centre'][0]:.1f}, column {summary['positive_centre'][1]:.1f}; "
            f"those that push towards {first} (blue) on row {summary['negative_centre'][0]:.1f}, "
            f"column {summary['negative_centre'][1]:.1f}. The strongest single weight, "
            f"{summary['strongest_weight']:+.3f}, is at row {summary['strongest_at'][0]}, "
            f"column {summary['strongest_at'][1]}."
        )
        figures.append((f"weights_{slug(run['classes'])}.png", f"Weights θ1…θ784, {name}."))
    for model_name in ("logistic regression", "neural network"):
        errors = learned[f"errors {model_name}"]
        if errors["most_confident_probability"] is not None:
            paragraphs.append(
                f"The {model_name} misclassifies {errors['count']} of {errors['of']:,} validation "
                f"images; its most confident error is {answers.article(errors['most_confident_true_class'])} "
                f"given probability {errors['most_confident_probability']:.2f} of being the "
                "second class."
            )
        figures.append(
            (f"errors_{slug([model_name])}.png", f"Most confident errors, {model_name}.")
        )
    learned_section = Section(
        "learned", "What the models learned", paragraphs=paragraphs, figures=figures
    )

    ten = extras["ten_classes"]
    ten_section = Section(
        "ten-classes",
        "Ten classes: softmax regression from scratch",
        paragraphs=[
            f"Softmax regression written in numpy (stable softmax, cross-entropy, its gradient, "
            f"mini-batch gradient descent: {ten['epochs']} epochs, batch {ten['batch_size']}, "
            f"learning rate {ten['learning_rate']:g} decaying as 1/sqrt(epoch)) reaches "
            f"{pct(ten['test_accuracy'])} on the official 10,000 test images (published best for "
            f"scikit-learn's logistic regression: {pct(ten['published']['sklearn_logistic_regression'])}). "
            f"The 784-100-10 network reaches {pct(ten['network_test_accuracy'])} (scikit-learn's "
            f"MLP with 100 hidden units: {pct(ten['published']['sklearn_mlp_100'])}).",
        ],
        figures=[("softmax_confusion.png", "Confusion matrix of softmax regression.")],
        table=Table(
            ["class", "precision", "recall"],
            [[name, pct(v["precision"]), pct(v["recall"])] for name, v in ten["per_class"].items()],
        ),
    )
    map_section = Section(
        "interactive-map",
        "Interactive t-SNE map",
        paragraphs=[
            "Hover a point to see its image and class; click a class in the legend to hide it."
        ],
        raw_html=extras.get("_interactive_html"),
    )
    return [atlas_section, learned_section, ten_section, map_section]
