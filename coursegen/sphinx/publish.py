"""What a published site needs: its licences, and its addresses once it has one.

- ``course_licence`` in ``_config.yml`` declares the licences of the content
  and of the code, once: every page's footer shows them (sphinx-book-theme's
  ``extra_footer``), and every downloaded lesson (coursegen.sphinx.downloads)
  opens with them.
- ``html.baseurl`` in ``_config.yml`` (Sphinx's ``html_baseurl``) is the
  published site's address; empty, the site is not published and none of what
  follows is written (a local site has no absolute address to point to). Set,
  every edition's pages, which live under ``course_site_prefix`` in the site
  (``student/``, ``classes/NAME/``), get a canonical link, Open Graph metadata
  (the page's own description, coursegen.sphinx.pages), and the edition gets a
  ``sitemap.xml`` of its pages and a ``robots.txt`` naming it; the edition at
  the site's root also writes ``404.html``, which GitHub Pages serves for a
  missing address at any depth: a ``<base>`` makes its links and assets absolute.
"""

from __future__ import annotations

import html
import posixpath
import re
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit
from xml.sax.saxutils import escape

from docutils import nodes
from markupsafe import Markup
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.util.typing import ExtensionMetadata

from coursegen.sphinx import pages

NOT_FOUND = "404"  # the page GitHub Pages serves for a missing address
SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
LICENCE_PARTS = {"content": "text and figures", "code": "code"}
LICENCE_KEYS = ("name", "spdx", "url")


# --- Licences -------------------------------------------------------------------


def licence_notice(licence: dict[str, dict[str, str]], credit: str) -> str:
    """A downloaded lesson's notice: what it is from, what is under which licence."""
    parts = [
        f"{LICENCE_PARTS[part]} {licence[part]['name']} ({licence[part]['url']})"
        for part in LICENCE_PARTS
    ]
    return f"{credit}. Licences: " + ", ".join(parts) + "."


def licence_footer(licence: dict[str, dict[str, str]]) -> str:
    """The footer's HTML: each licence linked, with rel="license"."""
    parts = [
        f'{LICENCE_PARTS[part].capitalize()}: <a rel="license" '
        f'href="{html.escape(licence[part]["url"])}">'
        f"{html.escape(licence[part]['name'])}</a>."
        for part in LICENCE_PARTS
    ]
    return f'<p class="course-licence">{" ".join(parts)}</p>'


def _check_licence(licence: Any) -> None:
    for part in LICENCE_PARTS:
        given = licence.get(part) if isinstance(licence, dict) else None
        if not isinstance(given, dict) or not all(
            isinstance(given.get(key), str) and given[key] for key in LICENCE_KEYS
        ):
            raise ConfigError(
                f"course_licence.{part} in _config.yml must give "
                f"{', '.join(LICENCE_KEYS)} as strings, got {given!r}"
            )


# --- The published address --------------------------------------------------------


def _check_base(base: str) -> None:
    parts = urlsplit(base)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query:
        raise ConfigError(
            "html.baseurl in _config.yml must be the published site's address, "
            f"e.g. https://OWNER.github.io/NAME/, or empty; got {base!r}"
        )


def configure(app: Sphinx, config: Config) -> None:
    """Check the settings; the footer's licence; the edition's own address."""
    _check_licence(config.course_licence)
    options = dict(config.html_theme_options)
    footer = licence_footer(config.course_licence)
    # After a footer _config.yml's html.extra_footer may set.
    options["extra_footer"] = (options.get("extra_footer") or "") + footer
    config.html_theme_options = options
    prefix = config.course_site_prefix
    if prefix and not re.fullmatch(r"([\w.-]+/)+", prefix):
        raise ConfigError(f"course_site_prefix must be a folder/ path, got {prefix!r}")
    if config.html_baseurl:
        _check_base(config.html_baseurl)
        # Sphinx's html_baseurl, as this edition is published: the site + its folder.
        config.html_baseurl = config.html_baseurl.rstrip("/") + "/" + prefix


def site_title(app: Sphinx) -> str:
    """The edition's title (Jupyter Book's title is Sphinx's html_title)."""
    return str(app.config.html_title or app.config.project)


def page_url(app: Sphinx, pagename: str) -> str | None:
    """The page's published address, or None where the site has none."""
    if not app.config.html_baseurl:
        return None
    return posixpath.join(app.config.html_baseurl, app.builder.get_target_uri(pagename))


def _meta(prop: str, content: str) -> str:
    return f'\n<meta property="{prop}" content="{html.escape(content, quote=True)}" />'


def page_head(
    app: Sphinx,
    pagename: str,
    templatename: str,
    context: dict[str, Any],
    doctree: nodes.document | None,
) -> None:
    """A published page's canonical link and Open Graph metadata; 404's <base>."""
    if pagename == NOT_FOUND:
        base = html.escape(page_url(app, NOT_FOUND) or "")
        # First in <head>: every relative address after it resolves from the root.
        context["metatags"] = (
            f'\n<base href="{base}" />\n<meta name="robots" content="noindex" />'
            + context.get("metatags", "")
        )
        context["pageurl"] = None
        return
    url = page_url(app, pagename)
    context["pageurl"] = url  # Sphinx's canonical link; the same address as below
    if url is None:
        return
    kind = "website" if pagename == app.config.root_doc else "article"
    context["metatags"] = context.get("metatags", "") + "".join(
        [
            _meta("og:title", Markup(context.get("title", "")).striptags()),
            _meta("og:description", pages.page_description(app, doctree)),
            _meta("og:url", url),
            _meta("og:type", kind),
            _meta("og:site_name", site_title(app)),
        ]
    )


# --- Pages of the published site ------------------------------------------------------


def not_found_page(app: Sphinx) -> list[tuple[str, dict[str, Any], str]]:
    """404.html in the site's look, for the edition at the site's root only."""
    if not app.config.html_baseurl or app.config.course_site_prefix:
        return []
    home = app.builder.get_target_uri(app.config.root_doc)
    body = (
        '<section id="page-not-found">\n<h1>Page not found</h1>\n'
        "<p>Nothing of the course lives at this address: a lesson may have been "
        "renamed, or the address mistyped.</p>\n"
        f'<p><a href="{home}">Go to the start of the course</a>, or search it '
        "with the search button.</p>\n</section>"
    )
    return [(NOT_FOUND, {"title": "Page not found", "body": body}, "page.html")]


def sitemap(urls: list[str]) -> str:
    """A sitemap.xml (sitemaps.org 0.9) listing urls."""
    entries = "".join(f"  <url><loc>{escape(url)}</loc></url>\n" for url in urls)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">\n'
        f"{entries}</urlset>\n"
    )


def robots(sitemaps: list[str]) -> str:
    """A robots.txt that lets every crawler in and names the sitemaps."""
    return "User-agent: *\nAllow: /\n\n" + "".join(f"Sitemap: {s}\n" for s in sitemaps)


def write_sitemap(app: Sphinx, exception: Exception | None) -> None:
    """The edition's sitemap.xml (every page of the book) and its robots.txt."""
    if exception is not None or app.builder.format != "html":
        return
    if not app.config.html_baseurl:
        return
    urls = [page_url(app, name) for name in sorted(app.env.found_docs)]
    out = Path(app.outdir)
    (out / SITEMAP).write_text(sitemap([url for url in urls if url]))
    (out / ROBOTS).write_text(robots([app.config.html_baseurl + SITEMAP]))


SITEMAP_LINE = re.compile(r"^Sitemap: .+$", re.MULTILINE)


def merge_robots(site: Path) -> None:
    """One robots.txt at the site's root, naming every edition's sitemap.

    Crawlers read robots.txt only at the root; each edition wrote its own.
    """
    sitemaps = []
    for path in sorted(site.rglob(ROBOTS), key=lambda path: (len(path.parts), path)):
        sitemaps += SITEMAP_LINE.findall(path.read_text())
        path.unlink()
    if sitemaps:
        (site / ROBOTS).write_text(robots([line.split(" ", 1)[1] for line in sitemaps]))


def setup(app: Sphinx) -> ExtensionMetadata:
    licence = {part: dict.fromkeys(LICENCE_KEYS, "") for part in LICENCE_PARTS}
    app.add_config_value("course_licence", licence, "html", [dict])
    # The edition's folder inside the published site ("" for the public site).
    app.add_config_value("course_site_prefix", "", "html", [str])
    app.connect("config-inited", configure)
    app.connect("html-collect-pages", not_found_page)
    app.connect("html-page-context", page_head)
    app.connect("build-finished", write_sitemap)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
