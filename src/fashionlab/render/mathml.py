"""Tiny MathML builders: each returns a string of MathML Core markup (no script, no fonts)."""

from __future__ import annotations

import html
from collections.abc import Sequence


def mi(name: str) -> str:
    if name in _UPRIGHT_IN_CSS:  # italicised by CSS instead of by a maths-alphabet code point
        return f'<mi mathvariant="normal" class="maths-italic">{html.escape(name)}</mi>'
    return f"<mi>{html.escape(name)}</mi>"


# Chromium draws a one-letter <mi> in the Unicode maths alphabet, where italic h is U+210E and
# ŷ has no italic at all; without a maths font those come from another font than their
# neighbours, so these take the text font's italic
_UPRIGHT_IN_CSS = {"h", "ŷ"}


def mn(number: str) -> str:
    return f"<mn>{number}</mn>"


def mo(operator: str) -> str:
    return f"<mo>{html.escape(operator)}</mo>"


def mtext(text: str) -> str:
    return f"<mtext>{html.escape(text)}</mtext>"


def row(*parts: str) -> str:
    return "<mrow>" + "".join(parts) + "</mrow>"


def frac(numerator: str, denominator: str) -> str:
    return f"<mfrac>{numerator}{denominator}</mfrac>"


def sub(base: str, subscript: str) -> str:
    return f"<msub>{base}{subscript}</msub>"


def sup(base: str, superscript: str) -> str:
    return f"<msup>{base}{superscript}</msup>"


def sum_over_i() -> str:
    """Σ from i = 1 to n, drawn large by CSS: a large operator needs a maths font in Chromium."""
    sigma = '<mo largeop="false" movablelimits="false" class="maths-sum">∑</mo>'
    return f"<munderover>{sigma}{row(mi('i'), mo('='), mn('1'))}{mi('n')}</munderover>"


def log_of(argument: str) -> str:
    """log followed by the thin space that TeX puts after an operator name."""
    return mi("log") + '<mspace width="0.17em"></mspace>' + argument


def block(*parts: str) -> str:
    return '<math display="block">' + "".join(parts) + "</math>"


def pixel(column: str, image: str) -> str:
    """x_column^(image): pixel ``column`` of image ``image``."""
    return f"<msubsup>{mi('x')}{mn(column)}{row(mo('('), mi(image), mo(')'))}</msubsup>"


def matrix(rows: Sequence[Sequence[str]]) -> str:
    """A bracketed matrix; CSS draws the brackets, which stretch without a maths font."""
    cells = "".join("<mtr>" + "".join(f"<mtd>{c}</mtd>" for c in row) + "</mtr>" for row in rows)
    return f'<mtable class="maths-matrix">{cells}</mtable>'


def cases(rows: Sequence[tuple[str, str]]) -> str:
    """A left brace before (value, condition) rows; the brace is scaled by CSS, as a maths font
    would stretch it (Chromium stretches operators only with one)."""
    cells = "".join(f"<mtr><mtd>{value}</mtd><mtd>{when}</mtd></mtr>" for value, when in rows)
    brace = '<mo stretchy="false" class="maths-brace">{</mo>'
    return row(brace, f'<mtable columnalign="left" class="maths-cases">{cells}</mtable>')


ONE_OVER_N = frac(mn("1"), mi("n"))
THETA = mi("θ")
GRADIENT = sub(mo("∇"), THETA) + mi("J")
