"""The report: the assignment's questions, each answered from the typed results, as sections.

``write`` lays the sections out as ``index.html`` (one self-contained file) and ``report.md``,
beside ``results.json``; figures are given as file bytes, by name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from ..analysis.metrics import error_count
from ..results import Results, to_json
from ..storage import atomic_write_bytes, slug
from . import answers, sections_extras
from .answers_network import settings_chosen_on
from .answers_seeds import mean_sd_text
from .figures import mime_type
from .format import count, interval, pair_name, plural
from .glossary import glossary_html, glossary_markdown
from .maths import maths_section
from .page import PageMeta, Section, Table, render_html, render_markdown
from .sections_atlas import networks_pair

FIGURES: dict[str, list[tuple[str, str]]] = {
    "q1_1": [("q1_image_raw", "The first training image, raw (0-255)."),
             ("q1_image_normalised", "The same image after dividing by 255 (0-1)."),
             ("q1_grid", "The first 25 training images with their classes.")],
}  # fmt: skip


def results_table(results: Results) -> Table:
    """The headline numbers, each with its 95 % Wilson interval."""
    rows = []
    for run in results.logreg:
        rows.append([
            f"logistic regression, {pair_name(run.classes)}", plural(run.steps, "step"),
            interval(run.val_accuracy, run.n_val), interval(run.heldout_accuracy, run.n_heldout),
            interval(run.official_test_accuracy, run.n_official_test),
        ])  # fmt: skip
    net = results.network
    rows.append([
        f"neural network, {pair_name(net.classes)}",
        f"{plural(net.epochs_run, 'epoch')} (weights of epoch {net.best_epoch})",
        interval(net.val_accuracy, net.n_val), "- (trained on these rows)",
        interval(net.official_test_accuracy, net.n_official_test),
    ])  # fmt: skip
    header = ["model", "training length", "validation (95% CI)", "held-out (95% CI)",
              "official test (95% CI)"]  # fmt: skip
    return Table(header, rows)


def _comparison_table(results: Results) -> Table:
    hard, net, compared = results.hard_pair, results.network, results.comparison
    converged = hard.converged
    rows = [
        ["logistic regression, 100 steps", interval(hard.val_accuracy, hard.n_val),
         interval(hard.heldout_accuracy, hard.n_heldout),
         interval(hard.official_test_accuracy, hard.n_official_test)],
        ["logistic regression, trained longer (early-stopped)",
         interval(converged.val_accuracy if converged else None, hard.n_val),
         interval(converged.heldout_accuracy if converged else None, hard.n_heldout),
         interval(converged.official_test_accuracy if converged else None, hard.n_official_test)],
        [f"network on {count(net.training_rows)} rows (the assignment's, early-stopped)",
         interval(net.val_accuracy, net.n_val),
         "- (trained on these rows)", interval(net.official_test_accuracy, net.n_official_test)],
        [f"network on the same {count(hard.n_train)} rows (early-stopped)",
         interval(compared.fair_network_val_accuracy, hard.n_val),
         interval(compared.fair_network_heldout_accuracy, hard.n_heldout),
         interval(compared.fair_network_official_test_accuracy, hard.n_official_test)],
    ]  # fmt: skip
    return Table([f"model ({pair_name(hard.classes)})", "validation (95% CI)",
                  "held-out (95% CI)", "official test (95% CI)"], rows)  # fmt: skip


def _networks_lead(results: Results) -> str:
    net = results.network
    return (f"Every network this report trains on {pair_name(net.classes)}, side by side (single "
            "runs with their 95% intervals, the seeds as mean ± sample sd). They differ in the "
            "rows they train on, the program and the seed, and the atlas's network in its "
            "schedule (Q5.1's: at most "
            f"{plural(net.epochs_max, 'epoch')}, patience {net.patience}), as each row says. The "
            "first row is this run's answer to Q5.1; the seeds' row shows how much a network with "
            "these settings varies by chance alone.")  # fmt: skip


def _networks_table(results: Results) -> Table:
    """Q5.1's network, the same on logistic regression's rows, the seeds and the atlas's network:
    the several numbers a reader meets for "the network on this pair", each with what it is."""
    net, compared, hard = results.network, results.comparison, results.hard_pair
    trained_on = "- (trained on these rows)"
    rows = [
        [f"Q5.1's network (the assignment's, {count(net.training_rows)} rows)",
         f"Keras, seed {net.seed}", interval(net.val_accuracy, net.n_val), trained_on,
         interval(net.official_test_accuracy, net.n_official_test)],
        [f"the same on logistic regression's {count(hard.n_train)} rows (Q4.3)",
         f"Keras, seed {net.seed}", interval(compared.fair_network_val_accuracy, hard.n_val),
         interval(compared.fair_network_heldout_accuracy, hard.n_heldout),
         interval(compared.fair_network_official_test_accuracy, hard.n_official_test)],
        [f"the same settings over {len(compared.seeds)} seeds ({count(net.training_rows)} rows)",
         f"fashionlab's JAX trainer, seeds {', '.join(map(str, compared.seeds))}",
         mean_sd_text(compared.seed_val_accuracies), trained_on,
         mean_sd_text(compared.seed_official_test_accuracies)],
    ]  # fmt: skip
    extras = results.extras
    same = networks_pair(extras, net.classes) if extras is not None else None
    if extras is not None and same is not None and same.nn_val_accuracy is not None:
        settings = extras.atlas_network
        rows.append([f"the atlas's network (at most {plural(settings['epochs'], 'epoch')}, patience "
                     f"{settings['patience']}, {count(net.training_rows)} rows)",
                     f"fashionlab's JAX trainer, seed {settings['seed']}",
                     interval(same.nn_val_accuracy, same.n_val), trained_on, "not measured"])  # fmt: skip
    return Table(["network", "program", "validation", "held-out", "official test"], rows)


def _same_count_note(results: Results) -> list[str]:
    """A word where the table's two cells for the network on the same rows read alike, which
    looks like a copied number (2,163 of 2,400 right on each, at the first run)."""
    hard, compared = results.hard_pair, results.comparison
    val, heldout = compared.fair_network_val_accuracy, compared.fair_network_heldout_accuracy
    wrong = error_count(val, hard.n_val)
    if hard.n_val != hard.n_heldout or wrong != error_count(heldout, hard.n_heldout):
        return []
    right = hard.n_val - wrong
    return [f"In the table below, the network on the same {count(hard.n_train)} rows gets "
            f"{count(right)} of {count(hard.n_val)} right on the validation rows and on the "
            "held-out rows alike: the same count on two different sets of images."]  # fmt: skip


def _pair_figures(results: Results) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {"q1_2": [
        ("pca_variance", "Cumulative share of variance against principal components."),
        ("tsne_all", f"t-SNE map (openTSNE, settings in Q1.2) of "
         f"{answers.mapped_images(results.data, results.embedding.points)}, all ten classes."),
    ]}  # fmt: skip
    for key, run in zip(("q2", "q3"), results.logreg, strict=False):
        found[key] = [
            (
                f"tsne_{slug(run.classes)}",
                f"The t-SNE map (Q1.2) restricted to {pair_name(run.classes)}.",
            )
        ]
    chose = ", and Q5.1's settings" if settings_chosen_on(results.network) else ""
    restored = (f"the dotted line marks the restored epoch, {results.network.best_epoch}, the one "
                "with the lowest validation loss")  # fmt: skip
    found["q5_1"] = [("nn_loss", f"The network's loss per epoch; {restored}."),
                     ("nn_accuracy", f"The network's accuracy per epoch; {restored}."), (
        "nn_seeds", "The network over seeds (dots: fashionlab's JAX trainer) and the single Keras "
        "run (star), with the seeds' mean and the 95% t prediction interval for one more seed "
        "(band: training randomness only, without the test images' own sampling error). The "
        f"validation rows also chose each run's stopping epoch{chose}.")]  # fmt: skip
    found["q4_3"] = [("logreg_both", "Learning curves of both runs on shared axes.")] + [
        (f"rate_grid_{slug(run.classes)}", f"Validation accuracy over learning rate and steps, "
         f"{pair_name(run.classes)}; the assignment's setting is outlined. The colours run from "
         "this grid's lowest cell to 100%, so they do not compare across the two grids.")
        for run in results.logreg
    ]  # fmt: skip
    for key, run in zip(("q4_1", "q4_2"), results.logreg, strict=False):
        found[key] = [
            (f"logreg_{slug(run.classes)}", f"Learning curves, {pair_name(run.classes)}.")
        ]
    return found


def build_sections(results: Results, interactive_html: str | None = None) -> list[Section]:
    written = answers.compose(results)
    figures = {**FIGURES, **_pair_figures(results)}
    glossary = Section("glossary", "Terms used in this report", raw_html=glossary_html(),
                       markdown=glossary_markdown())  # fmt: skip
    chose = "its stopping epoch" + (" and its settings" if settings_chosen_on(results.network)
                                    else "")  # fmt: skip
    read = (f"Validation is, for logistic regression, the loop's last log (before its last "
            f"update), and for the network a score on the rows that chose {chose}, so optimistic "
            f"for the network; held-out (the assignment's 20% \"test\" split, X_test) and official "
            f"test (Fashion-MNIST's own test images) score the final weights (see Terms used in "
            f"this report, just below).")  # fmt: skip
    at_a_glance = Section("results", "Results at a glance", paragraphs=[read],
                          table=results_table(results))  # fmt: skip
    sections = [at_a_glance, glossary]
    for key, (title, question) in answers.QUESTIONS.items():
        section = Section(key, title, question, written[key], figures.get(key, []))
        if key == "q4_3":
            section.table = _comparison_table(results)
            section.paragraphs = [*section.paragraphs, *_same_count_note(results)]
        if key == "q5_1":
            section.table = _networks_table(results)
            section.paragraphs = [*section.paragraphs, _networks_lead(results)]
            section.code = results.network.summary
        sections.append(section)
    sections.append(maths_section())
    if results.extras is not None:
        sections.extend(sections_extras.sections(results, interactive_html))
    config_rows = [[k, json.dumps(v, default=str)] for k, v in results.config.items()]
    sections.append(
        Section("configuration", "Configuration", table=Table(["setting", "value"], config_rows))
    )
    stages = [[k, f"{v:.2f} s"] for k, v in results.timings.get("stages", {}).items()]
    trained = [f"{k} {v:.2f} s" for k, v in results.timings.get("models", {}).items()]
    notes = []
    if results.timings.get("shared_cores") and not results.restored and len(stages) > 2:
        notes.append(f"The stages from \"{stages[2][0]}\" to \"{stages[-1][0]}\" ran while the Dask "
                     "workers worked through the run's tasks on the same cores, so each took "
                     "longer than it would alone.")  # fmt: skip
    if trained:
        lead = ("Restored from the cache: training took, when the study was computed"
                if results.restored else "Of these, training itself took")  # fmt: skip
        notes.append(f"{lead}: {', '.join(trained)}.")
    sections.append(Section("timings", "Time of each stage",
                            table=Table(["stage", "time"], stages), paragraphs=notes))  # fmt: skip
    versions = [[k, v] for k, v in results.versions.items()]
    sections.append(
        Section("versions", "Library versions", table=Table(["library", "version"], versions))
    )
    return sections


def checked_sections(results: Results, interactive_html: str | None = None) -> list[Section]:
    """The report's sections, or a ValueError saying why ``results`` cannot make them: from_json
    checks types, not that lists and fields agree with one another, and the prose asserts what it
    relies on, so anything raised here is a record that does not fit (a damaged or hand-written
    file)."""
    try:
        return build_sections(results, interactive_html)
    except Exception as exc:
        raise ValueError(f"its report cannot be written ({type(exc).__name__}: {exc})") from None


def check_figures(sections: list[Section], figures: Mapping[str, bytes]) -> None:
    """Raise ValueError unless ``figures`` holds exactly the files the sections show, one per
    figure, each a PNG or SVG file as its name says: a cached study is checked so before it is
    served, so that a rehashed entry cannot add, drop or swap a figure."""
    shown = sorted(stem for section in sections for stem, _ in section.figures)
    held = sorted(name.rpartition(".")[0] for name in figures)
    if held != shown:
        extra = sorted(set(held) - set(shown)) or "none"
        missing = sorted(set(shown) - set(held)) or "none"
        raise ValueError(f"its figures are not the report's (unexpected: {extra}, missing: "
                         f"{missing}, {len(held)} files for {len(shown)} figures)")  # fmt: skip
    for name, data in figures.items():
        mime_type(name, data)


def _resolve(sections: list[Section], files: Mapping[str, str]) -> None:
    """Section figures name a figure by stem; point them at the written file."""
    for section in sections:
        section.figures = [
            (files[stem], caption) for stem, caption in section.figures if stem in files
        ]


def write(folder: Path, results: Results, figures: Mapping[str, bytes], meta: PageMeta,
          interactive_html: str | None = None) -> None:  # fmt: skip
    """Write ``index.html``, ``report.md`` and ``results.json`` into ``folder``."""
    sections = build_sections(results, interactive_html)
    _resolve(sections, {Path(name).stem: name for name in figures})
    atomic_write_bytes(folder / "index.html", render_html(meta, sections, figures).encode())
    atomic_write_bytes(folder / "report.md", render_markdown(meta, sections).encode())
    write_json(folder / "results.json", results)


def write_json(path: Path, results: Results) -> None:
    text = json.dumps(to_json(results), indent=2, allow_nan=False)
    atomic_write_bytes(path, (text + "\n").encode())
