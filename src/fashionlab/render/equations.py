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
    GRADIENT,
    ONE_OVER_N,
    THETA,
    block,
    cases,
    frac,
    log_of,
    matrix,
    mi,
    mn,
    mo,
    mtext,
    pixel,
    row,
    sub,
    sum_over_i,
    sup,
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
    if not isinstance(definition, ast.FunctionDef):
        raise TypeError(f"{function!r} is not a function defined with def")
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
            block(
                mi("X"),
                mo("="),
                matrix(
                    [
                        [mn("1"), pixel("1", "1"), mo("⋯"), pixel("784", "1")],
                        [mo("⋮"), mo("⋮"), mo("⋱"), mo("⋮")],
                        [mn("1"), pixel("1", "n"), mo("⋯"), pixel("784", "n")],
                    ]
                ),
                mo("∈"),
                sup(mi("ℝ"), row(mi("n"), mo("×"), mn("785"))),
            ),
            "X = [1 | x⁽ⁱ⁾]: a leading 1 before the 784 pixels of each image, X of shape (n, 785)",
            (_source(bias_trick),),
        ),
        Equation(
            "5",
            "Linear part",
            block(
                mi("z"),
                mo("="),
                mi("X"),
                THETA,
                mo(","),
                "<mspace width='1em'></mspace>",
                THETA,
                mo("∈"),
                sup(mi("ℝ"), row(mn("785"), mo("×"), mn("1"))),
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
            block(
                mi("h"),
                mo("="),
                mi("σ"),
                row(mo("("), mi("z"), mo(")")),
                mo("="),
                frac(mn("1"), row(mn("1"), mo("+"), sup(mi("e"), row(mo("−"), mi("z"))))),
            ),
            "h = σ(z) = 1 / (1 + e^(−z))",
            (_source(logistic.sigmoid),),
        ),
        Equation(
            "7",
            "Prediction",
            block(
                mi("ŷ"),
                mo("="),
                mi("round"),
                row(mo("("), mi("h"), mo(")")),
                mo("="),
                cases(
                    [
                        (mn("1"), row(mtext("if\u00a0"), mi("h"), mo("≥"), mn("0.5"))),
                        (mn("0"), mtext("otherwise")),
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
    h_i, y_i = sub(mi("h"), mi("i")), sub(mi("y"), mi("i"))
    return [
        Equation(
            "",
            "Accuracy",
            block(
                mtext("accuracy"),
                mo("="),
                ONE_OVER_N,
                sum_over_i(),
                row(mo("["), sub(mi("ŷ"), mi("i")), mo("="), y_i, mo("]")),
            ),
            "accuracy = (1/n) Σᵢ [ŷᵢ = yᵢ], the share of images predicted right",
            (_source(logistic.accuracy), _source(logistic.share_right)),
        ),
        Equation(
            "8",
            "Binary cross-entropy",
            block(
                mi("J"),
                row(mo("("), THETA, mo(")")),
                mo("="),
                mo("−"),
                ONE_OVER_N,
                sum_over_i(),
                row(
                    mo("["),
                    y_i,
                    log_of(h_i),
                    mo("+"),
                    row(mo("("), mn("1"), mo("−"), y_i, mo(")")),
                    log_of(row(mo("("), mn("1"), mo("−"), h_i, mo(")"))),
                    mo("]"),
                ),
            ),
            "J(θ) = −(1/n) Σᵢ [ yᵢ log hᵢ + (1 − yᵢ) log(1 − hᵢ) ]",
            (_source(logistic.binary_cross_entropy), _source(logistic.bce)),
        ),
    ]


def _gradient_equations() -> list[Equation]:
    """Equations 9 and 10: the gradient and the update."""
    derivative = logistic.binary_cross_entropy_derivative
    return [
        Equation(
            "9",
            "Gradient",
            block(
                GRADIENT,
                mo("="),
                ONE_OVER_N,
                sup(mi("X"), mi("T")),
                row(mo("("), mi("H"), mo("−"), mi("Y"), mo(")")),
            ),
            "∇J = (1/n) Xᵀ (H − Y)",
            (_source(logistic.bce_gradient), _source(derivative)),
        ),
        Equation(
            "10",
            "Gradient descent",
            block(THETA, mo("←"), THETA, mo("−"), mi("α"), GRADIENT),
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
