"""Figures as bytes: SVG for line charts, 2x palette PNG for images and scatter plots.

A line chart is a few kilobytes of vectors and sharp at any zoom; an image or a scatter of
thousands of points is smaller as pixels. PNGs are drawn at ``PNG_DPI`` (twice the 96 px per inch
a browser lays out with) and reduced to a 256-colour palette, which keeps colour maps smooth and
roughly halves the file. Both formats carry their size, so the page shows them at 1x CSS size.
"""

from __future__ import annotations

import base64
import functools
import io
import re
import struct
import zlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, ParamSpec, TypeVar
from urllib.parse import quote

from ..files.storage import atomic_path

if TYPE_CHECKING:  # matplotlib is imported where a figure is drawn, after the cache is chosen
    from matplotlib.figure import Figure

PNG_DPI = 192  # 2 x 96: one CSS pixel is two image pixels
PNG_COLOURS = 256  # the palette a PNG is quantised to (Pillow)
MIME_TYPES = {".png": "image/png", ".svg": "image/svg+xml"}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_SVG_SAFE = " /:=;,'()+.-_!*@$~[]<>"  # kept as they are in an SVG data: URI; not '"', '#', '%'

# What matplotlib's own style "default" leaves as it is (its STYLE_BLACKLIST): how matplotlib
# runs, not how a figure looks
_NOT_STYLE = frozenset(
    {
        "backend",
        "backend_fallback",
        "date.epoch",
        "docstring.hardcopy",
        "figure.max_open_warning",
        "figure.raise_window",
        "interactive",
        "savefig.directory",
        "timezone",
        "tk.window_focus",
        "toolbar",
    }
)
P = ParamSpec("P")
R = TypeVar("R")


def matplotlib_defaults(draw: Callable[P, R]) -> Callable[P, R]:
    """``draw`` under matplotlib's own defaults, not the user's ``matplotlibrc`` or style: a study
    gives the same figures on every machine, and the cache serves only what this one would draw.
    (A ``savefig.format: bogus`` in a matplotlibrc failed the figures after the work.) The
    caller's settings are back as they were when ``draw`` returns. ``matplotlib.style`` is not
    imported: it reads the user's style library as it is imported, and an entry it cannot read
    there failed the figure."""

    @functools.wraps(draw)
    def drawn(*args: P.args, **kwargs: P.kwargs) -> R:
        import matplotlib

        defaults = {
            key: value
            for key, value in matplotlib.rcParamsDefault.items()
            if key not in _NOT_STYLE and not key.startswith("webagg.")
        }
        with matplotlib.rc_context(defaults):
            return draw(*args, **kwargs)

    return drawn


def preferred_suffix(figure: Figure) -> str:
    """``".png"`` for a figure that shows an image or rasterised points, ``".svg"`` otherwise."""
    for axes in figure.axes:
        if axes.images or any(artist.get_rasterized() for artist in axes.collections):
            return ".png"
    return ".svg"


@matplotlib_defaults
def encode(figure: Figure, suffix: str) -> bytes:
    """``figure`` as the bytes of a ``.png`` or ``.svg`` file (tight bounding box)."""
    if suffix == ".svg":
        return _svg(figure)
    if suffix == ".png":
        return _png(figure)
    raise ValueError(f"a figure is saved as .png or .svg, got {suffix!r}")


def as_file(stem: str, figure: Figure) -> tuple[str, bytes]:
    """``figure`` as a file: its name (``stem`` and the preferred suffix) and its bytes."""
    suffix = preferred_suffix(figure)
    return f"{stem}{suffix}", encode(figure, suffix)


def _svg(figure: Figure) -> bytes:
    import matplotlib

    buffer = io.BytesIO()
    # a fixed salt and no date: the same figure gives the same file; text as text, not as each
    # glyph's outline (the charts half the size, for the page's 2 MB, and their words
    # selectable), in DejaVu Sans where the reader has it, as matplotlib laid it out, else a
    # common sans-serif
    with matplotlib.rc_context(
        {
            "svg.hashsalt": "fashionlab",
            "svg.fonttype": "none",
            "font.sans-serif": ["DejaVu Sans", "Arial", "Helvetica"],
        }
    ):
        figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    return _minify_svg(buffer.getvalue())


def _minify_svg(svg: bytes) -> bytes:
    """Matplotlib's SVG less what a browser ignores: about a third smaller, the same picture."""
    svg = re.sub(rb"<\?xml.*?\?>|<!DOCTYPE.*?>|<metadata>.*?</metadata>", b"", svg, flags=re.DOTALL)
    svg = re.sub(rb"\s*\n\s*", b" ", svg)  # indentation and line breaks
    # coordinates (path data, x and y) to 1/100 pt; scale factors elsewhere keep every digit
    svg = re.sub(rb' (d|x|y)="([^"]*)"', lambda m: re.sub(rb"(\.\d\d)\d+", rb"\1", m[0]), svg)
    used = set(re.findall(rb"#([\w.-]+)[)\"]", svg))  # ids that url(#id) or href="#id" refer to
    return re.sub(rb' id="([^"]*)"', lambda m: m[0] if m[1] in used else b"", svg)


def _png(figure: Figure) -> bytes:
    from PIL import Image  # matplotlib writes its PNGs through Pillow, which it requires

    # matplotlib's PNG only carries the pixels to the quantiser: left uncompressed, the file is
    # the same and costs less (2026-12-03, the 6 explore PNGs: 0.93x the CPU)
    buffer = io.BytesIO()
    figure.savefig(
        buffer,
        format="png",
        dpi=PNG_DPI,
        bbox_inches="tight",
        pil_kwargs={"compress_level": 0},
    )
    with Image.open(io.BytesIO(buffer.getvalue())) as image:
        palette = image.convert("RGB").quantize(PNG_COLOURS, dither=Image.Dither.NONE)
    out = io.BytesIO()
    palette.save(out, format="PNG", optimize=True, dpi=(PNG_DPI, PNG_DPI))
    return out.getvalue()


def save(figure: Figure, path: str | Path) -> Path:
    """Write ``figure`` atomically as PNG or SVG, chosen by the suffix of ``path``.

    Without a suffix, :func:`preferred_suffix` picks one and it is appended. Returns the path
    written.
    """
    path = Path(path)
    if not path.suffix:
        path = path.with_suffix(preferred_suffix(figure))
    data = encode(figure, path.suffix.lower())
    with atomic_path(path) as temporary:
        temporary.write_bytes(data)
    return path


def mime_type(name: str, data: bytes) -> str:
    """The MIME type of a figure file, from its name, checked against its first bytes."""
    suffix = Path(name).suffix.lower()
    if suffix not in MIME_TYPES:
        raise ValueError(f"figure {name!r}: expected a .png or .svg file")
    is_png = data.startswith(_PNG_SIGNATURE)
    if (suffix == ".png") != is_png or (not is_png and b"<svg" not in data[:4096]):
        raise ValueError(f"figure {name!r}: its bytes are not a {suffix[1:].upper()} file")
    if is_png and not _whole_png(data):
        raise ValueError(f"figure {name!r}: a PNG signature, but not a whole PNG file after it")
    return MIME_TYPES[suffix]


def _whole_png(data: bytes) -> bool:
    """Whether the chunks after the signature are a PNG's: an image header of a non-empty image
    first, each chunk's CRC right, the end chunk last and nothing after it (a hostile review: a
    cached figure of the signature and garbage was served, and the page's writer failed on it)."""
    at, first, last = len(_PNG_SIGNATURE), True, b""
    while at + 12 <= len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        body = data[at + 4 : at + 8 + length]  # the chunk's type, then its data
        if len(body) != 4 + length or data[at + 8 + length : at + 12 + length] != struct.pack(
            ">I", zlib.crc32(body)
        ):
            return False
        if first and (body[:4] != b"IHDR" or length != 13 or 0 in struct.unpack(">II", body[4:12])):
            return False
        first, last, at = False, body[:4], at + 12 + length
        if last == b"IEND":
            break
    return last == b"IEND" and at == len(data)


def data_uri(name: str, data: bytes) -> str:
    """A ``data:`` URI holding the figure file ``name``, safe inside a double-quoted attribute.

    PNG travels as base64; SVG, which is text, percent-encoded, which is smaller.
    """
    mime = mime_type(name, data)
    if mime == "image/svg+xml":
        if b"'" not in data:  # XML takes either quote; single ones need no escape in the attribute
            data = data.replace(b'"', b"'")
        return f"data:{mime},{quote(data, safe=_SVG_SAFE)}"
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def css_size(data: bytes) -> tuple[int, int] | None:
    """The size in CSS pixels at which a PNG or SVG figure shows at 1x, or None if unknown.

    A PNG's pixels are divided by its resolution (pHYs chunk) over 96 dpi; an SVG's width and
    height in points are converted at 96/72.
    """
    if data.startswith(_PNG_SIGNATURE):
        width, height = struct.unpack(">II", data[16:24])
        dpi = _png_dpi(data) or 96.0
        return round(width * 96 / dpi), round(height * 96 / dpi)
    head = data[:4096].decode("utf-8", "replace")
    found = re.search(r'<svg[^>]*?width="([\d.]+)pt"[^>]*?height="([\d.]+)pt"', head)
    if found is None:
        return None
    return round(float(found[1]) * 4 / 3), round(float(found[2]) * 4 / 3)


def _png_dpi(data: bytes) -> float | None:
    """The horizontal resolution of a PNG in dots per inch, from its pHYs chunk if any."""
    at = data.find(b"pHYs", 8, 4096)
    if at < 0:
        return None
    per_metre_x, _, unit = struct.unpack(">IIB", data[at + 4 : at + 13])
    return per_metre_x * 0.0254 if unit == 1 and per_metre_x else None
