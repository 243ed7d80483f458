"""What a cached study's ``results.json`` must say, beyond its types, before it is served.

``results.from_json`` checks each field's type. The cache's hash shows an entry is whole, not that
whoever wrote it wrote sense: these checks refuse what no run of fashionlab writes and what the
report would print as if measured. An entry that fails one is computed again (``cache.cached``).

- a score (a field ending in ``accuracy`` or ``accuracies``) and a pair's ``mixing`` in [0, 1],
  the mixing measured exactly where the pair has more points on the map than a point has
  neighbours, and each time >= 0
  (``strict_loads`` has refused NaN and the infinities);
- each ``classes`` two different Fashion-MNIST classes, and each ``*_class`` one of them
  (``report.md`` and the notebook's answers print them as they are);
- each ``history`` the curves its model logs, one point a step (logistic regression: up to the
  step it diverged at) or an epoch run (the network);
- a step "to 95 %" (or 99 %) within the assignment's steps, an epoch within those early stopping
  kept;
- the assignment's network trained on the held-out rows, and stopped within its cap.
"""

from __future__ import annotations

from typing import Any

from .analysis.embedding import NEIGHBOURS
from .cluster.shapes import optional_count
from .config import CLASS_NAMES, STEPS
from .results import NetworkResult


def check_raw(value: object, where: str = "results", name: str = "") -> None:
    """The checks on ``results.json`` as parsed, before it is typed; ``name`` is the field's
    own, ``where`` its path for the message (a ValueError)."""
    if isinstance(value, list):
        for index, item in enumerate(value):
            check_raw(item, f"{where}[{index}]", name)
    elif isinstance(value, dict):
        _check_object(value, where)
        for key, item in value.items():
            check_raw(item, f"{where}.{key}", key)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        if name.endswith(("accuracy", "accuracies")) and not 0 <= value <= 1:
            raise ValueError(f"{where} is {value!r}, not an accuracy in [0, 1]")
        if name == "mixing" and not 0 <= value <= 1:
            raise ValueError(f"{where} is {value!r}, not a share of the map's points in [0, 1]")
        if where.startswith("results.timings.") and value < 0:
            raise ValueError(f"{where} is {value!r}, a negative time")


def check_network(net: NetworkResult) -> None:
    """The assignment's network trained on the held-out rows, and stopped within its cap."""
    if net.heldout_accuracy is not None:
        raise ValueError("results.network has a held-out score, but it trained on those rows")
    if not 1 <= net.best_epoch <= net.epochs_run <= net.epochs_max:
        raise ValueError(
            f"results.network: best epoch {net.best_epoch}, {net.epochs_run} run, "
            f"at most {net.epochs_max}"
        )


# The curves each model logs, and the field of its record that says how many points they hold
# (a history with more curves is left to its model's versions: the cache key holds them)
CURVES = {
    "steps": ("train_loss", "train_accuracy", "val_loss", "val_accuracy"),  # logistic regression
    "epochs_run": ("loss", "accuracy", "val_loss", "val_accuracy"),  # the network (Keras's)
}


def _check_object(record: dict[str, Any], where: str) -> None:
    """The checks that read a field beside its record's others."""
    if "classes" in record:
        _check_pair(record["classes"], f"{where}.classes")
    for field, name in record.items():
        if field.endswith("_class") and name is not None:
            _check_class(name, f"{where}.{field}")
    if "history" in record:
        _check_history(record, f"{where}.history")
    # a share of the map's points exactly where each has its neighbours among them
    points = record.get("mixing_points")
    if (
        "mixing" in record
        and isinstance(points, int)
        and (record["mixing"] is None) != (points <= NEIGHBOURS)
    ):
        raise ValueError(f"{where}.mixing is {record['mixing']!r} for {points} points")
    # a step of a logistic regression's own steps, or of the atlas's (the assignment's); an epoch
    # of the network's, up to the one early stopping kept
    lasts = {"steps": record.get("steps", STEPS), "epochs": record.get("best_epoch")}
    for field in ("steps_to_95", "steps_to_99", "epochs_to_95", "epochs_to_99"):
        last = lasts[field.partition("_")[0]]
        if isinstance(last, int):  # else the record's own types are from_json's to refuse
            optional_count(record.get(field), f"{where}.{field}", most=last)


def _check_pair(pair: object, where: str) -> None:
    if not isinstance(pair, list) or len(pair) != 2 or pair[0] == pair[1]:
        raise ValueError(f"{where} is {pair!r:.80}, not two different classes")
    for index, name in enumerate(pair):
        _check_class(name, f"{where}[{index}]")


def _check_class(name: object, where: str) -> None:
    if name not in CLASS_NAMES:
        raise ValueError(f"{where} is {name!r:.80}, not a Fashion-MNIST class")


def _check_history(record: dict[str, Any], where: str) -> None:
    """A history holds its model's curves (``CURVES``), each as long as the run: the steps
    descended, or those up to the one the loss diverged at; the network's epochs run."""
    history = record["history"]
    if not isinstance(history, dict):
        return  # from_json's to refuse
    for length_field, names in CURVES.items():
        if length_field in record:
            length = record.get("diverged_at_step") or record[length_field]
            lengths = {name: len(curve) for name, curve in history.items() if name in names}
            if set(lengths) == set(names) and set(lengths.values()) == {length}:
                return
            raise ValueError(f"{where} has curves of {lengths}, not {', '.join(names)} of {length}")
    raise ValueError(f"{where} belongs to no model that logs curves")
