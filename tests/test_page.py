"""The page: one self-contained file, small, safe with hostile user text, usable at phone width.
A realistic page (the real plot functions on study-shaped synthetic data) is weighed and read
here, and loaded in headless Chromium by the slow tests."""

from __future__ import annotations

import functools
import re
from io import BytesIO
from pathlib import Path

import numpy as np
import pytest
from conftest import PAGE_LIMIT
from PIL import Image

from fashionlab.config import ALL_PAIRS
from fashionlab.render import curves, figures, heatmaps, plots
from fashionlab.render import page as layout
from fashionlab.render.interactive import interactive_map, sprite_sheet
from fashionlab.render.page import PageMeta, Section, Table


def fake_images(n: int, seed: int = 0) -> np.ndarray:
    """(n, 28, 28) uint8 garment-like blobs, textured so that 2,000 make a sprite sheet as large as
    the real first 2,000 training images do (353 KB against 361 KB): an honest page weight."""
    rng = np.random.default_rng(seed)
    rows, columns = np.mgrid[0:28, 0:28]
    cy, cx = rng.uniform(11, 17, (2, n, 1, 1))
    ry, rx = rng.uniform(6, 13, (2, n, 1, 1))
    inside = ((rows - cy) / ry) ** 2 + ((columns - cx) / rx) ** 2 < 1
    shade = rng.uniform(90, 230, (n, 1, 1)) * (1 - 0.35 * rows / 28)
    texture = rng.normal(0, 30, (n, 28, 28))
    return np.clip(np.where(inside, shade + texture, 0), 0, 255).astype(np.uint8)


def fake_map(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A t-SNE-like map: ten Gaussian clusters, labels 0..9 in turn."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 10
    centres = rng.uniform(-40, 40, (10, 2))
    return centres[labels] + rng.normal(0, 6, (n, 2)), labels


def _history(steps: int, start: float, end: float, rng: np.random.Generator) -> dict[str, list]:
    decay = np.exp(-np.arange(steps) / (steps / 5))
    accuracy = end - (end - start) * decay
    loss = 0.1 + 0.6 * decay
    return {
        "train_accuracy": list(accuracy + rng.normal(0, 0.003, steps)),
        "train_loss": list(loss),
        "val_accuracy": list(accuracy - 0.01 + rng.normal(0, 0.005, steps)),
        "val_loss": list(loss + 0.02 + rng.normal(0, 0.004, steps)),
    }


def _study_like_figures() -> dict[str, object]:
    rng = np.random.default_rng(1)
    images = fake_images(25)
    coordinates, labels = fake_map(10_000)
    epochs = _history(20, 0.80, 0.95, rng)
    network = {key.removeprefix("train_"): values for key, values in epochs.items()}  # Keras names
    easy, hard = _history(100, 0.5, 0.999, rng), _history(100, 0.5, 0.86, rng)
    smooth = np.cumsum(np.cumsum(rng.normal(size=(45, 28, 28)), 1), 2).reshape(45, -1)
    thetas = [(pair, np.r_[0.0, smooth[k]]) for k, pair in enumerate(ALL_PAIRS)]
    scores = rng.uniform(0.75, 1.0, (10, 10))
    pair_scores = np.where(np.eye(10, dtype=bool), np.nan, (scores + scores.T) / 2)
    confusion = rng.integers(0, 40, (10, 10)) + np.diag(rng.integers(700, 980, 10))
    grid = [
        {
            "learning_rate": lr,
            "steps": s,
            "val_accuracy": None if lr > 1 else 0.8 + lr / 10,
            "diverged_at_step": 7 if lr > 1 else None,
        }
        for lr in (0.005, 0.05, 0.5, 5.0)
        for s in (10, 100, 1000)
    ]
    gallery = fake_images(8, seed=2)
    return {
        "q1_image_raw": plots.show_image(images[0], 9, "raw"),
        "q1_image_normalised": plots.show_image(images[0] / 255, 9, "normalised"),
        "q1_grid": plots.image_grid(images, np.arange(25) % 10),
        "pca_variance": plots.explained_variance(np.sort(rng.dirichlet(np.ones(784) / 8))[::-1]),
        "tsne_all": plots.tsne_map(coordinates, labels),
        "tsne_trouser_ankleboot": plots.tsne_map(coordinates, labels, ["Trouser", "Ankle boot"]),
        "tsne_pullover_coat": plots.tsne_map(coordinates, labels, ["Pullover", "Coat"]),
        "logreg_trouser_ankleboot": curves.learning_curves(easy, "Trouser vs Ankle boot"),
        "logreg_pullover_coat": curves.learning_curves(hard, "Pullover vs Coat"),
        "logreg_both": curves.logreg_runs(
            {"Trouser vs Ankle boot": easy, "Pullover vs Coat": hard}
        ),
        "nn_loss": curves.plot_losses(network, best_epoch=14),
        "nn_accuracy": curves.plot_accuracies(network, best_epoch=14),
        "atlas_logreg": heatmaps.pair_heatmap(pair_scores, "Validation accuracy per pair"),
        "atlas_weights": plots.weights_grid(thetas),
        "weights_pullover_coat": plots.weights_map(thetas[0][1], ["Pullover", "Coat"]),
        "errors_network": plots.misclassified_gallery(
            gallery, ["Coat"] * 8, ["Pullover"] * 8, np.linspace(0.99, 0.8, 8), "Network errors"
        ),
        "softmax_confusion": heatmaps.confusion_matrix(confusion, "Softmax regression"),
        "lr_steps": heatmaps.lr_steps_grid(grid, ["Pullover", "Coat"]),
    }


@functools.cache
def study_like_page() -> tuple[str, dict[str, bytes]]:
    """The HTML of a page shaped like ``fashionlab run``'s, and its figure files."""
    files = {}
    for stem, figure in _study_like_figures().items():
        suffix = figures.preferred_suffix(figure)
        files[stem + suffix] = figures.encode(figure, suffix)
    coordinates, labels = fake_map(2000, seed=3)
    names = list(files)
    sections = [
        Section(
            "results",
            "Results at a glance",
            table=Table(
                [
                    "model",
                    "training",
                    "train acc.",
                    "validation acc.",
                    "official test acc.",
                    "time",
                ],
                [
                    [
                        "logistic regression, Pullover vs Coat",
                        "100 steps",
                        "85.1 %",
                        "84.9 %",
                        "85.3 %",
                        "0.41 s",
                    ]
                ]
                * 3,
            ),
        ),
        Section(
            "q1",
            "Q1 Look at the data",
            "Plot the first image.",
            ["A paragraph."] * 3,
            [(n, f"Caption of {n}.") for n in names[:9]],
        ),
        Section(
            "map",
            "Interactive map",
            raw_html=interactive_map(coordinates, labels, fake_images(2000, seed=4)),
        ),
        Section(
            "q4",
            "Q4 Logistic regression",
            None,
            ["Another paragraph."],
            [(n, f"Caption of {n}.") for n in names[9:]],
            code="Model: sequential\n" * 12,
        ),
        Section(
            "configuration",
            "Configuration",
            table=Table(
                ["setting", "value"], [["data_dir", '"/a/very/long/path/' + "x" * 120 + '"']]
            ),
        ),
    ]
    rows = [
        ("date", "2025-01-31 14:02 UTC"),
        ("fashionlab", "0.1.0"),
        ("git commit", "2c5443c"),
        ("Keras backend", "jax on cpu"),
        ("seeds", "0, 42"),
    ]
    meta = PageMeta("Fashion-MNIST <report>", "A. Student", rows)
    return layout.render_html(meta, sections, files), files


def test_a_study_like_page_is_one_file_under_two_megabytes() -> None:
    page, files = study_like_page()
    assert len(files) == 18
    assert len(page.encode()) <= PAGE_LIMIT, f"{len(page.encode()):,} bytes"
    assert 'src="figures/' not in page
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)  # nothing from the network
    assert page.count("<img ") == 18 and page.count('src="data:image/') == 18


def test_line_charts_are_svg_pictures_are_2x_png_and_both_show_at_their_css_size() -> None:
    page, files = study_like_page()
    assert {"nn_loss.svg", "logreg_both.svg", "pca_variance.svg"} <= set(files)
    assert {"tsne_all.png", "softmax_confusion.png", "q1_grid.png"} <= set(files)
    for name, data in files.items():
        if name.endswith(".png"):
            assert figures._png_dpi(data) == pytest.approx(figures.PNG_DPI, rel=0.01), name
        width, height = figures.css_size(data)
        assert f'width="{width}" height="{height}" alt="Caption of {name}' in page


def test_tables_scroll_in_place_and_the_page_prints_without_nav_or_map() -> None:
    page, _ = study_like_page()
    assert page.count('<div class="scroll"><table>') == page.count("<table>") == 2
    print_css = page[page.index("@media print") :]
    assert "nav,p.up{display:none}" in print_css and ".imap{display:none}" in print_css
    assert "break-inside:avoid" in print_css
    # the page review: 32,000 px with no way back up; each section ends with a link to the list
    up = '<p class="up"><a href="#contents">\u2191 Contents</a></p></section>'
    assert page.count(up) == page.count("<section ") > 1 and '<h2 id="contents">' in page


def test_the_map_is_small_and_uses_no_ids() -> None:
    coordinates, labels = fake_map(2000)
    fragment = interactive_map(coordinates, labels, fake_images(2000))
    assert len(fragment.encode()) < 600_000
    assert " id=" not in fragment and "plotly" not in fragment.lower()
    assert "</" not in fragment.split('class="imap-data">')[1].split("</script>")[0]


def test_the_sprite_sheet_keeps_tile_order_and_inverts_ink() -> None:
    images = np.zeros((3, 28, 28), np.uint8)
    images[1] = 255
    with Image.open(BytesIO(sprite_sheet(images, columns=2))) as sheet:
        pixels = np.asarray(sheet.convert("L"))
    assert pixels.shape == (56, 56)
    assert pixels[:28, :28].min() == 255 and pixels[:28, 28:].max() == 0  # tile 1: full ink
    assert pixels[28:, 28:].min() == 255  # the unused tile is blank


@pytest.mark.parametrize(
    ("bad", "message"),
    [("Me\x00", "NULL|U\\+0000"), ("a\x1bb", "ESCAPE|U\\+001B"), ("x\u202ey", "RIGHT-TO-LEFT")],
)
def test_clean_text_makes_one_line_and_refuses_control_characters(bad: str, message: str) -> None:
    assert layout.clean_text("  Me\n\n~~~\r\n\tyou ") == "Me ~~~ you"
    with pytest.raises(ValueError, match=f"author contains a control character.*({message})"):
        layout.clean_text(bad, "author")


@pytest.mark.parametrize(
    "hostile",
    [
        "Me\n\n~~~",
        "Title\n===",
        "> quoted",
        "# heading",
        "1. item",
        "[x](javascript:y)",
        "<script>alert(1)</script>",
        "`code`",
        "***",
        "| a | b |",
        "2) second",
    ],
)
def test_user_text_cannot_restructure_the_markdown(hostile: str) -> None:
    sections = [Section("s", "Section", paragraphs=["body"])]
    markdown = layout.render_markdown(PageMeta(hostile, hostile, [("seeds", hostile)]), sections)
    benign = layout.render_markdown(PageMeta("x", "x", [("seeds", "x")]), sections).splitlines()
    lines = markdown.splitlines()
    assert len(lines) == len(benign)  # no line added: the text stayed on its own lines
    changed = [line for line, same in zip(lines, benign, strict=True) if line != same]
    assert [line[:2] for line in changed] == ["# ", "By", "- "]  # title, author, metadata row
    for unsafe in ("~~~", "===", "```", "<script", "](javascript", "| a |", "***"):
        assert not re.search(r"(?<!\\)" + re.escape(unsafe), markdown)  # only escaped forms
    assert layout.md_escape("1. item") == "1\\. item" and layout.md_escape("a=b~c") == "a\\=b\\~c"


def test_html_escapes_user_text_and_names_a_missing_figure() -> None:
    page = layout.render_html(PageMeta("<b>T</b>", 'x" onload="y', [("k<", "v&")]), [], {})
    assert "<b>T</b>" not in page and "&lt;b&gt;T&lt;/b&gt;" in page
    assert 'onload="y' not in page and "<dt>k&lt;</dt><dd>v&amp;</dd>" in page
    with pytest.raises(ValueError, match="absent.png"):
        layout.render_html(PageMeta("t"), [Section("a", "A", figures=[("absent.png", "gone")])], {})


def test_markdown_keeps_relative_figure_links_and_safe_code_fences() -> None:
    section = Section("q", "Q", figures=[("nn loss.svg", "Loss [per] epoch")], code="a ``` b")
    markdown = layout.render_markdown(PageMeta("t"), [section])
    assert "![Loss \\[per\\] epoch](figures/nn%20loss.svg)" in markdown
    assert "````text\na ``` b\n````" in markdown


# --------------------------------------------------------------------------- Chromium


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("page") / "index.html"
    path.write_text(study_like_page()[0], encoding="utf-8")
    return path


def _open(context, path: Path):
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(str(e)))
    tab.on(
        "request",
        lambda r: (
            errors.append(f"request {r.url[:60]}")
            if not r.url.startswith(("file:", "data:"))
            else None
        ),
    )
    tab.goto(path.as_uri(), wait_until="load")
    return tab, errors


@pytest.mark.slow
@pytest.mark.parametrize("width", [1400, 390])
def test_the_page_loads_cleanly_and_fits_the_width(
    browser, page_file: Path, width: int, tmp_path: Path
) -> None:
    with browser.new_context(viewport={"width": width, "height": 900}) as context:
        tab, errors = _open(context, page_file)
        tab.wait_for_function("Array.from(document.images).every(i => i.complete)")
        decoded = "Array.from(document.images).filter(i => i.naturalWidth > 0).length"
        assert tab.evaluate(decoded) == tab.evaluate("document.images.length") == 18
        overflow = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert overflow[0] <= overflow[1], f"page scrolls sideways at {width}px: {overflow}"
        title = tab.eval_on_selector(".imap-title", "e => [e.scrollWidth, e.clientWidth]")
        assert title[0] <= title[1]
        wide = tab.eval_on_selector_all(".scroll", "s => s.map(e => e.clientWidth)")
        assert max(wide) <= width
        assert tab.evaluate(MARKED_AS_SHRUNK_OR_NOT)
        shade = "getComputedStyle(document.querySelector('pre')).backgroundImage"
        assert tab.evaluate(shade).count("radial-gradient") == 2  # code that scrolls shows it does
        tab.screenshot(path=tmp_path / f"page_{width}.png")
        tab.screenshot(path=tmp_path / f"page_{width}_full.png", full_page=True)
        tab.emulate_media(media="print")
        shown = "['nav', '.imap'].map(s => getComputedStyle(document.querySelector(s)).display)"
        assert tab.evaluate(shown) == ["none", "none"]  # printed: no contents list, no live map
        assert errors == []


@pytest.mark.slow
@pytest.mark.parametrize("width", [1400, 390])
def test_hover_shows_the_image_and_the_legend_hides_a_class(
    browser, page_file: Path, width: int, tmp_path: Path
):
    with browser.new_context(viewport={"width": width, "height": 900}) as context:
        tab, errors = _open(context, page_file)
        root = tab.locator(".imap")
        root.scroll_into_view_if_needed()
        assert root.get_attribute("data-drawn") == "2000"
        x, y = root.evaluate("r => r.pointAt(3)")
        tab.locator("canvas.imap-plot").hover(position={"x": x, "y": y})
        tab.wait_for_function("document.querySelector('.imap').dataset.hovered === '3'")
        assert tab.locator(".imap-tip").is_visible()
        assert "image 3" in tab.locator(".imap-tip span").inner_text()
        pixels = (
            "document.querySelector('.imap-tip canvas').getContext('2d').getImageData(0, 0, 28, 28)"
        )
        ink = tab.evaluate(
            f"Array.from({pixels}.data).filter((v, i) => i % 4 == 0 && v < 200).length"
        )
        assert ink > 20  # the tooltip shows the image's ink, not a blank square
        tab.screenshot(path=tmp_path / f"map_{width}.png", clip=root.bounding_box())
        button = tab.locator(".imap-legend button[data-class='3']")
        button.click()
        assert (
            root.get_attribute("data-hidden") == "3" and root.get_attribute("data-drawn") == "1800"
        )
        assert button.get_attribute("aria-pressed") == "false"
        button.click()
        assert root.get_attribute("data-drawn") == "2000"
        assert errors == []


# only a figure drawn narrower than its own size offers to enlarge (the second page review: at
# 980 px every caption said "Tap the figure", and none was shrunk)
MARKED_AS_SHRUNK_OR_NOT = """Array.from(document.querySelectorAll("figure > img")).every(i =>
    i.parentElement.classList.contains("shrunk") === (i.offsetWidth < +i.getAttribute("width")))"""


@pytest.mark.slow
def test_a_tapped_figure_on_a_phone_shows_at_its_own_size_and_scrolls_inside_its_box(
    browser, page_file: Path
) -> None:
    """The page review: at 390 px the atlas's maps shrank to a fifth of their size, numbers 4 px
    tall, with no way to see them larger but pinch-zoom."""
    with browser.new_context(viewport={"width": 390, "height": 900}, has_touch=True) as context:
        tab, errors = _open(context, page_file)
        shrunk = (
            "Array.from(document.images).findIndex(i => i.offsetWidth < +i.getAttribute('width'))"
        )
        first = tab.evaluate(shrunk)
        assert first >= 0, "no figure is shrunk at 390 px"
        image = tab.locator("figure > img").nth(first)
        image.scroll_into_view_if_needed()
        attribute = int(image.get_attribute("width") or 0)
        caption = "i => getComputedStyle(i.nextElementSibling, '::after').content"
        assert "Tap the figure to enlarge it." in image.evaluate(caption)
        assert tab.evaluate(MARKED_AS_SHRUNK_OR_NOT)
        image.tap()
        assert image.evaluate("i => i.offsetWidth") == attribute
        assert "Tap it again" in image.evaluate(caption)
        tab.emulate_media(media="print")  # on paper: no hint, the figure whole, tables wrapped
        assert image.evaluate(caption) == "none" and image.evaluate("i => i.offsetWidth") <= 390
        short = "document.querySelector('td.short')"
        assert tab.evaluate(f"getComputedStyle({short}).whiteSpace") == "normal"
        tab.emulate_media(media="screen")
        overflow = tab.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert overflow[0] <= overflow[1], "the page scrolls sideways, not the figure"
        image.tap()
        assert image.evaluate("i => i.offsetWidth") < attribute
        assert errors == []


@pytest.mark.slow
def test_a_tapped_point_of_the_map_keeps_its_image_shown_on_a_phone(browser, page_file: Path):
    """The second page review: a tap showed the tip, and the pointerleave that a lifted finger
    sends hid it at once, so a phone never saw a point's image."""
    with browser.new_context(viewport={"width": 390, "height": 900}, has_touch=True) as context:
        tab, errors = _open(context, page_file)
        root = tab.locator(".imap")
        root.scroll_into_view_if_needed()
        x, y = root.evaluate("r => r.pointAt(3)")
        tab.locator("canvas.imap-plot").tap(position={"x": x, "y": y})
        tab.wait_for_timeout(300)  # the lifted finger's pointerup, pointerout and pointerleave
        assert tab.locator(".imap-tip").is_visible()
        assert "image 3" in tab.locator(".imap-tip span").inner_text()
        assert errors == []


def test_each_section_links_the_first_use_of_a_term_to_its_entry() -> None:
    """A student's reading asked for a way from a word to its meaning: the first use of a term in
    each section links to its glossary entry; a term said twice, or by another of its phrases, is
    linked once; a word that only contains a phrase is not a use of it."""
    links = {"McNemar's exact test": "term-tests", "p-value": "term-tests", "Dask": "term-dask"}
    sections = [
        Section("a", "A", paragraphs=["McNemar's exact test, a p-value.", "Dask, and Dask again."]),
        Section("b", "B", paragraphs=["Dask-like, Dasks and p-values are not uses; Dask's is."]),
    ]
    page = layout.render_html(PageMeta("t"), sections, {}, links)
    first, second = page.split('<section id="b">')
    assert first.count('href="#term-tests"') == 1 and first.count('href="#term-dask"') == 1
    assert '<a class="term" href="#term-tests">McNemar&#x27;s exact test</a>, a p-value' in first
    assert '<a class="term" href="#term-dask">Dask</a>, and Dask again' in first
    assert (
        second.count("<a class") == 1
        and '<a class="term" href="#term-dask">Dask</a>&#x27;s' in second
    )
    assert "<a class" not in layout.render_html(PageMeta("t"), sections, {})  # no links given


def test_every_linked_phrase_leads_to_a_glossary_entry() -> None:
    from fashionlab.render.glossary import GLOSSARY, SAID_AS, glossary_html, glossary_links

    assert set(SAID_AS) <= {term for term, _ in GLOSSARY}
    ids = re.findall(r'<dt id="([^"]+)">', glossary_html())
    assert len(ids) == len(GLOSSARY) == len(set(ids))  # every entry has an id of its own
    assert set(glossary_links().values()) <= set(ids)
