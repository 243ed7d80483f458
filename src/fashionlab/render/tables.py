"""The report's tables of numbers, each with the note it needs: the results at a glance, Q4.3's
models side by side on the same images, and Q5.1's networks on its pair."""

from __future__ import annotations

from ..analysis.metrics import error_count
from ..results import NetworkResult, Results
from .answers_network import settings_chosen_on
from .answers_seeds import mean_sd_text
from .atlas_schedule import networks_pair
from .format import count, interval, pair_name, plural
from .page import Table

OPTIMISTIC = "\u2020"  # a dagger: the network's validation score, on the rows that chose it


def optimistic_note(net: NetworkResult) -> str:
    """What the dagger in ``results_table`` marks."""
    chose = "stopping epoch" + (" and its settings" if settings_chosen_on(net) else "")
    return (
        f"{OPTIMISTIC} The validation rows also chose the network's {chose}, so its validation "
        "accuracy is optimistic. Its official test accuracy chose nothing, so it is the fairer "
        f"score of this one trained network{_NOT_WHOLLY_UNSEEN if settings_chosen_on(net) else ''}"
        ", though not of what these settings reach on average: Q5.1 trains the same settings "
        "over several seeds in fashionlab's own trainer."
    )


# The network's settings were chosen on validation rows with the official test scores of every
# candidate on record beside them (docs/network.md), as the glossary says
_NOT_WHOLLY_UNSEEN = " (not wholly unseen: see the glossary's official test accuracy)"


def _chosen(cell: str) -> str:
    """A validation score on the rows that chose the model's stopping point: marked."""
    return cell if cell == "-" else f"{cell} {OPTIMISTIC}"


def results_table(results: Results) -> Table:
    """The headline numbers, each with its 95 % Wilson interval; the network's validation score
    is marked (``optimistic_note``)."""
    rows = []
    for run in results.logreg:
        rows.append(
            [
                f"logistic regression, {pair_name(run.classes)}",
                plural(run.steps, "step"),
                interval(run.val_accuracy, run.n_val),
                interval(run.heldout_accuracy, run.n_heldout),
                interval(run.official_test_accuracy, run.n_official_test),
            ]
        )
    net = results.network
    rows.append(
        [
            f"neural network, {pair_name(net.classes)}",
            f"{plural(net.epochs_run, 'epoch')} (weights of epoch {net.best_epoch})",
            _chosen(interval(net.val_accuracy, net.n_val)),
            "- (trained on these rows)",
            interval(net.official_test_accuracy, net.n_official_test),
        ]
    )
    header = [
        "model",
        "training length",
        "validation (95% CI)",
        "held-out (95% CI)",
        "official test (95% CI)",
    ]
    return Table(header, rows)


def stopped_on_validation_note(net: NetworkResult) -> str:
    """What the dagger in ``comparison_table`` and ``networks_table`` marks."""
    settings = (
        " (for Q5.1's network, the validation rows also chose its settings)"
        if settings_chosen_on(net)
        else ""
    )
    return (
        f"{OPTIMISTIC} Early stopping chose each marked model's step or epoch by its validation "
        f"loss{settings}, so its validation accuracy is optimistic. Its held-out and official "
        "test accuracies chose nothing, so they are the fairer scores of that one trained model"
        f"{_NOT_WHOLLY_UNSEEN if settings else ''}; for what the settings give on average, see "
        "the seeds in Q5.1."
    )


def table_notes(results: Results) -> dict[str, list[str]]:
    """The paragraphs that Q4.3's and Q5.1's tables need beside them, in the report and in the
    notebook alike."""
    note = stopped_on_validation_note(results.network)
    return {"q4_3": [*same_count_note(results), note], "q5_1": [networks_lead(results), note]}


def comparison_table(results: Results) -> Table:
    hard, net, compared = results.hard_pair, results.network, results.comparison
    converged = hard.converged
    rows = [
        [
            "logistic regression, 100 steps",
            interval(hard.val_accuracy, hard.n_val),
            interval(hard.heldout_accuracy, hard.n_heldout),
            interval(hard.official_test_accuracy, hard.n_official_test),
        ],
        [
            "logistic regression, trained longer (early-stopped)",
            _chosen(interval(converged.val_accuracy if converged else None, hard.n_val)),
            interval(converged.heldout_accuracy if converged else None, hard.n_heldout),
            interval(converged.official_test_accuracy if converged else None, hard.n_official_test),
        ],
        [
            f"network on {count(net.training_rows)} rows (the assignment's, early-stopped)",
            _chosen(interval(net.val_accuracy, net.n_val)),
            "- (trained on these rows)",
            interval(net.official_test_accuracy, net.n_official_test),
        ],
        [
            f"network on the same {count(hard.n_train)} rows (early-stopped)",
            _chosen(interval(compared.fair_network_val_accuracy, hard.n_val)),
            interval(compared.fair_network_heldout_accuracy, hard.n_heldout),
            interval(compared.fair_network_official_test_accuracy, hard.n_official_test),
        ],
    ]
    return Table(
        [
            f"model ({pair_name(hard.classes)})",
            "validation (95% CI)",
            "held-out (95% CI)",
            "official test (95% CI)",
        ],
        rows,
    )


def networks_lead(results: Results) -> str:
    net = results.network
    return (
        f"Every network this report trains on {pair_name(net.classes)}, side by side (single "
        "runs with their 95% intervals, the seeds as mean ± sample sd). They differ in the "
        "rows they train on, the program and the seed, and the atlas's network in its "
        "schedule (Q5.1's: at most "
        f"{plural(net.epochs_max, 'epoch')}, patience {net.patience}), as each row says. The "
        "first row is this run's answer to Q5.1; the seeds' row shows how much a network with "
        "these settings varies by chance alone."
    )


def networks_table(results: Results) -> Table:
    """Q5.1's network, the same on logistic regression's rows, the seeds and the atlas's network:
    the several numbers a reader meets for "the network on this pair", each with what it is."""
    net, compared, hard = results.network, results.comparison, results.hard_pair
    trained_on = "- (trained on these rows)"
    rows = [
        [
            f"Q5.1's network (the assignment's, {count(net.training_rows)} rows)",
            f"Keras, seed {net.seed}",
            _chosen(interval(net.val_accuracy, net.n_val)),
            trained_on,
            interval(net.official_test_accuracy, net.n_official_test),
        ],
        [
            f"the same on logistic regression's {count(hard.n_train)} rows (Q4.3)",
            f"Keras, seed {net.seed}",
            _chosen(interval(compared.fair_network_val_accuracy, hard.n_val)),
            interval(compared.fair_network_heldout_accuracy, hard.n_heldout),
            interval(compared.fair_network_official_test_accuracy, hard.n_official_test),
        ],
        [
            f"the same settings over {len(compared.seeds)} seeds ({count(net.training_rows)} rows)",
            f"fashionlab's JAX trainer, seeds {', '.join(map(str, compared.seeds))}",
            _chosen(mean_sd_text(compared.seed_val_accuracies)),
            trained_on,
            mean_sd_text(compared.seed_official_test_accuracies),
        ],
    ]
    extras = results.extras
    same = networks_pair(extras, net.classes) if extras is not None else None
    if extras is not None and same is not None and same.nn_val_accuracy is not None:
        settings = extras.atlas_network
        rows.append(
            [
                f"the atlas's network (the report's atlas; at most "
                f"{plural(settings['epochs'], 'epoch')}, patience "
                f"{settings['patience']}, {count(net.training_rows)} rows)",
                f"fashionlab's JAX trainer, seed {settings['seed']}",
                _chosen(interval(same.nn_val_accuracy, same.n_val)),
                trained_on,
                "not measured",
            ]
        )
    return Table(["network", "program", "validation", "held-out", "official test"], rows)


def same_count_note(results: Results) -> list[str]:
    """A word where the table's two cells for the network on the same rows read alike, which
    looks like a copied number (2,163 of 2,400 right on each, at the first run)."""
    hard, compared = results.hard_pair, results.comparison
    val, heldout = compared.fair_network_val_accuracy, compared.fair_network_heldout_accuracy
    wrong = error_count(val, hard.n_val)
    if hard.n_val != hard.n_heldout or wrong != error_count(heldout, hard.n_heldout):
        return []
    right = hard.n_val - wrong
    return [
        f"In the table below, the network on the same {count(hard.n_train)} rows gets "
        f"{count(right)} of {count(hard.n_val)} right on the validation rows and on the "
        "held-out rows alike: the same count on two different sets of images."
    ]
