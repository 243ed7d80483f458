"""The study's last stage, beyond the assignment: what the models learned (their weights and
their most confident errors), softmax regression on all ten classes, and the atlas of every pair."""

from __future__ import annotations

import numpy as np

from .analysis import atlas, learned, tenclass
from .analysis.exploration import Mapped
from .cluster import engine
from .config import ALL_PAIRS, INTERACTIVE_POINTS, Config
from .data.loaded import Data
from .models import neural
from .models.logistic import predict, probability
from .progress import Progress
from .results import ErrorSummary, Extras
from .results.artifacts import Artifacts

GALLERY_SIZE = 8  # the most confident errors each model's gallery shows


def extras(
    data: Data,
    config: Config,
    artifacts: Artifacts,
    model: object,
    mapped: Mapped,
    progress: Progress,
    session: engine.Session,
) -> Extras:
    """What the models learned, ten classes, then the atlas (whose tasks the cluster started
    earlier: this process does its own work first)."""
    weights = [learned.weight_summary(c, theta) for c, theta in artifacts.thetas.items()]
    hard = config.hard_pair
    split = data.pair(hard)
    scored = {  # each model's P(label 1), and the rule that turns it into its predictions
        "logistic regression": (probability(artifacts.thetas[hard], split.X_val).ravel(), predict),
        "neural network": (neural.predict_proba(model, split.X_val), neural.predict),
    }
    errors = []
    for name, (p, rule) in scored.items():
        wrong = learned.errors_by_confidence(p, rule(p), split.y_val)
        first = int(wrong[0]) if len(wrong) else None
        # the probability it gave the class it wrongly predicted: P(label 1) or 1 - P(label 1)
        believed = None if first is None else max(float(p[first]), 1 - float(p[first]))
        errors.append(
            ErrorSummary(
                model=name,
                errors=len(wrong),
                n=len(split.y_val),
                most_confident_predicted_probability=believed,
                most_confident_true_class=None
                if first is None
                else hard[int(split.y_val[first, 0])],
            )
        )
        shown = wrong[:GALLERY_SIZE]
        artifacts.galleries[name] = (split.X_val[shown], split.y_val[shown, 0], p[shown])
    ten = tenclass.ten_classes(data, config.seed, progress=progress)
    records, fits = atlas.atlas(
        pairs=ALL_PAIRS,
        network=config.atlas_network,
        seed=config.seed,
        data_dir=config.data_dir,
        verify=config.verify,
        session=session,
        on_done=lambda done, total: progress.tick("pair", done, total),
        on_networks=lambda done, total: progress.tick("network", done, total),
    )
    artifacts.atlas_thetas = [(fit.classes, np.array(fit.theta)) for fit in fits]
    atlas_network = {**vars(config.atlas_network), "seed": config.seed}
    return Extras(
        atlas=records,
        atlas_network=atlas_network,
        weights=weights,
        errors=errors,
        ten_classes=ten,
        interactive_points=min(INTERACTIVE_POINTS, len(mapped.coordinates)),
    )
