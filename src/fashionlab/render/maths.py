"""The maths beside the code, as d2l.ai lays it out: each equation of the assignment next to the
function that implements it.

The equations are static MathML (no script; Chromium draws MathML Core itself), and the code is
read live with ``inspect.getsource``, so the page shows the code that produced its numbers. The
Markdown form gives each equation as one line of plain text above a Python block.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence

from .equations import Equation, equations
from .page import Section

MATHS_KEY = "maths"
MATHS_TITLE = "The maths beside the code"
INTRO = (
    "Each equation of the assignment, numbered as the assignment numbers it, with the function "
    "of fashionlab that implements it{where}. The code is read from the installed package "
    "when the report is written, so it is the code that produced the numbers in this report."
)


# --------------------------------------------------------------------------- layout

MATHS_CSS = """
.maths-row{display:grid;grid-template-columns:minmax(0,1fr);gap:8px 20px;
align-items:start;border-top:1px solid #e3e7ee;padding:12px 0}
@media (min-width:1400px){.maths{width:min(100vw - 40px,1600px);padding:0 24px;
margin-left:calc(50% - min(50vw - 20px,800px));background:#fff;border-radius:4px}
.maths-row{grid-template-columns:minmax(0,3fr) minmax(0,5fr)}}
.maths-label{margin:0 0 .3em;font-weight:600}
.maths-formula{overflow-x:auto;max-width:100%;padding:2px 0}
.maths-formula math{font-size:1.2rem;margin:.3em 0}.maths-sum{font-size:1.45em}
.maths-matrix{padding:0 .3em;border:solid currentColor;border-width:0 1.5px;
--tick:linear-gradient(currentColor,currentColor);background-repeat:no-repeat;
background-image:var(--tick),var(--tick),var(--tick),var(--tick);
background-size:.35em 1.5px;background-position:0 0,100% 0,0 100%,100% 100%}
.maths-italic{font-style:italic}
.maths-cases mtd{padding:.1em .4em}
.maths-brace{display:inline-block;transform:scaleY(2.1);padding-right:.15em}
.maths-source{margin:0 0 .3em;font-size:.8rem;color:#5b6575;overflow-wrap:anywhere}
.maths-code pre{margin:0 0 .5em;white-space:pre}
@media (max-width:700px){.maths-formula math{font-size:1.05rem}}
@media print{.maths-row{break-inside:avoid}.maths-code pre{white-space:pre-wrap}}
"""


def _html_row(equation: Equation) -> str:
    code = "".join(
        f'<p class="maths-source"><code>{html.escape(snippet.caption)}</code></p>'
        f"<pre><code>{html.escape(snippet.source)}</code></pre>"
        for snippet in equation.code
    )
    anchor = f"maths-eq{equation.number}" if equation.number else "maths-accuracy"
    return (
        f'<div class="maths-row" id="{anchor}">'
        f'<div class="maths-eq"><p class="maths-label">{html.escape(equation.label)}</p>'
        f'<div class="maths-formula">{equation.mathml}</div></div>'
        f'<div class="maths-code">{code}</div></div>'
    )


def maths_html(rows: Sequence[Equation]) -> str:
    """The rows as trusted HTML: a style block, then one grid row per equation: the equation
    beside its code where the window is wide enough to show both whole (code lines are up to 100
    characters), else the equation above its code, each at the page's full width."""
    return f'<style>{MATHS_CSS}</style><div class="maths">{"".join(map(_html_row, rows))}</div>'


def _fence(code: str) -> str:
    longest = max((len(run) for run in re.findall(r"`+", code)), default=0)
    return "`" * max(3, longest + 1)


def maths_markdown(rows: Sequence[Equation]) -> str:
    """The rows as Markdown: a bold label, the equation as plain text, then each function."""
    blocks: list[str] = []
    for equation in rows:
        blocks.append(f"**{equation.label}.** `{equation.plain}`")
        for snippet in equation.code:
            fence = _fence(snippet.source)
            code = f"{fence}python\n{snippet.source.rstrip()}\n{fence}"
            blocks.append(f"{snippet.markdown_caption}:\n\n{code}")
    return "\n\n".join(blocks)


def maths_section() -> Section:
    """The report's "maths beside the code" section, for HTML (MathML grid) and Markdown."""
    rows = equations()
    on_page = INTRO.format(where=": beside it on a wide screen, below it otherwise")
    return Section(
        MATHS_KEY,
        MATHS_TITLE,
        raw_html=f"<p>{html.escape(on_page)}</p>{maths_html(rows)}",
        markdown=f"{INTRO.format(where=', below it')}\n\n{maths_markdown(rows)}",
    )
