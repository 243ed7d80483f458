"""The maths beside the code, as d2l.ai lays it out: each equation of the assignment next to the
function that implements it.

The equations are static MathML (no script; Chromium draws MathML Core itself), and the code is
read live with ``inspect.getsource``, so the page shows the code that produced its numbers. The
Markdown form gives each equation as one line of plain text above a Python block.
"""

from __future__ import annotations

import ast
import html
import inspect
import logging
import re
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..data.preprocessing import bias_trick
from ..models import logistic
from .page import Section

log = logging.getLogger(__name__)

MATHS_KEY = "maths"
MATHS_TITLE = "The maths beside the code"
INTRO = (
    "Each equation of the assignment, numbered as the assignment numbers it, beside the "
    "function of fashionlab that implements it. The code is read from the installed package "
    "when the report is written, so it is the code that produced the numbers in this report."
)


# --------------------------------------------------------------------------- MathML, tiny helpers


def _mi(name: str) -> str:
    if name in _UPRIGHT_IN_CSS:  # italicised by CSS instead of by a maths-alphabet code point
        return f'<mi mathvariant="normal" class="maths-italic">{html.escape(name)}</mi>'
    return f"<mi>{html.escape(name)}</mi>"


# Chromium draws a one-letter <mi> in the Unicode maths alphabet, where italic h is U+210E and
# ŷ has no italic at all; without a maths font those come from another font than their
# neighbours, so these take the text font's italic
_UPRIGHT_IN_CSS = {"h", "ŷ"}


def _mn(number: str) -> str:
    return f"<mn>{number}</mn>"


def _mo(operator: str) -> str:
    return f"<mo>{html.escape(operator)}</mo>"


def _mtext(text: str) -> str:
    return f"<mtext>{html.escape(text)}</mtext>"


def _row(*parts: str) -> str:
    return "<mrow>" + "".join(parts) + "</mrow>"


def _frac(numerator: str, denominator: str) -> str:
    return f"<mfrac>{numerator}{denominator}</mfrac>"


def _sub(base: str, subscript: str) -> str:
    return f"<msub>{base}{subscript}</msub>"


def _sup(base: str, superscript: str) -> str:
    return f"<msup>{base}{superscript}</msup>"


def _sum_over_i() -> str:
    """Σ from i = 1 to n, drawn large by CSS: a large operator needs a maths font in Chromium."""
    sigma = '<mo largeop="false" movablelimits="false" class="maths-sum">∑</mo>'
    return f"<munderover>{sigma}{_row(_mi('i'), _mo('='), _mn('1'))}{_mi('n')}</munderover>"


def _log(argument: str) -> str:
    """log followed by the thin space that TeX puts after an operator name."""
    return _mi("log") + '<mspace width="0.17em"></mspace>' + argument


def _block(*parts: str) -> str:
    return '<math display="block">' + "".join(parts) + "</math>"


def _pixel(column: str, row: str) -> str:
    """x_column^(row): pixel ``column`` of image ``row``."""
    return f"<msubsup>{_mi('x')}{_mn(column)}{_row(_mo('('), _mi(row), _mo(')'))}</msubsup>"


def _matrix(rows: Sequence[Sequence[str]]) -> str:
    """A bracketed matrix; CSS draws the brackets, which stretch without a maths font."""
    cells = "".join("<mtr>" + "".join(f"<mtd>{c}</mtd>" for c in row) + "</mtr>" for row in rows)
    return f'<mtable class="maths-matrix">{cells}</mtable>'


def _cases(rows: Sequence[tuple[str, str]]) -> str:
    """A left brace before (value, condition) rows; the brace is scaled by CSS, as a maths font
    would stretch it (Chromium stretches operators only with one)."""
    cells = "".join(f"<mtr><mtd>{value}</mtd><mtd>{when}</mtd></mtr>" for value, when in rows)
    brace = '<mo stretchy="false" class="maths-brace">{</mo>'
    return _row(brace, f'<mtable columnalign="left" class="maths-cases">{cells}</mtable>')


_ONE_OVER_N = _frac(_mn("1"), _mi("n"))
_THETA = _mi("θ")
_GRADIENT = _sub(_mo("∇"), _THETA) + _mi("J")


# --------------------------------------------------------------------------- the equations


@dataclass(frozen=True)
class Snippet:
    """Source code read live from fashionlab: a whole function, or the lines of one that matter."""

    name: str  # the function's qualified name
    source: str
    excerpt: bool = False

    @property
    def caption(self) -> str:
        return f"{self.name} (excerpt)" if self.excerpt else self.name

    @property
    def markdown_caption(self) -> str:
        return f"`{self.name}` (excerpt)" if self.excerpt else f"`{self.name}`"


@dataclass(frozen=True)
class Equation:
    """One row of the section: an equation (MathML and plain text) and the code beside it."""

    number: str  # the assignment's equation number, "" for one it does not number
    name: str
    mathml: str
    plain: str  # the same equation as one line of plain text, for the Markdown page
    code: tuple[Snippet, ...]

    @property
    def label(self) -> str:
        return f"({self.number}) {self.name}" if self.number else self.name


def _qualified(function: Callable[..., object]) -> str:
    return f"{function.__module__}.{function.__qualname__}"


def _source(function: Callable[..., object]) -> Snippet:
    """The function's whole source, live."""
    return Snippet(_qualified(function), textwrap.dedent(inspect.getsource(function)))


def _excerpt(
    function: Callable[..., object], markers: Sequence[str], *, header: bool = True
) -> Snippet:
    """The first line containing each marker, in order, with ``...`` for the lines left out;
    ``header`` puts the ``def`` line and docstring first. The whole function (and a warning in
    the log) if a marker is missing, so an edit to the code can blur the section, never break it.
    """
    source = textwrap.dedent(inspect.getsource(function))
    lines = source.splitlines()
    definition = ast.parse(source).body[0]
    assert isinstance(definition, ast.FunctionDef)
    first = definition.body[0]
    has_docstring = isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant)
    body_start = (first.end_lineno or first.lineno) if has_docstring else first.lineno - 1
    chosen: list[int] = []
    for marker in markers:
        found = next(
            (i for i, line in enumerate(lines) if marker in line and i >= body_start), None
        )
        if found is None:
            log.warning("%s has no line with %r any more: showing all of it", function, marker)
            return _source(function)
        chosen.append(found)
    shown, previous = (lines[:body_start], body_start - 1) if header else ([], chosen[0] - 1)
    for index in [*chosen, len(lines)]:
        if index > previous + 1:  # a gap: "..." at the indentation of the line after it
            after = lines[index] if index < len(lines) else lines[previous]
            shown.append(after[: len(after) - len(after.lstrip())] + "...")
        if index < len(lines):
            shown.append(lines[index])
        previous = index
    return Snippet(_qualified(function), textwrap.dedent("\n".join(shown)) + "\n", excerpt=True)


def equations() -> list[Equation]:
    """Equations 3 and 5-10 of the assignment (and accuracy), in its order, with their code."""
    derivative = logistic.binary_cross_entropy_derivative
    h_i, y_i = _sub(_mi("h"), _mi("i")), _sub(_mi("y"), _mi("i"))
    return [
        Equation(
            "3",
            "Bias trick",
            _block(
                _mi("X"),
                _mo("="),
                _matrix(
                    [
                        [_mn("1"), _pixel("1", "1"), _mo("⋯"), _pixel("784", "1")],
                        [_mo("⋮"), _mo("⋮"), _mo("⋱"), _mo("⋮")],
                        [_mn("1"), _pixel("1", "n"), _mo("⋯"), _pixel("784", "n")],
                    ]
                ),
                _mo("∈"),
                _sup(_mi("ℝ"), _row(_mi("n"), _mo("×"), _mn("785"))),
            ),
            "X = [1 | x⁽ⁱ⁾]: a leading 1 before the 784 pixels of each image, X of shape (n, 785)",
            (_source(bias_trick),),
        ),
        Equation(
            "5",
            "Linear part",
            _block(
                _mi("z"),
                _mo("="),
                _mi("X"),
                _THETA,
                _mo(","),
                "<mspace width='1em'></mspace>",
                _THETA,
                _mo("∈"),
                _sup(_mi("ℝ"), _row(_mn("785"), _mo("×"), _mn("1"))),
            ),
            "z = X θ, θ of shape (785, 1), θ₀ the bias weight",
            (_excerpt(derivative, ["# eq. 5"]),),
        ),
        Equation(
            "6",
            "Sigmoid",
            _block(
                _mi("h"),
                _mo("="),
                _mi("σ"),
                _row(_mo("("), _mi("z"), _mo(")")),
                _mo("="),
                _frac(_mn("1"), _row(_mn("1"), _mo("+"), _sup(_mi("e"), _row(_mo("−"), _mi("z"))))),
            ),
            "h = σ(z) = 1 / (1 + e^(−z))",
            (_source(logistic.sigmoid),),
        ),
        Equation(
            "7",
            "Prediction",
            _block(
                _mi("ŷ"),
                _mo("="),
                _mi("round"),
                _row(_mo("("), _mi("h"), _mo(")")),
                _mo("="),
                _cases(
                    [
                        (_mn("1"), _row(_mtext("if\u00a0"), _mi("h"), _mo("≥"), _mn("0.5"))),
                        (_mn("0"), _mtext("otherwise")),
                    ]
                ),
            ),
            "ŷ = round(h): 1 when h ≥ 0.5, else 0",
            (_source(logistic.predict),),
        ),
        Equation(
            "",
            "Accuracy",
            _block(
                _mtext("accuracy"),
                _mo("="),
                _ONE_OVER_N,
                _sum_over_i(),
                _row(_mo("["), _sub(_mi("ŷ"), _mi("i")), _mo("="), y_i, _mo("]")),
            ),
            "accuracy = (1/n) Σᵢ [ŷᵢ = yᵢ], the share of images predicted right",
            (_source(logistic.accuracy),),
        ),
        Equation(
            "8",
            "Binary cross-entropy",
            _block(
                _mi("J"),
                _row(_mo("("), _THETA, _mo(")")),
                _mo("="),
                _mo("−"),
                _ONE_OVER_N,
                _sum_over_i(),
                _row(
                    _mo("["),
                    y_i,
                    _log(h_i),
                    _mo("+"),
                    _row(_mo("("), _mn("1"), _mo("−"), y_i, _mo(")")),
                    _log(_row(_mo("("), _mn("1"), _mo("−"), h_i, _mo(")"))),
                    _mo("]"),
                ),
            ),
            "J(θ) = −(1/n) Σᵢ [ yᵢ log hᵢ + (1 − yᵢ) log(1 − hᵢ) ]",
            (_source(logistic.binary_cross_entropy),),
        ),
        Equation(
            "9",
            "Gradient",
            _block(
                _GRADIENT,
                _mo("="),
                _ONE_OVER_N,
                _sup(_mi("X"), _mi("T")),
                _row(_mo("("), _mi("H"), _mo("−"), _mi("Y"), _mo(")")),
            ),
            "∇J = (1/n) Xᵀ (H − Y)",
            (_source(logistic.bce_gradient), _source(derivative)),
        ),
        Equation(
            "10",
            "Gradient descent",
            _block(_THETA, _mo("←"), _THETA, _mo("−"), _mi("α"), _GRADIENT),
            "θ ← θ − α ∇J, α the learning rate, from θ = 0",
            (
                _excerpt(
                    logistic._descend,
                    ["np.zeros(", "for step in", "# eqs. 5-6", "# eq. 10"],
                    header=False,
                ),
            ),
        ),
    ]


# --------------------------------------------------------------------------- layout

MATHS_CSS = """
.maths-row{display:grid;grid-template-columns:minmax(0,9fr) minmax(0,11fr);gap:8px 20px;
align-items:start;border-top:1px solid #e3e7ee;padding:12px 0}
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
@media (max-width:700px){.maths-row{grid-template-columns:minmax(0,1fr)}
.maths-formula math{font-size:1.05rem}}
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
    """The rows as trusted HTML: a style block, then one two-column grid row per equation."""
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
    return Section(
        MATHS_KEY,
        MATHS_TITLE,
        paragraphs=[INTRO],
        raw_html=maths_html(rows),
        markdown=maths_markdown(rows),
    )
