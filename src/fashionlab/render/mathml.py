"""Tiny MathML builders: each returns a string of MathML Core markup (no script, no fonts)."""

from __future__ import annotations

import html
from collections.abc import Sequence


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
