"""The report: the assignment's questions, each answered from the typed results, as sections.

``write`` lays the sections out as ``index.html`` (one self-contained file) and ``report.md``,
beside ``results.json``; figures are given as file bytes, by name.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from ..files.storage import atomic_write_bytes, slug
from ..results import Results, to_json
from . import answers, answers_maps, sections_extras
from .answers_network import settings_chosen_on
from .figures import mime_type
from .format import count, pair_name
from .glossary import glossary_html, glossary_links, glossary_markdown
from .maths import maths_section
from .page import PageMeta, Section, Table, render_html, render_markdown
from .tables import comparison_table, networks_table, optimistic_note, results_table, table_notes

GLOSSARY_TITLE = "Terms used in this report"  # the lead's words for it link to it
FIGURES: dict[str, list[tuple[str, str]]] = {
    "q1_1": [
        ("q1_image_raw", "The first training image, raw (0-255)."),
        ("q1_image_normalised", "The same image after dividing by 255 (0-1)."),
        ("q1_grid", "The first 25 training images with their classes."),
    ],
}


def _pair_figures(results: Results) -> dict[str, list[tuple[str, str]]]:
    found: dict[str, list[tuple[str, str]]] = {
        "q1_2": [
            ("pca_variance", "Cumulative share of variance against principal components."),
            (
                "tsne_all",
                f"t-SNE map (openTSNE, settings in Q1.2) of "
                f"{answers_maps.mapped_images(results.data, results.embedding.points)}, all ten classes.",
            ),
        ]
    }
    for key, run in zip(("q2", "q3"), results.logreg, strict=False):
        found[key] = [
            (
                f"tsne_{slug(run.classes)}",
                f"The t-SNE map (Q1.2) restricted to {pair_name(run.classes)}.",
            )
        ]
    chose = ", and Q5.1's settings" if settings_chosen_on(results.network) else ""
    restored = (
        f"the dotted line marks the restored epoch, {results.network.best_epoch}, the one "
        "with the lowest validation loss"
    )
    found["q5_1"] = [
        ("nn_loss", f"The network's loss per epoch; {restored}."),
        ("nn_accuracy", f"The network's accuracy per epoch; {restored}."),
        (
            "nn_seeds",
            "The network over seeds (dots: fashionlab's JAX trainer) and the single Keras "
            "run (star), with the seeds' mean and the 95% t prediction interval for one more seed "
            "(band: training randomness only, without the official test images' own sampling error). The "
            f"validation rows also chose each run's stopping epoch{chose}.",
        ),
    ]
    found["q4_3"] = [("logreg_both", "Learning curves of both runs on shared axes.")] + [
        (
            f"rate_grid_{slug(run.classes)}",
            f"Validation accuracy over learning rate and steps, {pair_name(run.classes)}; the "
            "assignment's setting is outlined. Each cell gives the validation accuracy the loop "
            "logs at that step, after one update fewer than its steps (as in Q4.1 and Q4.2: the "
            "outlined cell is one update before the final weights), and how many of "
            f"the {run.n_val:,} validation images it gets wrong. The colours run from this grid's "
            "lowest cell to 100%, so they do not compare across the two grids.",
        )
        for run in results.logreg
    ]
    for key, run in zip(("q4_1", "q4_2"), results.logreg, strict=False):
        found[key] = [
            (f"logreg_{slug(run.classes)}", f"Learning curves, {pair_name(run.classes)}.")
        ]
    return found


def build_sections(results: Results, interactive_html: str | None = None) -> list[Section]:
    written = answers.compose(results)
    figures = {**FIGURES, **_pair_figures(results)}
    glossary = Section(
        "glossary",
        GLOSSARY_TITLE,
        raw_html=glossary_html(),
        markdown=glossary_markdown(),
    )
    hard = results.hard_pair
    read = (
        f"Validation: the last 20% of each pair's shuffled images ({count(hard.n_val)}). "
        f'Held-out: the assignment\'s 20% "test" split (X_test, {count(hard.n_heldout)}). '
        f"Official test: Fashion-MNIST's own test images of the two classes "
        f"({count(hard.n_official_test)}). For logistic regression the validation column is "
        f"what the assignment's loop logs at step {hard.steps}, just before its last update; the "
        "other two columns score the final weights. In brackets: 95% intervals. The last "
        f"section, {GLOSSARY_TITLE}, defines each term."
    )
    at_a_glance = Section(
        "results",
        "Results at a glance",
        paragraphs=[read, optimistic_note(results.network)],
        table=results_table(results),
    )
    sections, notes = [at_a_glance], table_notes(results)
    for key, (title, question) in answers.QUESTIONS.items():
        section = Section(key, title, question, written[key], figures.get(key, []))
        if key == "q4_3":
            section.table = comparison_table(results)
            section.paragraphs = [*section.paragraphs, *notes[key]]
        if key == "q5_1":
            section.table = networks_table(results)
            section.paragraphs = [*section.paragraphs, *notes[key]]
            section.code = results.network.summary
        sections.append(section)
    sections.append(maths_section())
    if results.extras is not None:
        sections.extend(sections_extras.sections(results, interactive_html))
    return [*sections, glossary, *_appendix(results)]  # the terms, which every answer links to


def _appendix(results: Results) -> list[Section]:
    """The run's configuration, the time of each stage and the library versions."""
    config_rows = [[k, json.dumps(v, default=str)] for k, v in results.config.items()]
    sections = [
        Section("configuration", "Configuration", table=Table(["setting", "value"], config_rows))
    ]
    stages = [[k, f"{v:.2f} s"] for k, v in results.timings.get("stages", {}).items()]
    trained = [f"{k} {v:.2f} s" for k, v in results.timings.get("models", {}).items()]
    notes = []
    if results.timings.get("shared_cores") and not results.restored and len(stages) > 2:
        notes.append(
            f'The stages from "{stages[2][0]}" to "{stages[-1][0]}" ran while the Dask '
            "workers worked through the run's tasks on the same cores, so each took "
            "longer than it would alone."
        )
    if trained:
        lead = (
            "Restored from the cache: training took, when the study was computed"
            if results.restored
            else "Of these, training itself took"
        )
        notes.append(f"{lead}: {', '.join(trained)}.")
    sections.append(
        Section(
            "timings",
            "Time of each stage",
            table=Table(["stage", "time"], stages),
            paragraphs=notes,
        )
    )
    versions = [[k, v] for k, v in results.versions.items()]
    sections.append(
        Section("versions", "Library versions", table=Table(["library", "version"], versions))
    )
    return sections


def checked_sections(results: Results, interactive_html: str | None = None) -> list[Section]:
    """The report's sections, or a ValueError saying why ``results`` cannot make them: from_json
    checks types, not that lists and fields agree with one another, and the prose checks what it
    relies on (``present``), so anything raised here is a record that does not fit (a damaged or
    hand-written file)."""
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
        raise ValueError(
            f"its figures are not the report's (unexpected: {extra}, missing: "
            f"{missing}, {len(held)} files for {len(shown)} figures)"
        )
    for name, data in figures.items():
        mime_type(name, data)


def _resolve(sections: list[Section], files: Mapping[str, str]) -> None:
    """Section figures name a figure by stem; point them at the written file."""
    for section in sections:
        section.figures = [
            (files[stem], caption) for stem, caption in section.figures if stem in files
        ]


def write(
    folder: Path,
    results: Results,
    figures: Mapping[str, bytes],
    meta: PageMeta,
    interactive_html: str | None = None,
) -> None:
    """Write ``index.html``, ``report.md`` and ``results.json`` into ``folder``."""
    sections = build_sections(results, interactive_html)
    _resolve(sections, {Path(name).stem: name for name in figures})
    atomic_write_bytes(
        folder / "index.html",
        render_html(
            meta, sections, figures, {**glossary_links(), GLOSSARY_TITLE: "glossary"}
        ).encode(),
    )
    atomic_write_bytes(folder / "report.md", render_markdown(meta, sections).encode())
    write_json(folder / "results.json", results)


def write_json(path: Path, results: Results) -> None:
    text = json.dumps(to_json(results), indent=2, allow_nan=False)
    atomic_write_bytes(path, (text + "\n").encode())
