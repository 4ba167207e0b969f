"""coursegen/sphinx/publish.py: with html.baseurl set, what a published site needs.

A two-page book (a book page and a lesson) with the course's own `_config.yml`,
its address set, is built as the public and the student edition (about 10 s)
and assembled as `make site` does; its canonical links, Open Graph metadata,
sitemaps, robots.txt and 404 page are then read back. The course's unpublished
configuration is checked by tests/test_editions.py's builds.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import urljoin
from xml.etree import ElementTree

import nbformat
import pytest
import yaml
from sphinx.errors import ConfigError

from coursegen import course
from coursegen import editions as edition
from coursegen import execute as execute_lessons
from coursegen.sphinx import publish
from tests import small_course

ROOT = Path(__file__).resolve().parents[1]
BASE = "https://example-org.github.io/relu-course/"
LICENCE = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"][
    "course_licence"
]
LESSON = (
    small_course.HEAD
    + """\
# Lesson one

You will see what relu does to a negative number, & why it matters.

```{code-cell} ipython3
max(0, -2)
```
"""
)
INTRO = "# A small course\n\nStart here: a page that says what the course is about.\n"
PAGES = {"book/intro": "A small course", "lessons/one": "Lesson one"}
EDITIONS = {"public": "", "student": "student/"}  # edition -> its folder in the site


def _book(root: Path) -> None:
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["html"]["baseurl"] = BASE
    config["repository"]["url"] = "https://github.com/example-org/relu-course"
    (root / "_config.yml").write_text(yaml.safe_dump(config))
    toc = {
        "format": "jb-book",
        "root": "book/intro",
        "chapters": [{"file": "lessons/one"}],
    }
    (root / "_toc.yml").write_text(yaml.safe_dump(toc))
    (root / "book").mkdir()
    (root / "lessons").mkdir()
    shutil.copy(ROOT / "book" / "references.bib", root / "book" / "references.bib")
    (root / "book" / "intro.md").write_text(INTRO)
    (root / "lessons" / "one.md").write_text(LESSON)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    """The public and student editions, published at BASE, assembled as make site."""
    root = tmp_path_factory.mktemp("published")
    _book(root)
    lessons = course.toc_lessons(root)
    cache = execute_lessons.Cache(root / "_build" / ".jupyter_cache")
    assert execute_lessons.run(lessons, cache, jobs=1) == 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        public = pool.submit(
            subprocess.run,
            edition.jupyter_book(root),
            capture_output=True,
            text=True,
            check=False,
        )
        student = pool.submit(edition.build_edition, "student", root)
        done = public.result()
        assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
        student.result()
    return edition.assemble_site(root)


def _head(page: Path) -> str:
    return page.read_text().split("</head>", 1)[0]


def _meta(page: Path, prop: str) -> list[str]:
    return re.findall(rf'<meta property="{prop}" content="([^"]*)" />', _head(page))


@pytest.mark.parametrize(("name", "prefix"), EDITIONS.items())
def test_every_page_links_to_its_own_published_address_as_canonical(site, name, prefix):
    for page in PAGES:
        html = site / prefix / f"{page}.html"
        url = f"{BASE}{prefix}{page}.html"
        assert f'<link rel="canonical" href="{url}" />' in _head(html), (name, page)
        assert _meta(html, "og:url") == [url]


@pytest.mark.parametrize(("name", "prefix"), EDITIONS.items())
def test_open_graph_metadata_uses_the_pages_own_title_and_description(
    site, name, prefix
):
    for page, title in PAGES.items():
        html = site / prefix / f"{page}.html"
        description = re.findall(
            r'<meta name="description" content="([^"]*)"', _head(html)
        )
        assert _meta(html, "og:description") == description, (name, page)
        assert _meta(html, "og:title") == [title]
        kind = "website" if page == "book/intro" else "article"
        assert _meta(html, "og:type") == [kind]
        edition_title = "ReLU, from the ground up" + (
            ", student edition" * bool(prefix)
        )
        assert _meta(html, "og:site_name") == [edition_title]
    lesson = site / prefix / "lessons" / "one.html"
    # The lesson's own first sentence, escaped once.
    assert _meta(lesson, "og:description") == [
        "You will see what relu does to a negative number, &amp; why it matters."
    ]


@pytest.mark.parametrize(("name", "prefix"), EDITIONS.items())
def test_each_editions_sitemap_lists_every_page_of_the_edition(site, name, prefix):
    tree = ElementTree.parse(site / prefix / publish.SITEMAP)
    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    urls = [loc.text for loc in tree.iter(f"{namespace}loc")]
    assert urls == [f"{BASE}{prefix}{page}.html" for page in sorted(PAGES)], name
    for url in urls:
        assert (site / url.removeprefix(BASE)).is_file(), url


def test_one_robots_txt_at_the_root_names_every_editions_sitemap(site):
    robots = (site / publish.ROBOTS).read_text()
    assert re.findall(r"^Sitemap: (\S+)$", robots, re.MULTILINE) == [
        f"{BASE}{publish.SITEMAP}",
        f"{BASE}student/{publish.SITEMAP}",
    ]
    assert "User-agent: *" in robots
    assert list(site.rglob(publish.ROBOTS)) == [site / publish.ROBOTS]


def test_the_404_page_works_at_any_depth_and_leads_home(site):
    assert not (site / "student" / "404.html").exists()  # Pages serves the root's
    page = site / "404.html"
    text = page.read_text()
    base = re.search(r'<base href="([^"]+)" />', _head(page))
    assert base, "a <base> makes every relative address absolute"
    assert base.group(1) == f"{BASE}404.html"
    assert _head(page).index("<base") < _head(page).index("_static/")  # before any
    assert '<meta name="robots" content="noindex" />' in text
    assert 'rel="canonical"' not in text
    assert "og:url" not in text
    assert "Page not found" in text
    assert 'href="book/intro.html">Go to the start of the course</a>' in text
    # In the site's look: the theme's stylesheet and the book's navigation.
    assert "course-theme.css" in text
    assert "bd-sidebar-primary" in text
    # Served for https://.../relu-course/a/b/c/missing, every address resolves.
    missing = 0
    for href in re.findall(r'(?:href|src)="([^"#]+)"', text):
        url = urljoin(base.group(1), href)
        if url.startswith(BASE):
            path = url.removeprefix(BASE).split("?")[0]
            missing += not (site / path).exists()
    assert missing == 0


@pytest.mark.parametrize(("name", "prefix"), EDITIONS.items())
def test_every_page_shows_the_licences_in_its_footer(site, name, prefix):
    footer = publish.licence_footer(LICENCE)
    pages = [*PAGES, "search", "genindex"] + (["404"] if not prefix else [])
    for page in pages:
        text = (site / prefix / f"{page}.html").read_text()
        assert footer in text.split('<footer class="bd-footer-content">', 1)[1], page


def test_a_downloaded_lesson_credits_its_published_page_and_its_licences(site):
    credit = f"ReLU, from the ground up ({BASE}lessons/one.html)"
    notice = publish.licence_notice(LICENCE, credit)
    assert LICENCE["content"]["url"] in notice
    assert LICENCE["code"]["url"] in notice
    nb = nbformat.read(site / "notebooks" / "one.ipynb", 4)
    md = (site / "notebooks" / "one.md").read_text()
    for text in (nb.cells[0].source, md):
        comments = [line[2:] for line in text.splitlines() if line.startswith("# ")]
        assert notice in " ".join(comments)  # wrapped in comment lines, both alike


# --- settings -------------------------------------------------------------------
def _config(**values: object) -> SimpleNamespace:
    settings = {
        "course_licence": LICENCE,
        "html_theme_options": {},
        "course_site_prefix": "",
        "html_baseurl": "",
    }
    return SimpleNamespace(**{**settings, **values})


def test_the_editions_address_is_the_sites_plus_its_folder():
    config = _config(html_baseurl="https://a.example/course", course_site_prefix="s/")
    publish.configure(None, config)  # type: ignore[arg-type]
    assert config.html_baseurl == "https://a.example/course/s/"
    assert config.html_theme_options["extra_footer"] == publish.licence_footer(LICENCE)


@pytest.mark.parametrize(
    "base", ["owner.github.io/course", "/course/", "https://a.example/?x=1"]
)
def test_a_base_url_that_is_not_an_absolute_address_is_refused(base):
    with pytest.raises(ConfigError, match=r"html\.baseurl in _config\.yml must be"):
        publish.configure(None, _config(html_baseurl=base))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "licence",
    [{}, {"content": LICENCE["content"]}, {**LICENCE, "code": {"name": "MIT"}}],
    ids=["empty", "no code licence", "no url"],
)
def test_a_licence_declaration_without_name_spdx_or_url_is_refused(licence):
    with pytest.raises(ConfigError, match=r"course_licence\.\w+ in _config\.yml must"):
        publish.configure(None, _config(course_licence=licence))  # type: ignore[arg-type]
