"""``fashionlab run`` end to end on the real data (reduced sizes), checked as a person would."""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest
from test_answers import formatted_values, numbers_in

from fashionlab import cli, extras
from fashionlab.models import softmax
from fashionlab.render import answers

pytestmark = [pytest.mark.slow, pytest.mark.realdata]

TITLE = "<script>alert('title')</script> Pullovers & Coats"
AUTHOR = "Ada <b>Lovelace</b>"
FIGURES = {
    "q1_image_raw.png", "q1_image_normalised.png", "q1_grid.png", "pca_variance.png",
    "tsne_all.png", "tsne_trouser_ankleboot.png", "tsne_pullover_coat.png",
    "logreg_trouser_ankleboot.png", "logreg_pullover_coat.png", "nn_loss.png", "nn_accuracy.png",
    "atlas_logreg.png", "atlas_weights.png", "weights_trouser_ankleboot.png", "weights_pullover_coat.png",
    "errors_logisticregression.png", "errors_neuralnetwork.png", "softmax_confusion.png",
}  # fmt: skip


@pytest.fixture(scope="module")
def report(real_data_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("study") / "report"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("report-cache")))
        patch.setattr(extras, "ALL_PAIRS", extras.ALL_PAIRS[:3])
        patch.setattr(extras, "ATLAS_EPOCHS", 2)
        patch.setattr(extras, "TEN_CLASS_EPOCHS", 1)
        patch.setattr(softmax, "EPOCHS", 2)
        status = cli.main(["run", "--out", str(out), "--points", "1500", "--epochs", "4",
                           "--title", TITLE, "--author", AUTHOR])  # fmt: skip
    assert status == 0
    return out


def test_every_output_is_written(report: Path) -> None:
    assert {p.name for p in report.iterdir()} == {
        "index.html",
        "report.md",
        "results.json",
        "figures",
    }
    assert {p.name for p in (report / "figures").iterdir()} == FIGURES
    assert not list(report.parent.glob(".report.*"))  # no staging directory left behind


def test_no_placeholder_text_anywhere(report: Path) -> None:
    for path in (report / "index.html", report / "report.md", report / "results.json"):
        text = path.read_text().upper()
        assert "YOUR ANSWER HERE" not in text and "YOUR CODE HERE" not in text


def test_every_question_is_quoted_and_answered(report: Path) -> None:
    html, markdown = (report / "index.html").read_text(), (report / "report.md").read_text()
    results = json.loads((report / "results.json").read_text())
    for key, paragraphs in answers.compose(results).items():
        title = answers.QUESTIONS[key][0]
        assert f"<h2>{title}</h2>" in html and f"## {title}" in markdown
        for paragraph in paragraphs:
            assert paragraph in markdown
    assert "Configuration" in html and "Library versions" in html


def test_every_number_in_the_answers_is_in_results_json(report: Path) -> None:
    results = json.loads((report / "results.json").read_text())
    text = " ".join(" ".join(p) for p in answers.compose(results).values())
    allowed = formatted_values(results)
    assert numbers_in(text) - allowed == set()


def test_user_text_is_escaped(report: Path) -> None:
    html, markdown = (report / "index.html").read_text(), (report / "report.md").read_text()
    assert "<script>alert" not in html and "<b>Lovelace" not in html
    assert "&lt;script&gt;alert(&#x27;title&#x27;)&lt;/script&gt; Pullovers &amp; Coats" in html
    assert "<script>alert" not in markdown and "<b>" not in markdown
    assert r"\<script\>" in markdown


def test_results_json_holds_the_measurements(report: Path) -> None:
    results = json.loads((report / "results.json").read_text())
    assert results["embedding"]["points"] == 1500
    assert results["logreg"]["Pullover vs Coat"]["n_val"] == 2400
    assert 0.80 <= results["logreg"]["Pullover vs Coat"]["val_accuracy"] <= 0.85
    assert results["network"]["epochs_run"] <= 4
    assert set(results["timings"]) >= {"stages", "models", "cache", "total"}
    assert len(results["extras"]["atlas"]["pairs"]) == 3
    assert "_interactive_html" not in results["extras"]


@pytest.fixture(scope="module")
def browser():
    chromium = shutil.which("chromium")
    if chromium is None:
        message = "Debian's chromium is not installed (apt-get install chromium)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=chromium,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )  # fmt: skip
        yield launched
        launched.close()


def test_page_in_a_real_browser(report: Path, browser, tmp_path: Path) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    page.goto((report / "index.html").as_uri())
    page.wait_for_load_state("load")
    page.evaluate("Array.from(document.images).forEach(i => i.loading = 'eager')")
    page.wait_for_function("Array.from(document.images).every(i => i.complete)")
    widths = page.evaluate("Array.from(document.images).map(i => i.naturalWidth)")
    assert len(widths) == len(FIGURES) and min(widths) > 0
    headings = page.evaluate("Array.from(document.querySelectorAll('h2')).map(h => h.textContent)")
    for title, _ in answers.QUESTIONS.values():
        assert title in headings
    assert page.evaluate("document.querySelectorAll('nav a').length") == len(headings) - 1
    assert problems == []
    shot = Path(os.environ.get("FASHIONLAB_SCREENSHOTS", tmp_path)) / "report.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 10_000


def test_interactive_map_hover_and_legend(report: Path, browser) -> None:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    page.goto((report / "index.html").as_uri())
    page.locator("#tsne-interactive").scroll_into_view_if_needed()
    point = page.locator("#tsne-interactive .scatterlayer .trace .point").first
    box = point.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] / 2 + 2, box["y"] + box["height"] / 2 + 2)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    tooltip = page.locator("#map-tooltip img")
    tooltip.wait_for(state="visible", timeout=5000)
    assert page.evaluate("document.querySelector('#map-tooltip img').naturalWidth") == 28
    assert re.search(r"\(image \d+\)", page.locator("#map-tooltip").inner_text())
    page.mouse.move(0, 0)
    page.locator("#tsne-interactive .legend .traces .legendtoggle").first.click()
    # Plotly waits out its double-click delay before hiding the class
    page.wait_for_function(
        "document.getElementById('tsne-interactive').data[0].visible === 'legendonly'",
        timeout=5000,
    )
