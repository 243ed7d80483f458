"""The interactive t-SNE map: one HTML fragment (canvas, legend, tooltip, inline script), offline.

Hovering or tapping a point shows its 28x28 image and class; clicking a legend entry hides or shows
that class. The images travel once, as a grayscale PNG sprite sheet in a ``data:`` URI (tile ``i``
at column ``i % SHEET_COLUMNS``, row ``i // SHEET_COLUMNS``), and the script cuts the hovered tile
out with ``drawImage``. The fragment uses no ids, so a page may hold several maps; the script
finds its own root, records its state on it (``data-drawn``: points drawn, ``data-hidden``: hidden
class codes, ``data-hovered``: the hovered image or empty) and adds ``root.pointAt(i)``, the CSS
position of point ``i`` on the canvas (for tests).
"""

from __future__ import annotations

import base64
import html
import io
import json

import numpy as np

from ..config import INTERACTIVE_POINTS
from ..data.datasets import CLASS_NAMES
from .plots import CLASS_COLOURS

SHEET_COLUMNS = 50  # 2,000 tiles make a 1400 x 1120 sheet
GRAY_LEVELS = 16  # a 4-bit sheet: a third smaller than 8-bit, alike at tooltip size
GRID = 4095  # coordinates travel as integers 0..GRID, one scale for both axes

MAP_CSS = """
.imap{position:relative;margin:1.2em 0;max-width:100%}
.imap-title{font-weight:600;margin:.2em 0 .5em;overflow-wrap:anywhere}
.imap canvas.imap-plot{display:block;width:100%;max-width:620px;aspect-ratio:1/1;margin:0 auto;
touch-action:manipulation;border:1px solid #e3e7ee;border-radius:4px;background:#fff}
.imap-legend{display:flex;flex-wrap:wrap;gap:4px 6px;justify-content:center;margin:.6em 0}
.imap-legend button{font:inherit;font-size:.85rem;border:1px solid #cfd6e0;border-radius:12px;
background:#fff;padding:2px 9px;cursor:pointer;color:#1d2430}
.imap-legend button[aria-pressed=false]{opacity:.45;text-decoration:line-through}
.imap-legend i{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:5px}
.imap-tip{position:absolute;z-index:2;pointer-events:none;background:#fff;border:1px solid #aab;
border-radius:4px;padding:4px;font-size:.8rem;text-align:center;box-shadow:0 1px 4px #0003}
.imap-tip canvas{display:block;width:84px;height:84px;image-rendering:pixelated}
@media print{.imap{display:none}}
"""

_SCRIPT = """
(function () {
  var root = document.currentScript.parentNode;
  var data = JSON.parse(root.querySelector("script.imap-data").textContent);
  var canvas = root.querySelector("canvas.imap-plot"), context = canvas.getContext("2d");
  var tip = root.querySelector(".imap-tip"), tipText = tip.querySelector("span");
  var thumb = tip.querySelector("canvas").getContext("2d");
  var xy = data.xy, labels = data.labels, n = labels.length, hidden = {}, hovered = -1;
  var sheet = new Image(), pad = 28, scale = 1, size = 0;
  sheet.onload = function () { if (hovered >= 0) show(hovered); };
  sheet.src = data.sheet;
  function position(i) {
    return [pad + xy[2 * i] * scale, size - pad - xy[2 * i + 1] * scale];
  }
  function draw() {
    var ratio = window.devicePixelRatio || 1, drawn = 0;
    size = canvas.clientWidth;
    scale = (size - 2 * pad) / data.grid;
    canvas.width = Math.round(size * ratio); canvas.height = Math.round(size * ratio);
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    context.clearRect(0, 0, size, size);
    context.fillStyle = "#5b6575"; context.font = "12px system-ui, sans-serif";
    context.textAlign = "center";
    context.fillText("t-SNE dimension 1", size / 2, size - 8);
    context.save(); context.translate(14, size / 2); context.rotate(-Math.PI / 2);
    context.fillText("t-SNE dimension 2", 0, 0); context.restore();
    context.globalAlpha = 0.8;
    for (var i = 0; i < n; i++) {
      if (hidden[labels[i]]) continue;
      var p = position(i);
      context.fillStyle = data.colours[labels[i]];
      context.beginPath(); context.arc(p[0], p[1], 2.6, 0, 2 * Math.PI); context.fill();
      drawn++;
    }
    context.globalAlpha = 1;
    if (hovered >= 0) {
      var h = position(hovered);
      context.strokeStyle = "#000"; context.lineWidth = 1.5;
      context.beginPath(); context.arc(h[0], h[1], 5, 0, 2 * Math.PI); context.stroke();
    }
    root.dataset.drawn = drawn;
    root.dataset.hidden = Object.keys(hidden).filter(function (k) { return hidden[k]; }).join(",");
  }
  function show(i) {
    var column = i % data.columns, row = Math.floor(i / data.columns);
    thumb.imageSmoothingEnabled = false;
    thumb.fillStyle = "#fff"; thumb.fillRect(0, 0, 28, 28);
    if (sheet.complete && sheet.naturalWidth) thumb.drawImage(sheet, column * 28, row * 28, 28, 28, 0, 0, 28, 28);
    tipText.textContent = data.names[labels[i]] + " \\u00b7 image " + i;
    tip.hidden = false;
    var p = position(i), left = canvas.offsetLeft + p[0] + 12, top = canvas.offsetTop + p[1] + 12;
    left = Math.max(0, Math.min(left, root.clientWidth - tip.offsetWidth));
    if (top + tip.offsetHeight > root.clientHeight) top = canvas.offsetTop + p[1] - tip.offsetHeight - 12;
    tip.style.left = left + "px"; tip.style.top = top + "px";
    root.dataset.hovered = i;
  }
  function hide() { tip.hidden = true; hovered = -1; root.dataset.hovered = ""; draw(); }
  function nearest(event) {
    var box = canvas.getBoundingClientRect();  // border box; points are placed in the content box
    var x = event.clientX - box.left - canvas.clientLeft, y = event.clientY - box.top - canvas.clientTop;
    var best = -1, bestDistance = 144;  // within 12 CSS px
    for (var i = 0; i < n; i++) {
      if (hidden[labels[i]]) continue;
      var p = position(i), d = (p[0] - x) * (p[0] - x) + (p[1] - y) * (p[1] - y);
      if (d < bestDistance) { best = i; bestDistance = d; }
    }
    return best;
  }
  function point(event) {
    var i = nearest(event);
    if (i < 0) { if (hovered >= 0) hide(); return; }
    if (i !== hovered) { hovered = i; draw(); show(i); }
  }
  canvas.addEventListener("pointermove", point);
  canvas.addEventListener("pointerdown", point);
  canvas.addEventListener("pointerleave", function (event) {  // a finger lifted "leaves": keep its tip
    if (event.pointerType !== "touch" && hovered >= 0) hide();
  });
  Array.prototype.forEach.call(root.querySelectorAll("button[data-class]"), function (button) {
    button.addEventListener("click", function () {
      var code = button.dataset.class;
      hidden[code] = !hidden[code];
      button.setAttribute("aria-pressed", hidden[code] ? "false" : "true");
      if (hovered >= 0 && hidden[labels[hovered]]) hide(); else draw();
    });
  });
  root.pointAt = function (i) { return position(i); };
  window.addEventListener("resize", draw);
  draw();
})();
"""


def sprite_sheet(
    images: np.ndarray, columns: int = SHEET_COLUMNS, levels: int = GRAY_LEVELS
) -> bytes:
    """(n, 28, 28) uint8 images as one grayscale PNG, ink dark on white, ``levels`` gray levels.

    Tile ``i`` sits at column ``i % columns`` and row ``i // columns``; unused tiles are white.
    """
    from PIL import Image

    images = np.asarray(images)
    rows = max(1, -(-len(images) // columns))
    tiles = np.zeros((rows * columns, 28, 28), dtype=np.uint8)
    tiles[: len(images)] = images
    sheet = tiles.reshape(rows, columns, 28, 28).transpose(0, 2, 1, 3).reshape(rows * 28, -1)
    codes = np.round((255 - sheet.astype(np.float32)) * (levels - 1) / 255).astype(np.uint8)
    picture = Image.fromarray(codes, mode="P")
    grays = np.round(np.arange(levels) * 255 / (levels - 1)).astype(np.uint8)
    picture.putpalette(np.repeat(grays, 3).tolist())
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG", optimize=True, bits=max(1, int(np.ceil(np.log2(levels)))))
    return buffer.getvalue()


def _check(coordinates: np.ndarray, labels: np.ndarray, images: np.ndarray, shown: int) -> None:
    if coordinates.ndim != 2 or coordinates.shape[1] != 2:
        raise ValueError(f"coordinates must have shape (n, 2), got {coordinates.shape}")
    if labels.shape[:1] != coordinates.shape[:1]:
        raise ValueError(f"labels must have shape ({len(coordinates)},), got {labels.shape}")
    if images.ndim != 3 or images.shape[1:] != (28, 28) or len(images) < shown:
        raise ValueError(f"images must have shape (>= {shown}, 28, 28), got {images.shape}")
    if not np.isfinite(coordinates[:shown]).all():
        raise ValueError("coordinates must be finite")
    if shown and not 0 <= labels[:shown].min() <= labels[:shown].max() < len(CLASS_NAMES):
        raise ValueError(f"labels must be class codes 0..{len(CLASS_NAMES) - 1}")


def interactive_map(
    coordinates: np.ndarray,
    labels: np.ndarray,
    images: np.ndarray,
    limit: int = INTERACTIVE_POINTS,
    *,
    title: str | None = None,
) -> str:
    """An HTML fragment: the first ``limit`` map points on a canvas, their images on hover.

    ``coordinates`` (n, 2) float, ``labels`` (n,) class codes, ``images`` (>= min(n, limit), 28, 28)
    uint8 in the same order. Both axes share one scale (equal aspect). The fragment needs
    ``MAP_CSS`` on its page.
    """
    coordinates, labels, images = np.asarray(coordinates), np.asarray(labels), np.asarray(images)
    shown = min(limit, len(coordinates))
    _check(coordinates, labels, images, shown)
    points = coordinates[:shown].astype(np.float64)
    low = points.min(axis=0) if shown else np.zeros(2)
    span = float(np.ptp(points, axis=0).max()) if shown else 0.0
    grid = np.round((points - low) / (span or 1.0) * GRID).astype(int)
    codes = labels[:shown].astype(int)
    sheet = base64.b64encode(sprite_sheet(images[:shown].astype(np.uint8))).decode("ascii")
    data = {
        "xy": grid.ravel().tolist(),
        "labels": codes.tolist(),
        "grid": GRID,
        "columns": SHEET_COLUMNS,
        "names": list(CLASS_NAMES),
        "colours": list(CLASS_COLOURS),
        "sheet": f"data:image/png;base64,{sheet}",
    }
    payload = json.dumps(data, separators=(",", ":")).replace("</", "<\\/")
    counts = np.bincount(codes, minlength=len(CLASS_NAMES))
    buttons = "".join(
        f'<button type="button" data-class="{code}" aria-pressed="true">'
        f'<i style="background:{CLASS_COLOURS[code]}"></i>{html.escape(name)} ({counts[code]:,})'
        "</button>"
        for code, name in enumerate(CLASS_NAMES)
    )
    heading = title or (
        f"Interactive t-SNE map of the first {shown:,} images: hover or tap a point to see its "
        "image; click a class to hide or show it"
    )
    return (
        f'<div class="imap" data-drawn="0" data-hidden="" data-hovered="">'
        f'<p class="imap-title">{html.escape(heading)}</p>'
        f'<canvas class="imap-plot" role="img" aria-label="{html.escape(heading)}"></canvas>'
        f'<div class="imap-legend" role="group" aria-label="classes">{buttons}</div>'
        '<div class="imap-tip" hidden><canvas width="28" height="28"></canvas><span></span></div>'
        f'<script type="application/json" class="imap-data">{payload}</script>'
        f"<script>{_SCRIPT}</script></div>"
    )
