"""The README's results table and its headline findings, from a run's results (``make
results-table`` prints them: ``cli/results_table.py``)."""

from __future__ import annotations

from ..results import Results
from .answers_network import paired_sentence
from .answers_seeds import seed_spread
from .format import UNDECIDABLE_LEAD, interval
from .page import markdown_table
from .sections_atlas import atlas_outcomes, undecidable_leads
from .tables import optimistic_note, results_table


def headline(results: Results) -> list[str]:
    """The findings the README states under its table, each from the run's numbers."""
    hard, compared = results.hard_pair, results.comparison
    found = [
        f"Against 100-step logistic regression, "
        f"{paired_sentence(compared.official_test, 'the network', 'logistic regression')}.",
        f"Trained on the same {hard.n_train:,} rows as logistic regression, the network reaches "
        f"{interval(compared.fair_network_heldout_accuracy, hard.n_heldout)} on the held-out rows; "
        f"logistic regression {interval(hard.heldout_accuracy, hard.n_heldout)} after 100 steps"
        + (
            f" and {interval(hard.converged.heldout_accuracy, hard.n_heldout)} trained longer "
            f"(early-stopped). Against the longer fit, "
            f"{paired_sentence(compared.converged_test, 'the network', 'logistic regression')}."
            if hard.converged is not None
            else "."
        ),
        f"Over {len(compared.seeds)} seeds the network reaches {seed_spread(compared)} "
        "(mean ± sample sd).",
    ]
    if results.extras is not None:
        ten, outcomes = results.extras.ten_classes, atlas_outcomes(results.extras)
        found += [
            f"On all ten classes, softmax regression written in numpy reaches "
            f"{interval(ten.official_test_accuracy, ten.n_official_test)} on the official test "
            f"images and the 784-100-10 network "
            f"{interval(ten.network_official_test_accuracy, ten.n_official_test)}.",
            f"Across the {sum(outcomes.values())} pairs the network's validation accuracy is "
            f"above 100-step logistic regression's on {outcomes['win']}, equal on "
            f"{outcomes['tie']} and below on {outcomes['loss']}; {undecidable_leads(results.extras)} "
            f"of these differences are of {UNDECIDABLE_LEAD} images or fewer, too few for "
            "McNemar's exact test to call significant at 0.05.",
        ]
    return [f"- {sentence}" for sentence in found]


def readme_results(results: Results) -> str:
    """The README's results table and, under it, its findings."""
    table = markdown_table(results_table(results))
    return "\n".join([table, "", optimistic_note(results.network), "", *headline(results)])
