"""Figures as lossless WebP with their size, lazy; references as list items.

Part of the site extension (coursegen.sphinx.site says why and wires it up).
"""

from __future__ import annotations

import os
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.images import get_image_size
from sphinx.writers.html5 import HTML5Translator

logger = logging.getLogger(__name__)


def visit_image(self: HTML5Translator, node: nodes.image) -> None:
    """The image with its pixel size, loaded lazily and decoded off the main thread."""
    size = None
    if not any(key in node for key in ("width", "height", "scale")):
        uri = node["uri"]
        if "://" not in uri and not uri.startswith("data:"):
            size = get_image_size(os.path.join(self.builder.srcdir, uri))
    node.setdefault("loading", "lazy")
    start = len(self.body)
    type(self).visit_image(self, node)
    if size is None:
        return
    for index in range(len(self.body) - 1, start - 1, -1):
        if self.body[index].startswith("<img "):
            extra = f'<img width="{size[0]}" height="{size[1]}" decoding="async" '
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
    """Each PNG of a page (the lessons' figures) as lossless WebP.

    The same pixels in well under half the bytes (matplotlib's PNGs are barely
    compressed). Runs before Sphinx collects the page's images, so the WebP is
    the file copied into _images and linked. Downloaded notebooks keep PNGs.
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
        webp = png.with_suffix(".webp")
        if not webp.is_file() or webp.stat().st_mtime < png.stat().st_mtime:
            with Image.open(png) as image:
                image.save(webp, "WEBP", lossless=True, quality=100, method=4)
        node["uri"] = uri[: -len(".png")] + ".webp"
