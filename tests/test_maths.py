"""The maths beside the code: every equation in MathML next to the live source of its function,
a readable Markdown form, and a page that draws the MathML and fits a phone in headless Chromium."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from fashionlab.data.preprocessing import bias_trick
from fashionlab.models import logistic
from fashionlab.render import equations, maths
from fashionlab.render import page as layout
from fashionlab.render.page import PageMeta

ASSIGNMENT_EQUATIONS = ["3", "5", "6", "7", "8", "9", "10"]


def code_of(number: str) -> list[equations.Snippet]:
    return list(next(e for e in equations.equations() if e.number == number).code)


def test_every_equation_is_mathml_and_there_is_no_script() -> None:
    section = maths.maths_section()
    assert section.raw_html is not None
    assert [e.number for e in equations.equations() if e.number] == ASSIGNMENT_EQUATIONS
    assert section.raw_html.count('<math display="block">') == len(equations.equations()) >= 7
    assert section.raw_html.count("<math") == section.raw_html.count("</math>")
    for number in ASSIGNMENT_EQUATIONS:
        row = re.search(f'id="maths-eq{number}".*?</math>', section.raw_html)
        assert row is not None, f"no MathML row for eq. {number}"
    assert "<script" not in section.raw_html.lower()


@pytest.mark.parametrize(
    "number, function",
    [
        ("3", bias_trick),
        ("6", logistic.sigmoid),
        ("7", logistic.predict),
        ("8", logistic.binary_cross_entropy),
        ("8", logistic.bce),
        ("9", logistic.bce_gradient),
        ("9", logistic.binary_cross_entropy_derivative),
    ],
)
def test_the_code_beside_an_equation_is_the_live_source(number: str, function) -> None:
    sources = {snippet.name: snippet.source for snippet in code_of(number)}
    name = f"{function.__module__}.{function.__qualname__}"
    assert sources[name] == inspect.getsource(function)


def test_accuracy_sits_beside_its_formula() -> None:
    accuracy, formula = next(e for e in equations.equations() if e.name == "Accuracy").code
    assert accuracy.source == inspect.getsource(logistic.accuracy)
    assert formula.source == inspect.getsource(logistic.share_right)


@pytest.mark.parametrize("number", ["7", "8", "9", "Accuracy"])
def test_each_equations_code_shows_its_formula_not_only_a_call(number: str) -> None:
    """A code review: eq. 8's code was ``return loss(*checked(y, h))``, with no formula to read."""
    equation = next(e for e in equations.equations() if number in (e.number, e.name))
    shown = "".join(snippet.source for snippet in equation.code)
    formula = {"7": ">= 0.5", "8": "np.log(1 - h)", "9": "X.T @ (h -", "Accuracy": "np.mean("}
    assert formula[number] in shown


def test_excerpts_are_the_live_lines_and_only_those() -> None:
    (linear,) = code_of("5")
    assert linear.excerpt and "    z = X @ theta  # eq. 5\n" in linear.source
    assert "sigmoid" not in linear.source  # eq. 6 is left to its own row
    (update,) = code_of("10")
    whole = inspect.getsource(logistic._descend)
    line = next(x.strip() for x in whole.splitlines() if x.strip().startswith("theta = theta -"))
    assert line.endswith("# eq. 10") and "bce_gradient(" in line
    assert f"    {line}\n" in update.source  # inside the loop, as in the source
    assert update.source.startswith("theta = np.zeros(") and "for step in range(" in update.source
    assert "history" not in update.source  # the loop's bookkeeping is left out
    assert len(update.source.splitlines()) < len(whole.splitlines()) / 3


def test_a_missing_marker_shows_the_whole_function(caplog: pytest.LogCaptureFixture) -> None:
    snippet = equations._excerpt(logistic.sigmoid, ["no such line"])
    assert snippet.source == inspect.getsource(logistic.sigmoid) and not snippet.excerpt
    assert "no such line" in caplog.text


def test_code_is_escaped_in_html() -> None:
    html = maths.maths_html(equations.equations())
    assert "np.where(z &gt;= 0" in html and "np.where(z >= 0" not in html  # sigmoid's source


def test_markdown_gives_each_equation_as_text_and_each_function_as_python() -> None:
    markdown = layout.render_markdown(PageMeta(title="t"), [maths.maths_section()])
    assert "<math" not in markdown and "<style" not in markdown
    for text in [
        "z = X θ",
        "h = σ(z) = 1 / (1 + e^(−z))",
        "ŷ = round(h)",
        "J(θ) = −(1/n) Σᵢ [ yᵢ log hᵢ + (1 − yᵢ) log(1 − hᵢ) ]",
        "∇J = (1/n) Xᵀ (H − Y)",
        "θ ← θ − α ∇J",
        "(785, 1)",
        "(n, 785)",
    ]:
        assert text in markdown
    for equation in equations.equations():
        assert f"**{equation.label}.** `{equation.plain}`" in markdown
        for snippet in equation.code:
            assert f"```python\n{snippet.source}```" in markdown
    assert markdown.index("(3) Bias trick") < markdown.index("(6) Sigmoid") < markdown.index("(10)")
    assert "the function of fashionlab that implements it, below it." in markdown  # no wide screen
    assert "wide screen" not in markdown and "wide screen" in (maths.maths_section().raw_html or "")


# --------------------------------------------------------------------------- Chromium


@pytest.mark.slow
@pytest.mark.parametrize("width", [1400, 1000, 390])
def test_chromium_draws_the_mathml_and_the_page_fits(browser, tmp_path: Path, width: int) -> None:
    path = tmp_path / "index.html"
    path.write_text(layout.render_html(PageMeta(title="t"), [maths.maths_section()], {}), "utf-8")
    with browser.new_context(viewport={"width": width, "height": 900}) as context:
        tab = context.new_page()
        errors: list[str] = []
        tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        tab.on("pageerror", lambda e: errors.append(str(e)))
        tab.goto(path.as_uri(), wait_until="load")
        sizes = tab.eval_on_selector_all(
            "math",
            "ms => ms.map(m => [m.getBoundingClientRect().width, m.getBoundingClientRect().height])",
        )
        assert len(sizes) == len(equations.equations())
        assert all(w > 20 and h > 10 for w, h in sizes), sizes  # drawn as maths, not collapsed
        fraction = tab.eval_on_selector("#maths-eq6 mfrac", "f => f.getBoundingClientRect().height")
        line = tab.eval_on_selector(
            "#maths-eq6 .maths-label", "p => p.getBoundingClientRect().height"
        )
        assert fraction > line  # the fraction stacks: MathML layout, not a line of text
        formulas = "fs => fs.map(f => f.scrollWidth - f.clientWidth)"
        assert max(tab.eval_on_selector_all(".maths-formula", formulas)) <= 0  # no equation cut off
        overflow = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert overflow[0] <= overflow[1], f"page scrolls sideways at {width}px: {overflow}"
        columns = tab.eval_on_selector(
            ".maths-row", "r => getComputedStyle(r).gridTemplateColumns.split(' ').length"
        )
        assert columns == (2 if width >= 1400 else 1)
        if width >= 1000:  # code cut off at the right edge, behind a scroll bar: a third of a line
            hidden = "ps => ps.map(p => p.scrollWidth - p.clientWidth)"
            assert max(tab.eval_on_selector_all(".maths-code pre", hidden)) <= 0
        tab.locator("#maths").scroll_into_view_if_needed()
        tab.screenshot(path=tmp_path / f"maths_{width}.png", full_page=True)
        assert errors == []
