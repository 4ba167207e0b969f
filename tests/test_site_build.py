"""coursegen/sphinx/site.py and its parts, in a real build of a two-page site.

A Sphinx project with the course's theme and site extension only (no notebooks,
no Jupyter Book: a few seconds) is built, then built again from scratch with
no node on the PATH. The pages are checked for what the site extension
promises: maths rendered by KaTeX at build time, numbered; KaTeX's stylesheet
only where there is maths; figures as WebP with their size, lazy; references
as list items; a description and a favicon on every page; deferred scripts; a
cut-down icon font; code without the spans of plain tokens. The rebuild shows
formulas and icons come from the caches.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image

from coursegen.sphinx import code_spans, pages
from tests.test_code_spans import THEME_STYLES

ROOT = Path(__file__).resolve().parents[1]

CONF = """\
project = "Tiny"
extensions = ["coursegen.sphinx.site"]
html_theme = "sphinx_book_theme"
numfig = True
"""
INDEX = r"""
Tiny site
=========

A page about relu, which is zero where :math:`z \le 0` and the identity elsewhere.

.. math:: \mathrm{relu}(z) = \max(0, z)
   :label: eq-relu

Equation :eq:`eq-relu` is cited in [Ref1]_, and this one has no number:

.. math:: z \mapsto \max(0, z)

.. image:: fig.png
   :alt: a figure at its own size

.. image:: fig.png
   :alt: the same figure, scaled
   :width: 50px

.. image:: https://example.org/remote.png
   :alt: a remote figure

.. [Ref1] A reference.

.. code-block:: python

   total = sum(relu(z) for z in (-1, 2))  # a <comment>

.. toctree::

   plain
"""
PLAIN = """
Plain
=====

A page without maths, with words enough for a description of its own.
"""
PIXELS = (23, 11)


def _build(
    src: Path, out: Path, path: str, *, quiet: bool = True, fresh: bool = False
) -> subprocess.CompletedProcess[str]:
    """Sphinx's build (fresh: every page read and written again, -E)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": path}  # this tree's code
    command = [sys.executable, "-m", "sphinx", "-b", "html", "-W", "--keep-going"]
    command += ["-q"] * quiet + ["-E"] * fresh + [str(src), str(out)]
    return subprocess.run(command, env=env, capture_output=True, text=True, check=False)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """The site built, then rebuilt from scratch (-E) without node."""
    src = tmp_path_factory.mktemp("site")
    (src / "conf.py").write_text(CONF)
    (src / "index.rst").write_text(INDEX)
    (src / "plain.rst").write_text(PLAIN)
    image = Image.new("RGB", PIXELS, (200, 30, 30))
    image.putpixel((3, 4), (0, 0, 255))
    image.save(src / "fig.png")
    out = src / "_build"
    done = _build(src, out, os.environ["PATH"])
    assert done.returncode == 0, done.stderr[-3000:]
    icons = out / "_static" / "course-icons"
    fonts = {font.name: font.stat().st_mtime_ns for font in icons.glob("*.woff")}
    no_node = src / "no-node"
    no_node.mkdir()
    pages_before = (out / "index.html").read_text()
    rebuilt = _build(src, out, str(no_node), quiet=False, fresh=True)
    return {
        "src": src,
        "out": out,
        "fonts": fonts,
        "first index": pages_before,
        "rebuilt": rebuilt,
    }


def _page(site: dict, name: str) -> str:
    return (site["out"] / f"{name}.html").read_text()


def _images(page: str) -> list[dict[str, str]]:
    tags = re.findall(r"<img [^>]*>", page)
    return [dict(re.findall(r'([\w-]+)="([^"]*)"', tag)) for tag in tags]


def test_maths_is_rendered_at_build_time_with_the_equation_number(site):
    index = site["first index"]
    assert index.count('class="katex-display"') == 2
    assert index.count('class="katex"') == 3  # inline and display
    assert index.count('class="eqno"') == 1  # only the labelled formula
    assert "<math" in index  # MathML for screen readers
    assert re.search(r'<span class="eqno">\(1\)<a class="headerlink"', index)
    assert 'class="math notranslate nohighlight"' in index  # Sphinx's classes kept
    # TeX only as MathML's annotation: nothing left for a browser to typeset
    shown = re.sub(r"<annotation .*?</annotation>", "", index, flags=re.DOTALL)
    assert r"\max" in index
    assert r"\max" not in shown


def test_katex_styles_and_fonts_are_served_from_the_site_only_to_pages_with_maths(
    site,
):
    assert 'href="_static/katex/katex.min.css' in _page(site, "index")
    assert "katex" not in _page(site, "plain")
    assert "scrollWidth" in _page(site, "index")  # wide formulas take the focus
    assert "scrollWidth" not in _page(site, "plain")
    staged = site["out"] / "_static" / "katex"
    css = (staged / "katex.min.css").read_text()
    assert ".woff2" in css
    assert 'format("woff")' not in css
    assert 'format("truetype")' not in css
    assert sorted(staged.glob("fonts/*.woff2"))
    assert not sorted(staged.glob("fonts/*.ttf"))


def test_a_figure_is_webp_with_its_size_and_loaded_lazily(site):
    own, scaled, remote = _images(_page(site, "index"))
    assert own["src"] == scaled["src"] == "_images/fig.webp"
    assert (own["width"], own["height"]) == tuple(str(n) for n in PIXELS)
    assert own["decoding"] == "async"
    assert "width" not in scaled  # sized by its :width: option
    assert scaled["style"] == "width: 50px;"
    assert remote["src"] == "https://example.org/remote.png"
    assert all(image["loading"] == "lazy" for image in (own, scaled, remote))
    png, webp = site["src"] / "fig.png", site["out"] / "_images" / "fig.webp"
    with Image.open(png) as before, Image.open(webp) as after:
        assert after.format == "WEBP"
        # few colours: every pixel kept
        assert after.convert("RGB").tobytes() == before.tobytes()


def test_references_are_list_items(site):
    index = _page(site, "index")
    assert 'role="listitem"' in index
    assert "doc-biblioentry" not in index


def test_every_page_has_a_description_and_a_favicon(site):
    descriptions = {}
    for name in ("index", "plain", "genindex"):
        page = _page(site, name)
        assert '<link rel="icon" href="_static/favicon.svg"/>' in page
        found = re.search(r'<meta name="description" content="([^"]*)"', page)
        descriptions[name] = found.group(1)
    assert descriptions["index"] == (
        "A page about relu, which is zero where z ≤ 0 and the identity elsewhere."
    )
    assert descriptions["plain"].startswith("A page without maths")
    # A page without a paragraph of its own is described by the book's first page.
    assert descriptions["genindex"] == descriptions["index"]
    assert len(descriptions["index"]) <= pages.DESCRIPTION_LENGTH


def test_scripts_are_deferred_except_the_options_inline_scripts_need(site):
    scripts = re.findall(r"<script ([^>]*)>", _page(site, "index"))
    sources = {
        re.search(r'src="([^"?]+)', s).group(1): s for s in scripts if "src" in s
    }
    options = sources.pop("_static/documentation_options.js")
    assert "defer" not in options
    assert sources
    assert all("defer" in attributes for attributes in sources.values())


def test_the_icon_fonts_hold_only_the_glyphs_the_site_uses(site):
    static = site["out"] / "_static"
    assert sorted(site["fonts"]) == [
        "fa-brands-400.woff",
        "fa-regular-400.woff",
        "fa-solid-900.woff",
    ]
    full = next(static.rglob("vendor/fontawesome/webfonts/fa-solid-900.ttf"))
    cut = static / "course-icons" / "fa-solid-900.woff"
    assert cut.stat().st_size < full.stat().st_size / 10
    trimmed = (static / "styles" / "course-theme.css").read_text()
    theme = (static / "styles" / "pydata-sphinx-theme.css").read_text()
    assert len(trimmed) < len(theme)
    assert "@font-face" not in trimmed or "Font Awesome" not in trimmed
    assert 'href="_static/styles/course-theme.css' in _page(site, "index")


def test_a_rebuild_from_scratch_needs_no_node_and_no_new_fonts(site):
    rebuilt = site["rebuilt"]
    assert rebuilt.returncode == 0, rebuilt.stderr[-3000:]  # node would be missing
    assert _page(site, "index") == site["first index"]  # formulas from the cache
    icons = site["out"] / "_static" / "course-icons"
    assert {f.name: f.stat().st_mtime_ns for f in icons.glob("*.woff")} == site["fonts"]
    # The site's copy of the theme's script, without its check at load, was put
    # back as the theme has it before Sphinx copied the theme's files again.
    assert "will overwrite data" not in rebuilt.stdout
    script = (site["out"] / pages.THEME_SCRIPT).read_text()
    assert pages.TAKEN_CALL.search(script)


def test_code_has_no_span_around_tokens_in_its_own_colour_and_keeps_the_rest(site):
    code = re.search(r'<div class="highlight">(.*?)</div>', _page(site, "index"), re.S)
    assert code is not None
    html = code.group(1)
    assert '<span class="k">for</span>' in html  # a keyword keeps its colour
    assert '<span class="c1"># a &lt;comment&gt;</span>' in html
    classes = set(re.findall(r'<span class="([\w ]+)">', html))
    plain = code_spans.plain_classes(*THEME_STYLES)
    assert {"n", "p"} <= plain
    assert classes & plain == set()
    text = re.sub(r"<[^>]+>", "", html)
    assert "total = sum(relu(z) for z in (-1, 2))  # a &lt;comment&gt;" in text
