"""Figures as WebP, sized, lazy, never too narrow to read; references as list items.

Part of the site extension (coursegen.sphinx.site says why and wires it up).
"""

from __future__ import annotations

import functools
import math
import os
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.images import get_image_size
from sphinx.writers.html5 import HTML5Translator

from coursegen.sphinx import files

if TYPE_CHECKING:
    from PIL import Image

logger = logging.getLogger(__name__)


# The smallest text a figure may show, in CSS pixels, at any screen width.
LEGIBLE_PX = 9
# The PNG text chunk where relu_course.figures records a figure's smallest text,
# in the image's pixels (its owner; this package does not import torch with it).
TEXT_PX_KEY = "relu-course:smallest-text-px"


def _display_size(
    self: HTML5Translator, node: nodes.image
) -> tuple[tuple[int, int] | None, tuple[int, int] | None]:
    """The image's size to display at and its pixel size, where known.

    A notebook output of twice the pixels (relu_course.figures) states its
    display size, as whole numbers: they become the width and height
    attributes (docutils would make them a fixed style, and the figure could
    not shrink).
    """
    uri = node["uri"]
    pixels = node.get("pixels")  # a WebP's, from its PNG: it may be encoding still
    if pixels is None and "://" not in uri and not uri.startswith("data:"):
        pixels = get_image_size(os.path.join(self.builder.srcdir, uri))
    given = [str(node.get(key, "")) for key in ("width", "height")]
    if "scale" not in node and all(value.isdigit() for value in given):
        del node["width"], node["height"]
        return (int(given[0]), int(given[1])), pixels
    if any(key in node for key in ("width", "height", "scale")):
        return None, pixels
    return pixels, pixels


def visit_image(self: HTML5Translator, node: nodes.image) -> None:
    """The image with its size, loaded lazily and decoded off the main thread;
    a figure that records its smallest text gets the narrowest width that keeps
    it legible (LEGIBLE_PX), which the site CSS applies on narrow screens."""
    size, pixels = _display_size(self, node)
    node.setdefault("loading", "lazy")
    start = len(self.body)
    type(self).visit_image(self, node)
    if size is None:
        return
    extra = f'<img width="{size[0]}" height="{size[1]}" decoding="async" '
    text_px = node.get("smallest_text_px")
    if text_px and pixels:
        narrowest = math.ceil(pixels[0] * LEGIBLE_PX / text_px)
        extra += f'data-smallest-text-px="{text_px:g}" '
        extra += f'style="--course-min-width: {narrowest}px" '
    for index in range(len(self.body) - 1, start - 1, -1):
        if self.body[index].startswith("<img "):
            self.body[index] = extra + self.body[index][len("<img ") :]
            break


def depart_image(self: HTML5Translator, node: nodes.image) -> None:
    type(self).depart_image(self, node)


def visit_citation(self: HTML5Translator, node: nodes.citation) -> None:
    """A reference in the list of references, as a list item.

    docutils gives it role="doc-biblioentry", deprecated in DPUB-ARIA 1.1 and
    not allowed on a div (axe: aria-deprecated-role, aria-allowed-role); its
    parent already has role="list".
    """
    start = len(self.body)
    type(self).visit_citation(self, node)
    for index in range(start, len(self.body)):
        self.body[index] = self.body[index].replace(
            'role="doc-biblioentry"', 'role="listitem"'
        )


def depart_citation(self: HTML5Translator, node: nodes.citation) -> None:
    type(self).depart_citation(self, node)


def webp_images(app: Sphinx, doctree: nodes.document) -> None:
    """Each PNG of a page (the lessons' figures) as WebP, in at most 256 colours.

    A figure's pixels in under half the PNG's bytes (matplotlib's PNGs are
    barely compressed), its rare edge colours snapped to common ones (palette).
    Runs before Sphinx collects the page's images, so the WebP is
    the file copied into _images and linked. Downloaded notebooks keep PNGs.
    The size of the figure's smallest text, if the PNG records it, goes on the
    node for visit_image (WebP keeps no text chunk).
    """
    if app.builder.format != "html":
        return
    from PIL import Image

    for node in doctree.findall(nodes.image):
        uri = node["uri"]
        if "://" in uri or not uri.lower().endswith(".png"):
            continue
        _, path = app.env.relfn2path(uri, app.env.docname)
        png = Path(path)
        if not png.is_file():
            continue
        with Image.open(png) as image:
            text_px = image.info.get(TEXT_PX_KEY)
            node["pixels"] = image.size  # the WebP's too (visit_image reads it)
        if text_px is not None:
            node["smallest_text_px"] = float(text_px)
        webp = png.with_suffix(".webp")
        if webp not in _ENCODING and (not webp.is_file() or _stale(webp, png)):
            # Sphinx's image collector, next, needs the file to exist; the
            # pixels follow (an empty file is stale, should the build stop).
            webp.write_bytes(b"")
            _ENCODING[webp] = _encoder().submit(_save_webp, png, webp)
        node["uri"] = uri[: -len(".png")] + ".webp"


# Encoding the WebPs took a third of a cold build's Sphinx time, on one core
# while the other idled (Sphinx reads and writes the pages one at a time). Pillow
# lets go of the GIL while it encodes, so threads encode while Sphinx goes on
# reading and writing (the pages need only each figure's size, taken from its
# PNG); the images are copied into the site once they are done (wait_for_webp,
# on html-collect-pages, after the last page is written).
_ENCODING: dict[Path, Future[None]] = {}  # each WebP being encoded


@functools.cache
def _encoder() -> ThreadPoolExecutor:
    return ThreadPoolExecutor(max_workers=os.cpu_count() or 1)


def _stale(webp: Path, png: Path) -> bool:
    stat = webp.stat()
    return stat.st_size == 0 or stat.st_mtime < png.stat().st_mtime


# A figure keeps this many of its colours exactly: lossless WebP stores an image
# of at most 256 colours as a palette and indices, in far fewer bytes.
PALETTE_SIZE = 256
# An image whose rarer colours cover more of it than this is not drawn in a few
# colours (a gradient, a photograph): it is kept whole. The course's figures
# change 0-2.7 % of their pixels.
MOST_CHANGED = 0.05
# Colours matched against the palette at once (bounds the distance table's memory).
_CHUNK = 4096


def palette(image: Image.Image, most_changed: float = MOST_CHANGED) -> Image.Image:
    """The image in its PALETTE_SIZE commonest colours, each rarer one as the nearest.

    A matplotlib figure draws in a few colours and blends them only along edges,
    text and dashes, where anti-aliasing makes thousands of colours of a few
    pixels each. Those snap to the nearest kept colour (Euclidean in RGB, and
    alpha where the image has transparency); the colours that fill areas, white
    included, are kept exactly. A colour bar's gradient may merge neighbouring
    steps. Over the course's 45 figures, 0-2.7 % of a figure's pixels change
    (median 0.5 %), and the WebPs are 28 % smaller than lossless ones of every
    colour (make bench-site weighs the pages). An image of few enough colours,
    or whose rarer colours cover more than most_changed of it, is returned as
    it is.
    """
    import numpy as np
    from PIL import Image

    colour = image.convert("RGBA")
    if colour.getchannel("A").getextrema()[0] == 255:  # opaque, as figures are
        colour = colour.convert("RGB")
    if colour.getcolors(PALETTE_SIZE) is not None:
        return image
    mode, pixels = colour.mode, np.asarray(colour)
    shifts = np.arange(len(mode) - 1, -1, -1, dtype=np.int64) * 8  # RGB(A) packed
    packed = (pixels.astype(np.int64) << shifts).sum(axis=-1)
    colours, index, counts = np.unique(
        packed.ravel(), return_inverse=True, return_counts=True
    )
    channels = (colours[:, None] >> shifts) & 255
    # stable: of colours equally common, the one of lower value is kept (same
    # result on every machine)
    commonest = np.argsort(-counts, kind="stable")[:PALETTE_SIZE]
    if counts[commonest].sum() < (1 - most_changed) * counts.sum():
        return image
    kept = channels[commonest]
    nearest = np.empty(len(channels), dtype=np.intp)
    for start in range(0, len(channels), _CHUNK):
        chunk = channels[start : start + _CHUNK, None, :] - kept[None, :, :]
        nearest[start : start + _CHUNK] = (chunk * chunk).sum(axis=2).argmin(axis=1)
    snapped = kept[nearest][index.reshape(-1)].reshape(pixels.shape)
    return Image.fromarray(snapped.astype(np.uint8), mode)


def _save_webp(png: Path, webp: Path) -> None:
    """The PNG's figure as lossless WebP of its palette, replacing the file at webp."""
    from PIL import Image

    try:
        with files.replacing(webp) as part, Image.open(png) as image:
            palette(image).save(part, "WEBP", lossless=True, quality=100, method=4)
            # The PNG's time: written after Sphinx read the page, a newer file it
            # depends on would make the next build read the page again.
            made = png.stat()
            os.utime(part, ns=(made.st_atime_ns, made.st_mtime_ns))
    except BaseException:
        webp.unlink(missing_ok=True)  # the empty file left for Sphinx's collector
        raise


def wait_for_webp(app: Sphinx, *_: object) -> list[tuple[str, dict[str, str], str]]:
    """Every WebP encoded before the images are copied into the site (a failure
    fails the build); no page to add."""
    pending = list(_ENCODING.values())
    _ENCODING.clear()
    for future in pending:
        future.result()
    return []
