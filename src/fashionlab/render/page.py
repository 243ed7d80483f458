"""The report's page: sections laid out as one self-contained HTML file and as Markdown.

A section is plain data (``Section``, ``Table``); this module only lays it out. The HTML embeds
every figure as a ``data:`` URI, so ``index.html`` can be handed out alone; the Markdown links
``figures/NAME`` beside it. User text (title, author, metadata) is one line and escaped for each
format, so it can neither inject markup nor restructure the Markdown.
"""

from __future__ import annotations

import html
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from urllib.parse import quote

from .figures import css_size, data_uri
from .page_style import PAGE_CSS, ZOOM_SCRIPT
from .terms import linking_escape, terms_pattern

# What the page says of its numbers; {json} is results.json, as code in HTML or in Markdown
SOURCE_NOTE = (
    "Every measured number below is in {json} or computed from it: an interval, a ratio or a "
    "difference from its values, a test from the counts or the per-image scores it keeps. The "
    "numbers of settings tried before the network's and softmax regression's were chosen come "
    "from the tables in docs/network.md and docs/extras.md."
)


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
    markdown: str | None = None  # trusted Markdown made by fashionlab itself, for report.md only


@dataclass(frozen=True)
class PageMeta:
    """What the page says about itself: a title, an author, and rows of run metadata.

    ``rows`` are (label, value) pairs shown in a small block under the title, e.g. ("date",
    "2025-01-31 14:02 UTC"), ("fashionlab", "0.1.0"), ("git commit", "2c5443c"), ("Keras backend",
    "jax on cpu"), ("seeds", "networks 0; t-SNE 0; the assignment's shuffle 42"). Leave a row out when unknown.
    """

    title: str
    author: str = ""
    rows: Sequence[tuple[str, str]] = ()


# --------------------------------------------------------------------------- user text

# C0 and C1 controls except tab, newline and carriage return (those are whitespace, collapsed),
# and the bidirectional overrides that can make text display in another order than it reads
_FORBIDDEN = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def clean_text(text: str, what: str = "text") -> str:
    """User text (a title, an author) as one line, or ValueError for a control character.

    Runs of whitespace, newlines included, become one space and the ends are stripped; a control
    character (NUL included) or a bidirectional override is refused, naming ``what``, the
    character and its position, so the CLI can reject the flag before anything runs.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:  # bytes the terminal's encoding could not decode
        raise ValueError(f"{what} is not valid UTF-8 (position {exc.start})") from None
    found = _FORBIDDEN.search(text)
    if found:
        name = unicodedata.name(found.group(), f"U+{ord(found.group()):04X}")
        raise ValueError(
            f"{what} contains a control character ({name}) at position {found.start()}"
        )
    return " ".join(text.split())


def _one_line(text: str) -> str:
    """``clean_text`` that drops forbidden characters instead of refusing (defence in depth)."""
    return " ".join(_FORBIDDEN.sub("", text).split())


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_{}\[\]<>()#+\-!|~=&])")
_ORDERED_LIST = re.compile(r"^(\d+)([.)])")


def md_escape(text: str) -> str:
    """User text as one line of literal Markdown: every syntax character backslash-escaped.

    Newlines collapse into spaces (no new block can start), and a leading ``1.``/``1)`` is escaped
    too, so the text is safe at the start of a line as well as inside one.
    """
    line = _MARKDOWN_SPECIAL.sub(r"\\\1", _one_line(text))
    return _ORDERED_LIST.sub(r"\1\\\2", line)


# --------------------------------------------------------------------------- HTML


def _anchor(key: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "-", key.lower())


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.header)
    body = "".join("<tr>" + "".join(_cell(c) for c in row) + "</tr>" for row in table.rows)
    table_html = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table_html}</div>'  # a wide table scrolls, not the page


def _cell(text: str) -> str:
    """A table cell. A short number (an accuracy with its interval, a mean ± sd) breaks, if the
    table must, only before its parenthesis or its ±: "90.96%" and "(89.7%–92.0%)" stay whole."""
    if len(text) > SHORT_CELL or not text[:1].isdigit():
        return f"<td>{html.escape(text)}</td>"
    parts = re.split(r" (?=[(±])", text)
    return (
        '<td class="short">' + " ".join(f"<span>{html.escape(p)}</span>" for p in parts) + "</td>"
    )


SHORT_CELL = 32  # characters: "99.92% (99.7%–99.98%)" is 21


def _html_figure(name: str, caption: str, figures: Mapping[str, bytes]) -> str:
    if name not in figures:
        raise ValueError(f"figure {name!r} is used by a section but was not given")
    data = figures[name]
    size = css_size(data)
    dimensions = f' width="{size[0]}" height="{size[1]}"' if size else ""
    return (
        f'<figure><img src="{data_uri(name, data)}"{dimensions} alt="{html.escape(caption)}">'
        f"<figcaption>{html.escape(caption)}</figcaption></figure>"
    )


def _html_header(meta: PageMeta, title: str) -> list[str]:
    author = _one_line(meta.author)
    rows = "".join(
        f"<div><dt>{html.escape(_one_line(label))}</dt><dd>{html.escape(_one_line(value))}</dd></div>"
        for label, value in meta.rows
    )
    return [
        f"<header><h1>{title}</h1>",
        f'<p class="byline">By {html.escape(author)}</p>' if author else "",
        f'<dl class="run">{rows}</dl>' if rows else "",
        '<p class="meta">Generated by fashionlab from measured results. '
        + SOURCE_NOTE.format(
            json="<code>results.json</code>, beside this page in the report folder,"
        )
        + "</p></header>",
    ]


def _html_section(
    section: Section,
    figures: Mapping[str, bytes],
    links: Mapping[str, str],
    terms: re.Pattern[str] | None,
) -> list[str]:
    parts = [f'<section id="{_anchor(section.key)}"><h2>{html.escape(section.title)}</h2>']
    if section.quote:
        parts.append(f"<blockquote>{html.escape(section.quote)}</blockquote>")
    escape = html.escape if terms is None else linking_escape(links, terms)
    parts.extend(f"<p>{escape(p)}</p>" for p in section.paragraphs)
    if section.table:
        parts.append(_html_table(section.table))
    if section.code:
        parts.append(f"<pre>{html.escape(section.code)}</pre>")
    if section.raw_html:
        parts.append(section.raw_html)
    parts.extend(_html_figure(name, caption, figures) for name, caption in section.figures)
    parts.append('<p class="up"><a href="#contents">\u2191 Contents</a></p></section>')
    return parts


def render_html(
    meta: PageMeta,
    sections: list[Section],
    figures: Mapping[str, bytes],
    links: Mapping[str, str] | None = None,
) -> str:
    """The whole page as one HTML document with every figure embedded.

    ``figures`` maps each file name used in ``Section.figures`` to its bytes (PNG or SVG); a
    name it lacks raises ValueError. ``links`` maps phrases to ids on the page (the glossary's
    entries): each section's paragraphs link the first use of each. The page loads nothing: no
    external script, style or image.
    """
    from .interactive import MAP_CSS  # with its plots' colours, and so matplotlib: not at import

    title = html.escape(_one_line(meta.title))
    toc = "".join(
        f'<li><a href="#{_anchor(s.key)}">{html.escape(s.title)}</a></li>' for s in sections
    )
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{title}</title><style>{PAGE_CSS}{MAP_CSS}</style></head><body><main>",
        *_html_header(meta, title),
        f'<nav><h2 id="contents">Contents</h2><ol>{toc}</ol></nav>',
    ]
    links = links or {}
    terms = terms_pattern(links)  # compiled once for the page
    for section in sections:
        parts.extend(_html_section(section, figures, links, terms))
    parts.append(f"</main><script>{ZOOM_SCRIPT}</script></body></html>")
    return "\n".join(part for part in parts if part)


# --------------------------------------------------------------------------- Markdown


def markdown_table(table: Table) -> str:
    """A GitHub-flavoured Markdown table; cells are one line, with pipes and markup escaped."""

    def cell(text: str) -> str:
        return html.escape(" ".join(text.split()), quote=False).replace("|", "\\|")

    lines = ["| " + " | ".join(cell(h) for h in table.header) + " |"]
    lines.append("|" + "---|" * len(table.header))
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines)


def _fence(code: str) -> str:
    """A backtick fence longer than any run of backticks inside ``code``."""
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    return "`" * max(3, longest + 1)


def _markdown_section(section: Section) -> list[str]:
    lines = ["", f'<a id="{_anchor(section.key)}"></a>', "", f"## {md_escape(section.title)}", ""]
    if section.quote:
        lines += ["> " + line if line.strip() else ">" for line in section.quote.splitlines()]
        lines.append("")
    for paragraph in section.paragraphs:
        lines += [paragraph, ""]
    if section.table:
        lines += [markdown_table(section.table), ""]
    if section.code:
        fence = _fence(section.code)
        lines += [fence + "text", section.code, fence, ""]
    if section.markdown:
        lines += [section.markdown, ""]
    for file, caption in section.figures:
        lines += [f"![{md_escape(caption)}](figures/{quote(file)})", ""]
    return lines


def render_markdown(meta: PageMeta, sections: list[Section]) -> str:
    """The page as Markdown; figures stay relative links to ``figures/NAME``."""
    lines = [f"# {md_escape(meta.title)}", ""]
    if _one_line(meta.author):
        lines += [f"By {md_escape(meta.author)}", ""]
    lines += [f"- {md_escape(label)}: {md_escape(value)}" for label, value in meta.rows]
    lines += [
        "",
        "Generated by fashionlab from measured results. "
        + SOURCE_NOTE.format(json="`results.json`"),
        "",
    ]
    lines += ["## Contents", ""]
    lines += [f"{i}. [{md_escape(s.title)}](#{_anchor(s.key)})" for i, s in enumerate(sections, 1)]
    for section in sections:
        lines += _markdown_section(section)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
