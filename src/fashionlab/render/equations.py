"""The assignment's equations as MathML, each paired with the live source of the code that
implements it (``inspect.getsource``), for ``maths.maths_section``.
"""

from __future__ import annotations

import ast
import inspect
import logging
import textwrap
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from ..data.preprocessing import bias_trick
from ..models import logistic
from .mathml import (
    _GRADIENT,
    _ONE_OVER_N,
    _THETA,
    _block,
    _cases,
    _frac,
    _log,
    _matrix,
    _mi,
    _mn,
    _mo,
    _mtext,
    _pixel,
    _row,
    _sub,
    _sum_over_i,
    _sup,
)

log = logging.getLogger(__name__)

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


def _forward_equations() -> list[Equation]:
    """Equations 3 and 5-7: the bias trick, the linear part, the sigmoid and the prediction."""
    return _linear_equations() + _output_equations()


def _linear_equations() -> list[Equation]:
    """Equations 3 and 5: the bias trick and the linear part."""
    derivative = logistic.binary_cross_entropy_derivative
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
    ]


def _output_equations() -> list[Equation]:
    """Equations 6 and 7: the sigmoid and the prediction."""
    return [
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
    ]


def _training_equations() -> list[Equation]:
    """Accuracy and equations 8-10: the loss, its gradient and the update."""
    return _loss_equations() + _gradient_equations()


def _loss_equations() -> list[Equation]:
    """Accuracy and equation 8, the loss."""
    h_i, y_i = _sub(_mi("h"), _mi("i")), _sub(_mi("y"), _mi("i"))
    return [
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
    ]


def _gradient_equations() -> list[Equation]:
    """Equations 9 and 10: the gradient and the update."""
    derivative = logistic.binary_cross_entropy_derivative
    return [
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


def equations() -> list[Equation]:
    """Equations 3 and 5-10 of the assignment (and accuracy), in its order, with their code."""
    return _forward_equations() + _training_equations()
