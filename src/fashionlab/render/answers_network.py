"""Q5.1: the network against logistic regression, with its uncertainty, and the words for a
paired test that Q4.3's tests (``answers_compare``) share.

"Beats" is said only where McNemar's exact test gives p < 0.05 and the network has more correct
rows; otherwise the text says the difference could be chance.
"""

from __future__ import annotations

from ..analysis.metrics import (
    accuracies_p,
    discordant,
    from_bits,
    paired_outcome,
    right_count,
)
from ..config import NN_CHOSEN, NN_SETTINGS_PAIR, NN_SETTINGS_SEED, NN_SETTINGS_TRIED
from ..results import LogregResult, McNemar, NetworkResult, Results
from .answers_dynamics import Where, time_taken
from .answers_fit import network_overfitting
from .answers_seeds import keras_run_among_seeds, seed_spread, seed_uncertainty
from .families import held_together, pair_mcnemar_family
from .format import count, independent_gap, interval, paired_gap, pct, plural, wall_time
from .format import p_value as p_text

VERDICTS = {
    "better": "significantly better",
    "worse": "significantly worse",
    "undecided": "not distinguishable from {other}",
}


def outcome(test: McNemar) -> str:
    """ "better", "worse" or "undecided": the first model against the second (metrics)."""
    return paired_outcome(test.only_first, test.only_second, test.p_value)


def verdict(test: McNemar, other: str = "it") -> str:
    """'significantly better', or 'not distinguishable from it', from McNemar's exact test."""
    return VERDICTS[outcome(test)].format(other=other)


def paired_counts(test: McNemar, first: str, second: str) -> str:
    """The rows only one of the two models gets right: a description, without a test."""
    return counts_text(test.rows, test.n, test.only_first, test.only_second, first, second)


def counts_text(
    rows: str, n: int, only_first: int, only_second: int, first: str, second: str
) -> str:
    return (
        f"on the {count(n)} {rows} rows, {count(only_first)} are right only for {first} and "
        f"{count(only_second)} only for {second}"
    )


def paired_facts(test: McNemar, first: str, second: str) -> str:
    """The test's counts and p-value, and the difference with its interval, without a verdict."""
    difference = paired_gap(test.only_first, test.only_second, test.n)
    return (
        f"{paired_counts(test, first, second)} (McNemar's exact test, {p_text(test.p_value)}; "
        f"{first} minus {second}: {difference})"
    )


def paired_sentence(test: McNemar, first: str, second: str) -> str:
    return f"{paired_facts(test, first, second)}: {first} is {verdict(test)}"


def q5_1(results: Results, into: Where = "report") -> list[str]:
    net, compared = results.network, results.comparison
    hard = results.hard_pair
    wall = results.timings.get("models", {}).get("network")
    trained = "" if wall is None else f"; {time_taken(into, 'training', wall_time(results, wall))}"
    on_validation = _validation_counts(results)
    performance = (
        f"The network reached {interval(net.val_accuracy, net.n_val)} validation accuracy and "
        f"{interval(net.official_test_accuracy, net.n_official_test)} on the official test images "
        f"of the pair; 100-step logistic regression reached "
        f"{interval(hard.val_accuracy, hard.n_val)} (its loop's last log) and "
        f"{interval(hard.official_test_accuracy, hard.n_official_test)}. Against logistic "
        f"regression, {paired_sentence(compared.official_test, 'the network', 'logistic regression')}. "
        f"{on_validation[0].upper()}{on_validation[1:]}. "
        f"These rows also chose the network's early-stopping epoch{_settings_chosen(net)}, so "
        "its validation score is optimistic and no test is made on them: a p-value there would "
        "take the network as fixed before it was scored. The test is made on the official test "
        f"rows, by which no setting of this run was chosen (not wholly unseen: see the glossary's "
        f"official test accuracy).{_scored_weights(results)}"
    )
    seeds = (
        f"Over {len(compared.seeds)} seeds ({', '.join(map(str, compared.seeds))}) a network of the "
        f"same architecture and settings reaches {seed_spread(compared)} (mean ± sample sd). These "
        "networks are trained by fashionlab's own JAX trainer, not by Keras, so their seeds draw "
        f"other initial weights and batch orders than Keras's seed {net.seed}. "
        + keras_run_among_seeds(
            net.official_test_accuracy,
            compared,
            net.n_official_test,
            selected=settings_chosen_on(net) and net.seed == NN_SETTINGS_SEED,
        )
    )
    fair = (
        "The comparison is not quite even: the assignment's network trains on "
        f"{count(net.training_rows)} rows (the training and held-out splits), logistic regression "
        f"on {count(hard.n_train)}. Trained on the same {count(hard.n_train)} rows, the network "
        f"reaches {interval(compared.fair_network_heldout_accuracy, hard.n_heldout)} on the "
        f"held-out rows against logistic regression's "
        f"{interval(hard.heldout_accuracy, hard.n_heldout)}: "
        f"{paired_sentence(compared.heldout_test, 'the network', 'logistic regression')}."
        f"{pair_mcnemar_family(compared)}"
    )
    settings = (
        f"Hyperparameters: one hidden Dense layer of {count(net.hidden_units)} {net.activation} "
        f"units ({count(net.n_parameters)} parameters in all), the {net.optimizer} optimizer at learning "
        f"rate {net.learning_rate:g}, batch size {count(net.batch_size)}, binary cross-entropy, "
        f"and at most {plural(net.epochs_max, 'epoch')} with early stopping on the validation loss "
        f"(patience {net.patience}). It stopped after {plural(net.epochs_run, 'epoch')} and kept "
        f"the weights of epoch {net.best_epoch}{trained}."
        f"{network_overfitting(results)}"
    )
    sure = seed_uncertainty(net.official_test_accuracy, compared, net.n_official_test)
    # the question's order: how it performed, its settings, why it won; then how even and how
    # sure the comparison is
    return [performance, settings, _why(results), fair + _official_drop(results), seeds, sure]


def _validation_counts(results: Results) -> str:
    """The validation rows only one model gets right: counts, and no test (they chose the
    network's epoch)."""
    compared = results.comparison
    only = discordant(
        from_bits(compared.network_correct["validation"]),
        from_bits(compared.logreg_correct["validation"]),
    )
    return counts_text(
        "validation", results.network.n_val, *only, "the network", "logistic regression"
    )


def settings_chosen_on(net: NetworkResult) -> bool:
    """Whether this network has the settings docs/network.md chose, on this run's validation rows
    (those of ``NN_SETTINGS_PAIR``): not where a run or a caller gave others (``--epochs 20``)."""
    mine = (net.epochs_max, net.patience, net.batch_size, net.learning_rate, net.hidden_units)
    return set(net.classes) == set(NN_SETTINGS_PAIR) and mine == NN_CHOSEN


def _settings_chosen(net: NetworkResult) -> str:
    if not settings_chosen_on(net):
        return ""
    return (
        f" and, among {NN_SETTINGS_TRIED} settings tried on this pair at seed "
        f"{NN_SETTINGS_SEED}, its settings (docs/network.md)"
    )


def _official_drop(results: Results) -> str:
    """How each model's official test score compares with its score on rows split off from the
    training images: held-out rows, each tested against the official ones (independent rows),
    or, for the network that trained on the held-out rows, validation rows (not tested: they
    chose its epoch)."""
    net, hard, compared = results.network, results.hard_pair, results.comparison
    longer = hard.converged
    measured = [
        ("logistic regression after 100 steps", hard.heldout_accuracy, hard.official_test_accuracy),
        (
            "logistic regression trained longer",
            longer.heldout_accuracy if longer else None,
            longer.official_test_accuracy if longer else None,
        ),
        (
            "the network on the same rows",
            compared.fair_network_heldout_accuracy,
            compared.fair_network_official_test_accuracy,
        ),
    ]
    n, m = hard.n_heldout, hard.n_official_test
    scored = [
        (name, held, test) for name, held, test in measured if held is not None and test is not None
    ]
    if not scored:
        return ""
    ps = [accuracies_p(held, n, test, m) for _, held, test in scored]
    listed = [
        f"{name[0].upper()}{name[1:]}: held-out {pct(held, n)} against {pct(test, m)} "
        f"({p_text(p)}; held-out minus official test: {independent_gap(held, n, test, m)})."
        for (name, held, test), p in zip(scored, ps, strict=True)
    ]
    listed.append(
        f"The assignment's network: validation {pct(net.val_accuracy, net.n_val)} "
        f"against {pct(net.official_test_accuracy, net.n_official_test)} (not tested: "
        "those rows chose its epoch)."
    )
    lower = sum(test < held for _, held, test in scored) + (
        net.official_test_accuracy < net.val_accuracy
    )
    said = (
        f"every one of these models scores {'lower' if lower else 'higher'}"
        if lower in (0, len(listed))
        else f"{lower} of these {len(listed)} models score lower"
    )
    return (
        f" On the pair's official test images {said} than on the rows split off from the "
        f"training images. {' '.join(listed)} Each p is Fisher's exact test of one model's "
        f"accuracy on two independent sets of rows{held_together(ps)}. All of them are scored on "
        "the same official test images, so their drops are one observation of those images, not several."
    )


def final_weights_right(results: Results, run: LogregResult) -> int | None:
    """The validation rows logistic regression's final weights get right, where that differs from
    the loop's last log (the weights before the last update); None where it does not, or where
    the per-row scores are not kept (they are for the network's pair)."""
    if run.val_accuracy is None or tuple(results.comparison.classes) != tuple(run.classes):
        return None
    scored = results.comparison.logreg_correct["validation"].count("1")
    return None if scored == right_count(run.val_accuracy, run.n_val) else scored


def _scored_weights(results: Results) -> str:
    """Why the validation rows' counts may differ by an image from the logged accuracy: they
    score the final weights, the assignment's loop logs the weights before the last update."""
    hard = results.hard_pair
    scored = final_weights_right(results, hard)
    if scored is None:
        return ""
    return (
        f" These counts score logistic regression's final weights, which get "
        f"{count(scored)} of the {count(hard.n_val)} validation rows right; the "
        f"{pct(hard.val_accuracy, hard.n_val)} above, as the assignment's loop logs it, is "
        "that of the weights before the last update."
    )


def _why(results: Results) -> str:
    hard = results.hard_pair
    compared = results.comparison
    test = compared.official_test
    better = outcome(test) == "better"
    lead = "Why it beat logistic regression: " if better else "Why it could: "
    reason = (
        "logistic regression draws one hyperplane through pixel space, while the hidden layer "
        "learns its own features (combinations of pixels passed through a nonlinearity) and the "
        "output combines them, so the boundary can bend around the overlap between the classes."
    )
    if hard.converged is None:
        return lead + reason
    conclusion = {
        "better": "so the network's advantage is not only a matter of longer training "
        "(for one training run on those rows: the spread over seeds is measured for the "
        "assignment's settings only, in fashionlab's own trainer)",
        "worse": "so trained long enough, logistic regression does better than this "
        "network on these rows",
        "undecided": "so these rows cannot tell the network from logistic "
        "regression trained longer: longer training could account for the gap",
    }[outcome(compared.converged_test)]
    return (
        f"{lead}{reason} Is it only that 100 steps are too few? Trained longer, logistic "
        f"regression reaches {interval(hard.converged.heldout_accuracy, hard.n_heldout)} on the "
        f"held-out rows, against {interval(compared.fair_network_heldout_accuracy, hard.n_heldout)} "
        f"for the network trained on the same {count(hard.n_train)} rows; "
        f"{paired_sentence(compared.converged_test, 'the network', 'logistic regression trained longer')}"
        f", {conclusion}."
    )
