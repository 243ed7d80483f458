"""Render the study's results as one self-contained HTML page, Markdown and JSON.

The page follows the assignment: each question quoted, then answered from ``answers``; figures are
linked relatively (``figures/*.png``) so the page opens from disk. All text a user supplies is
escaped in both formats.
"""

from __future__ import annotations

import html
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..storage import atomic_write_bytes
from . import answers
from .answers import pair_name, pct


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    """One heading of the report: an optional quoted question, paragraphs, figures, a table."""

    key: str
    title: str
    quote: str | None = None
    paragraphs: list[str] = field(default_factory=list)
    figures: list[tuple[str, str]] = field(default_factory=list)  # (file in figures/, caption)
    table: Table | None = None
    code: str | None = None
    raw_html: str | None = None  # trusted markup made by fashionlab itself (the interactive map)


# --------------------------------------------------------------------------- content


def results_table(results: dict[str, Any]) -> Table:
    """The headline numbers: both pairs and the network, accuracies and wall times."""
    timings = results["timings"]["models"]
    rows = []
    for name, run in results["logreg"].items():
        rows.append([
            f"logistic regression, {name}", f"{run['steps']} steps", pct(run["train_accuracy"]),
            pct(run["val_accuracy"]), pct(run["official_test_accuracy"]),
            f"{timings[f'logreg {name}']:.2f} s",
        ])  # fmt: skip
    net = results["network"]
    name = pair_name(net["classes"])
    rows.append([
        f"neural network, {name}", f"{net['epochs_run']} epochs",
        pct(net["history"]["accuracy"][net["best_epoch"] - 1]), pct(net["val_accuracy"]),
        pct(net["test_accuracy"]), f"{timings[f'network {name}']:.2f} s",
    ])  # fmt: skip
    header = ["model", "training", "train acc.", "validation acc.", "official test acc.", "time"]
    return Table(header, rows)


def _comparison_table(results: dict[str, Any]) -> Table:
    rows = [
        [model, pct(scores["val_accuracy"]), pct(scores["test_accuracy"])]
        for model, scores in results["comparison"]["models"].items()
    ]
    pair = pair_name(results["comparison"]["pair"])
    return Table([f"model ({pair})", "validation accuracy", "official test accuracy"], rows)


def build_sections(results: dict[str, Any]) -> list[Section]:
    written = answers.compose(results)
    figures: dict[str, list[tuple[str, str]]] = {
        "q1_1": [
            ("q1_image_raw.png", "The first training image, raw (0-255)."),
            ("q1_image_normalised.png", "The same image after dividing by 255 (0-1)."),
            ("q1_grid.png", "The first 25 training images with their classes."),
        ],
        "q1_2": [
            ("pca_variance.png", "Cumulative share of variance against principal components."),
            ("tsne_all.png", "t-SNE map of the first images, all ten classes."),
        ],
        "q2": [("tsne_trouser_ankleboot.png", "The map restricted to Trouser and Ankle boot.")],
        "q3": [("tsne_pullover_coat.png", "The map restricted to Pullover and Coat.")],
        "q4_1": [("logreg_trouser_ankleboot.png", "Learning curves, Trouser vs Ankle boot.")],
        "q4_2": [("logreg_pullover_coat.png", "Learning curves, Pullover vs Coat.")],
        "q5_1": [
            ("nn_loss.png", "The network's loss per epoch."),
            ("nn_accuracy.png", "The network's accuracy per epoch."),
        ],
    }
    sections = [Section("results", "Results at a glance", table=results_table(results))]
    for key, (title, question) in answers.QUESTIONS.items():
        section = Section(key, title, question, written[key], figures.get(key, []))
        if key == "q4_3":
            section.table = _comparison_table(results)
        if key == "q5_1":
            section.code = results["network"]["summary"]
        sections.append(section)
    if "extras" in results:
        from .. import extras

        sections.extend(extras.sections(results))
    sections.append(
        Section(
            "configuration",
            "Configuration",
            table=Table(
                ["setting", "value"],
                [[k, json.dumps(v, default=str)] for k, v in results["config"].items()],
            ),
        )
    )
    stage_rows = [[k, f"{v:.2f} s"] for k, v in results["timings"]["stages"].items()]
    stage_rows.append(["total", f"{results['timings']['total']:.2f} s"])
    sections.append(
        Section("timings", "Time of each stage", table=Table(["stage", "time"], stage_rows))
    )
    sections.append(
        Section(
            "versions",
            "Library versions",
            table=Table(["library", "version"], [[k, v] for k, v in results["versions"].items()]),
        )
    )
    return sections


# --------------------------------------------------------------------------- HTML

_CSS = """
body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;
margin:0;background:#f6f7f9}
main{max-width:980px;margin:0 auto;padding:24px 28px 60px;background:#fff;min-height:100vh}
h1{font-size:1.9rem;margin:.2em 0}h2{border-bottom:2px solid #e3e7ee;padding-bottom:.2em;
margin-top:2.2em}.meta{color:#5b6575}blockquote{margin:1em 0;padding:.6em 1em;background:#f1f5fb;
border-left:4px solid #4a7bd0;color:#28354a}figure{margin:1.2em 0;text-align:center}
figure img{max-width:100%;height:auto;border:1px solid #e3e7ee;border-radius:4px}
figcaption{color:#5b6575;font-size:.9rem}table{border-collapse:collapse;margin:1em 0;
font-size:.93rem}th,td{border:1px solid #dde2ea;padding:4px 10px;text-align:left}
th{background:#f1f3f7}pre{background:#f6f8fa;padding:12px;overflow-x:auto;font-size:.8rem;
line-height:1.25}nav ol{columns:2}a{color:#2457b5}
"""


def _anchor(key: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "-", key.lower())


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in table.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def render_html(results: dict[str, Any], sections: list[Section]) -> str:
    title = html.escape(results["config"]["title"])
    author = results["config"].get("author") or ""
    toc = "".join(
        f'<li><a href="#{_anchor(s.key)}">{html.escape(s.title)}</a></li>' for s in sections
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title><style>{_CSS}</style></head><body><main>",
        f"<h1>{title}</h1>",
        f'<p class="meta">{"By " + html.escape(author) + " · " if author else ""}'
        "Generated by fashionlab from measured results; every number below is in "
        '<a href="results.json">results.json</a>.</p>',
        f'<nav><h2 id="contents">Contents</h2><ol>{toc}</ol></nav>',
    ]
    for section in sections:
        parts.append(f'<section id="{_anchor(section.key)}"><h2>{html.escape(section.title)}</h2>')
        if section.quote:
            parts.append(f"<blockquote>{html.escape(section.quote)}</blockquote>")
        parts.extend(f"<p>{html.escape(p)}</p>" for p in section.paragraphs)
        if section.table:
            parts.append(_html_table(section.table))
        if section.code:
            parts.append(f"<pre>{html.escape(section.code)}</pre>")
        if section.raw_html:
            parts.append(section.raw_html)
        for file, caption in section.figures:
            parts.append(
                f'<figure><img src="figures/{html.escape(file)}" alt="{html.escape(caption)}" '
                f'loading="lazy"><figcaption>{html.escape(caption)}</figcaption></figure>'
            )
        parts.append("</section>")
    parts.append("</main></body></html>")
    return "\n".join(parts)


# --------------------------------------------------------------------------- Markdown

_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-!|])")


def md_escape(text: str) -> str:
    """Escape Markdown syntax and raw HTML in user text."""
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text).replace("&", "&amp;")


def _md_table(table: Table) -> str:
    def cell(text: str) -> str:
        return html.escape(text, quote=False).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(h) for h in table.header) + " |"]
    lines.append("|" + "---|" * len(table.header))
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines)


def render_markdown(results: dict[str, Any], sections: list[Section]) -> str:
    author = results["config"].get("author") or ""
    lines = [f"# {md_escape(results['config']['title'])}", ""]
    if author:
        lines += [f"By {md_escape(author)}", ""]
    lines += ["Generated by fashionlab; every number below is in `results.json`.", ""]
    lines += ["## Contents", ""]
    lines += [f"{i}. [{s.title}](#{_anchor(s.key)})" for i, s in enumerate(sections, 1)]
    for section in sections:
        lines += ["", f'<a id="{_anchor(section.key)}"></a>', "", f"## {section.title}", ""]
        if section.quote:
            lines += [f"> {section.quote}", ""]
        for paragraph in section.paragraphs:
            lines += [paragraph, ""]
        if section.table:
            lines += [_md_table(section.table), ""]
        if section.code:
            lines += ["```text", section.code, "```", ""]
        for file, caption in section.figures:
            lines += [f"![{caption}](figures/{file})", ""]
    return "\n".join(lines).rstrip() + "\n"


# --------------------------------------------------------------------------- files


def _plain(value: Any) -> Any:
    """JSON-ready: numpy scalars and arrays to Python, NaN and infinities to null.

    Keys starting with "_" hold rendered markup, not results, and are left out.
    """
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_json(path: Path, results: dict[str, Any]) -> None:
    text = json.dumps(_plain(results), indent=2, allow_nan=False)
    atomic_write_bytes(path, (text + "\n").encode())


def write(folder: Path, results: dict[str, Any]) -> None:
    """Write ``index.html`` and ``report.md`` into ``folder`` (figures are already there)."""
    sections = build_sections(results)
    atomic_write_bytes(folder / "index.html", render_html(results, sections).encode())
    atomic_write_bytes(folder / "report.md", render_markdown(results, sections).encode())


def main(argv: list[str] | None = None) -> None:
    """``python -m fashionlab.report report/results.json``: the results table as Markdown."""
    import sys

    path = Path((argv or sys.argv[1:] or ["report/results.json"])[0])
    print(_md_table(results_table(json.loads(path.read_text()))))


if __name__ == "__main__":
    main()
