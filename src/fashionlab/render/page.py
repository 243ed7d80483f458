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

# What the page says of its numbers; {json} is results.json, as code in HTML or in Markdown
SOURCE_NOTE = ("Every number below is in {json} or computed from it: an interval, a ratio or a "
               "difference from its values, a test from the counts or the per-image scores it "
               "keeps.")  # fmt: skip


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
    "jax on cpu"), ("seeds", "0 (networks); 0 (t-SNE); 42 (the assignment's shuffle)"). Leave a row out when unknown.
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

_CSS = """
*,*::before,*::after{box-sizing:border-box}
html{-webkit-text-size-adjust:100%}
body{font:16px/1.55 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:#1d2430;
margin:0;background:#f6f7f9}
main{max-width:980px;margin:0 auto;padding:24px 28px 60px;background:#fff;min-height:100vh}
h1{font-size:1.9rem;line-height:1.2;margin:.2em 0}h2{border-bottom:2px solid #e3e7ee;
padding-bottom:.2em;margin-top:2.2em;line-height:1.25}
h1,h2,p,li,dd,blockquote,figcaption{overflow-wrap:anywhere}
.byline{margin:.2em 0;font-size:1.05rem}.meta{color:#5b6575}
.run{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:1px 12px;margin:.8em 0;
font-size:.85rem;color:#3d4757;background:#f6f8fa;border:1px solid #e3e7ee;border-radius:4px;
padding:6px 10px}.run div{display:contents}.run dt{font-weight:600}.run dd{margin:0}
blockquote{margin:1em 0;padding:.6em 1em;background:#f1f5fb;border-left:4px solid #4a7bd0;
color:#28354a}figure{margin:1.2em 0;text-align:center}
figure img{max-width:100%;height:auto;border:1px solid #e3e7ee;border-radius:4px}
figcaption{color:#5b6575;font-size:.9rem}
.terms dt{font-weight:600;margin-top:.8em}.terms dd{margin:.2em 0 0 1.2em}
@media (max-width:980px){figure img{cursor:zoom-in}figcaption::after{content:" Tap the figure to "
"enlarge it."}figure.zoomed{overflow-x:auto}figure.zoomed img{max-width:none;cursor:zoom-out}
figure.zoomed figcaption::after{content:" Tap it again to fit it to the screen."}}
.scroll{overflow-x:auto;max-width:100%;margin:1em 0;background:
linear-gradient(90deg,#fff 30%,#fff0) left/32px 100% no-repeat local,
linear-gradient(270deg,#fff 30%,#fff0) right/32px 100% no-repeat local,
radial-gradient(farthest-side at 0 50%,#0003,#0000) left/12px 100% no-repeat scroll,
radial-gradient(farthest-side at 100% 50%,#0003,#0000) right/12px 100% no-repeat scroll}
table{border-collapse:collapse;font-size:.93rem}
th,td{border:1px solid #dde2ea;padding:4px 10px;text-align:left;vertical-align:top}
th{background:#f1f3f7}pre{background:#f6f8fa;padding:12px;overflow-x:auto;max-width:100%;
font-size:.8rem;line-height:1.25}nav ol{columns:2}a{color:#2457b5}
@media (max-width:600px){main{padding:14px 12px 40px}h1{font-size:1.45rem}nav ol{columns:1;
padding-left:1.4em}th,td{padding:3px 6px}}
@media print{body{background:#fff;color:#000;font-size:11pt}main{max-width:none;padding:0;
min-height:0}nav{display:none}h2{break-after:avoid}figure,tr,pre,blockquote,.run{break-inside:avoid}
figure img{max-height:8.5in;border:0}figcaption::after{content:none}.scroll{overflow:visible;background:none}
a{color:#000;text-decoration:none}
.meta,figcaption,blockquote,.run,th{color:#000;background:none}}
"""


def _anchor(key: str) -> str:
    return re.sub(r"[^a-z0-9_-]", "-", key.lower())


def _html_table(table: Table) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.header)
    body = "".join(
        "<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in table.rows
    )
    table_html = f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
    return f'<div class="scroll">{table_html}</div>'  # a wide table scrolls, not the page


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


def _html_section(section: Section, figures: Mapping[str, bytes]) -> list[str]:
    parts = [f'<section id="{_anchor(section.key)}"><h2>{html.escape(section.title)}</h2>']
    if section.quote:
        parts.append(f"<blockquote>{html.escape(section.quote)}</blockquote>")
    parts.extend(f"<p>{html.escape(p)}</p>" for p in section.paragraphs)
    if section.table:
        parts.append(_html_table(section.table))
    if section.code:
        parts.append(f"<pre>{html.escape(section.code)}</pre>")
    if section.raw_html:
        parts.append(section.raw_html)
    parts.extend(_html_figure(name, caption, figures) for name, caption in section.figures)
    parts.append("</section>")
    return parts


def render_html(meta: PageMeta, sections: list[Section], figures: Mapping[str, bytes]) -> str:
    """The whole page as one HTML document with every figure embedded.

    ``figures`` maps each file name used in ``Section.figures`` to its bytes (PNG or SVG); a
    name it lacks raises ValueError. The page loads nothing: no external script, style or image.
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
        f"<title>{title}</title><style>{_CSS}{MAP_CSS}</style></head><body><main>",
        *_html_header(meta, title),
        f'<nav><h2 id="contents">Contents</h2><ol>{toc}</ol></nav>',
    ]
    for section in sections:
        parts.extend(_html_section(section, figures))
    parts.append(f"</main><script>{_ZOOM}</script></body></html>")
    return "\n".join(part for part in parts if part)


# a figure shrunk to a phone's width is shown at its own size, scrolling sideways, when tapped
_ZOOM = ('addEventListener("click",e=>{if(e.target.matches("figure>img"))'
         'e.target.parentElement.classList.toggle("zoomed")})')  # fmt: skip


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
    lines += ["", "Generated by fashionlab from measured results. "
              + SOURCE_NOTE.format(json="`results.json`"), ""]  # fmt: skip
    lines += ["## Contents", ""]
    lines += [f"{i}. [{md_escape(s.title)}](#{_anchor(s.key)})" for i, s in enumerate(sections, 1)]
    for section in sections:
        lines += _markdown_section(section)
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip() + "\n"
