"""The published site: fast, offline and accessible, and still the book's theme.

What this extension changes in sphinx-book-theme's pages, and why:

- Maths is rendered at build time with KaTeX (``html_math_renderer = "katex"``):
  the pages hold the finished HTML and MathML, so nothing typesets in the
  browser and nothing comes from a CDN. Each page with maths loads KaTeX's
  stylesheet and the few fonts it uses (woff2, from ``_static/katex``). KaTeX
  runs in node from ``tools/site/node_modules`` (``npm ci`` from the committed
  ``tools/site/package-lock.json``; ``make book`` does it), once for the
  formulas of all the pages read. Rendered formulas are cached in the doctree
  folder, so an unchanged formula is not rendered twice.
- Font Awesome's 1.5 MB ``fontawesome.js`` (it swaps every icon for an SVG) is
  not loaded. The theme's own CSS draws the same icons with the Font Awesome
  font; the build writes that font cut down to the glyphs the site uses
  (``_static/course-icons/``, a few KB) and ``course-site.css`` points the
  font at it, so the 150 KB font is never downloaded either. The pages link
  the theme's stylesheet without the 1,900 glyph rules of unused icons and
  without every rule no page can match (``styles/course-theme.css``, written
  after each build from all its pages and scripts by ``unused_css``: 19 KB
  instead of 65 KB compressed; a phone waits for it before the first paint).
- Scripts and styles a page does not use are not linked: sphinx-thebe (no
  live code here), sphinx-design (no tabs or cards), and the search index on
  every page but the search page (the theme only needs it for search-as-you-
  type, which is off). The remaining scripts load with ``defer``.
- Long lessons lay out only what the reader sees: a code cell off screen is
  not styled, laid out or painted until it nears the viewport
  (``content-visibility`` in ``course-site.css``), and the theme's check of
  every code block's width at load, which laid out the whole page in one long
  task, is replaced by one made as each block is laid out (pages.TAB_STOPS).
- Highlighted code has no span around a token drawn in the code's own colour
  (names and punctuation in the theme's styles; ``code_spans``): the same
  colours in 27-40 % fewer elements on a lesson page.
- Every page gets ``<meta name="description">``: the first paragraph of the
  page (for a lesson, the "You will ..." line of its "In this lesson" box),
  and a favicon (no 404 in the console).
- Figures are lossless WebP of at most 256 colours (``images.palette``: the
  lessons' 45 figures in 26 % of the PNGs' bytes, 28 % less than lossless WebP
  of every colour; 0-2.7 % of each figure's pixels, on anti-aliased edges and
  colour bars, snapped to a kept colour) with their ``width``/``height`` (no
  layout shift), ``loading="lazy"`` and ``decoding="async"``.
- Accessibility (axe): the book's title in the sidebar is in a landmark,
  references are list items instead of the deprecated doc-biblioentry, a
  display formula too wide for the screen can take the keyboard focus to be
  scrolled, links keep 4.5:1 contrast on tinted admonitions.
- ``site_templates/layout.html``: the colour mode is resolved before
  the first paint, and the article header's sidebar buttons work (on a phone
  they opened nothing: the themes bind only the first such button, hidden).

``make bench-site`` (coursegen/bench/site.py) measures the result. Each job lives
in a module of its own (katex, pages, images, icons, code_spans, unused_css);
this one wires them up.
"""

from __future__ import annotations

import contextlib
import hashlib
import inspect
import json
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ExtensionError
from sphinx.util import logging
from sphinx.util.typing import ExtensionMetadata

from coursegen.sphinx import code_spans, icons, images, katex, pages, unused_css

logger = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
STATIC = HERE / "site_static"
TEMPLATES = HERE / "site_templates"


def finish(app: Sphinx, exception: Exception | None) -> None:
    # A build that stopped before its images were copied leaves WebPs encoding;
    # the next build of this process (make watch's) neither waits nor fails on them.
    with contextlib.suppress(Exception):
        images.wait_for_webp(app)
    katex.save_rendered(app)
    icons.write_icons(app, exception)
    pages.lazy_theme_tab_stops(app, exception)


def pybtex_backend(app: Sphinx) -> None:
    """pybtex's plain-text backend looked up once, not at every citation.

    sphinxcontrib-bibtex asks pybtex for it at each citation it resolves, and
    pybtex looks for it among every installed package's entry points each time
    (the course's 168 citations: 1.2 s of a cold build). Registered at run time,
    the same class is found in pybtex's own table first.
    """
    import pybtex.plugin

    group, name = "pybtex.backends", "plaintext"
    backend = pybtex.plugin.find_plugin(group, name)
    pybtex.plugin.register_plugin(group, name, backend, force=True)


# --- Setup ------------------------------------------------------------------


def _configure(app: Sphinx, config: Config) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    config.templates_path = [str(TEMPLATES), *config.templates_path]
    ours = ("course-site.css", {"priority": 900})
    config.html_css_files = [*config.html_css_files, ours]
    if not config.html_math_renderer:
        config.html_math_renderer = "katex"
    if not config.html_favicon:  # or every browser asks for /favicon.ico, a 404
        config.html_favicon = str(STATIC / "favicon.svg")
    # The theme's default, "", logs "Got invalid theme mode" in the console.
    # course_assets_version: cache-busting for the CSS the layout links itself.
    config.html_context = {
        "default_mode": "auto",
        "course_assets_version": assets_version(app),
        **config.html_context,
    }


def assets_version(app: Sphinx) -> str:
    """A token that changes with Sphinx, the theme, KaTeX or this extension.

    It is part of the configuration, so a new one also rewrites every page
    (a new KaTeX renders the maths again).
    """
    import pydata_sphinx_theme
    import sphinx

    try:
        package = json.loads((katex.katex_package(app) / "package.json").read_text())
    except ExtensionError:  # reported when the build needs KaTeX
        package = {}
    versions = (
        f"{sphinx.__version__} {pydata_sphinx_theme.__version__} "
        f"{package.get('version')}"
    )
    digest = hashlib.sha256(versions.encode())
    # The site's code: its modules and this file.
    for module in (katex, pages, images, icons, unused_css, code_spans):
        digest.update(Path(inspect.getfile(module)).read_bytes())
    digest.update(Path(__file__).read_bytes())
    return digest.hexdigest()[:12]


def setup(app: Sphinx) -> ExtensionMetadata:
    # Where the katex npm package is; "" looks in tools/site/node_modules.
    app.add_config_value("course_katex_path", "", "env", [str])
    app.add_html_math_renderer(
        "katex", (katex.visit_math, None), (katex.visit_displaymath, None)
    )
    app.add_node(
        nodes.image, override=True, html=(images.visit_image, images.depart_image)
    )
    app.add_node(
        nodes.citation,
        override=True,
        html=(images.visit_citation, images.depart_citation),
    )
    app.connect("config-inited", _configure, priority=900)
    app.connect("builder-inited", katex.stage_katex)
    app.connect("builder-inited", code_spans.plain_code)
    app.connect("builder-inited", pybtex_backend)
    # WebP before Sphinx's ImageCollector; thebe's config dropped after thebe
    app.connect("doctree-read", images.webp_images, priority=400)
    # Sphinx copies the images after html-collect-pages (its finish()).
    app.connect("html-collect-pages", images.wait_for_webp)
    app.connect("doctree-read", katex.collect_page_maths)
    app.connect("env-updated", katex.render_read_maths)
    app.connect("doctree-resolved", katex.render_page_maths)
    app.connect("doctree-resolved", pages.drop_thebe_config, priority=900)
    app.connect("html-page-context", pages.page_head, priority=900)
    # Before Sphinx copies the theme's files: not at set-up, which make watch's
    # waiting build does while the last site is served.
    app.connect("write-started", pages.keep_theme_script)
    app.connect("build-finished", finish)
    return {"parallel_read_safe": True, "parallel_write_safe": False, "version": "1"}
