"""``python -m fashionlab.render.readme_table report/results.json`` (``make results-table``): the
README's results table and its headline findings, from a run's ``results.json``."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path
from typing import NoReturn

from ..results import SCHEMA_VERSION, Results, from_json
from .answers_network import paired_sentence
from .answers_seeds import seed_spread
from .format import UNDECIDABLE_LEAD, interval
from .page import markdown_table
from .report import checked_sections
from .sections_atlas import atlas_outcomes, undecidable_leads
from .tables import results_table


def headline(results: Results) -> list[str]:
    """The findings the README states under its table, each from the run's numbers."""
    hard, compared = results.hard_pair, results.comparison
    tests = {t.rows: t for t in compared.tests}
    found = [
        f"Against 100-step logistic regression, "
        f"{paired_sentence(tests['official test'], 'the network', 'logistic regression')}.",
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


def main(argv: list[str] | None = None) -> None:
    """Print the table; a file it cannot use is one line on stderr and exit status 2, as a usage
    error of the CLI is."""
    path = Path((argv or sys.argv[1:] or ["report/results.json"])[0])
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError, RecursionError) as exc:  # RecursionError: nested too deep
        _refuse(f"{path}: cannot be read as JSON ({exc}); run `make run` to write it")
    found = data.get("schema_version") if isinstance(data, dict) else None
    if found != SCHEMA_VERSION:  # an older run's file lacks fields this code reads
        _refuse(
            f"{path}: schema_version {found!r}, but this fashionlab reads "
            f"{SCHEMA_VERSION}; run `make run` to write it again"
        )
    try:  # written by hand, or damaged: a field missing or mistyped, an accuracy above 1, a test
        results = from_json(Results, data)  # or a seed missing; the table draws on what the
        checked_sections(results)  # report's prose does, which checks what it relies on
    except ValueError as exc:
        _refuse(
            f"{path}: not a results.json that fashionlab wrote ({exc}); run `make run` to "
            "write it again"
        )
    text = "\n".join([markdown_table(results_table(results)), "", *headline(results)])
    try:
        print(text, flush=True)
    except OSError as exc:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())  # nothing left to flush
        if not isinstance(exc, BrokenPipeError):  # `| head` has what it wanted; a full disk not
            print(f"cannot write the table ({exc.strerror or exc})", file=sys.stderr)
            sys.exit(1)


def _refuse(message: str) -> NoReturn:
    print(message, file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    main()
