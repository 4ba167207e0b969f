"""coursegen/sphinx/site.py's configuration and pages.py's page work, without a build.

tests/test_site_build.py builds a small site with the defaults; here, what the
extension leaves to a book that sets its own, and the page work on doctrees.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from docutils import nodes

from coursegen.sphinx import katex, pages, site


class RecordingApp:
    """What site.setup() asks of Sphinx, with the handlers of its events."""

    def __init__(self, srcdir: Path) -> None:
        self.handlers: dict[str, list[Callable[..., Any]]] = {}
        self.srcdir = str(srcdir)
        self.config = SimpleNamespace(course_katex_path="")

    def connect(self, event: str, handler: Callable[..., Any], **_: Any) -> None:
        self.handlers.setdefault(event, []).append(handler)

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None  # add_node, add_config_value, ...


def _config(**values: Any) -> SimpleNamespace:
    defaults = {
        "html_static_path": [],
        "templates_path": [],
        "html_css_files": [],
        "html_math_renderer": None,
        "html_favicon": None,
        "html_context": {},
    }
    return SimpleNamespace(**{**defaults, **values})


def _configured(tmp_path: Path, config: SimpleNamespace) -> SimpleNamespace:
    app = RecordingApp(tmp_path)
    site.setup(app)
    (configure,) = app.handlers["config-inited"]
    configure(app, config)
    return config


def test_the_defaults_are_katex_the_course_favicon_and_the_auto_colour_mode(tmp_path):
    config = _configured(tmp_path, _config())
    assert config.html_math_renderer == "katex"
    assert config.html_favicon == str(site.STATIC / "favicon.svg")
    assert config.html_context["default_mode"] == "auto"
    assert re.fullmatch(r"[0-9a-f]{12}", config.html_context["course_assets_version"])
    assert config.templates_path[0] == str(site.TEMPLATES)  # before the theme's
    assert config.html_css_files[-1] == ("course-site.css", {"priority": 900})


def test_a_books_own_renderer_favicon_and_colour_mode_are_kept(tmp_path):
    config = _configured(
        tmp_path,
        _config(
            html_math_renderer="mathjax",
            html_favicon="logo.ico",
            html_context={"default_mode": "dark"},
        ),
    )
    assert config.html_math_renderer == "mathjax"
    assert config.html_favicon == "logo.ico"
    assert config.html_context["default_mode"] == "dark"


def test_the_formulas_are_collected_as_read_and_rendered_once_all_are_read(tmp_path):
    app = RecordingApp(tmp_path)
    site.setup(app)
    assert katex.collect_page_maths in app.handlers["doctree-read"]
    assert katex.render_read_maths in app.handlers["env-updated"]
    assert katex.render_page_maths in app.handlers["doctree-resolved"]  # the rest
    assert pages.keep_theme_script in app.handlers["write-started"]


def test_the_assets_version_changes_with_the_katex_found(tmp_path, monkeypatch):
    app = RecordingApp(tmp_path)
    with_katex = site.assets_version(app)
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "venv"))  # no KaTeX anywhere
    without = site.assets_version(app)
    assert re.fullmatch(r"[0-9a-f]{12}", without)
    assert without != with_katex


def test_sphinx_thebes_configuration_scripts_are_dropped_and_other_html_kept():
    document = nodes.document(None, None)
    document += [
        nodes.raw("", '<script type="text/x-thebe-config">{}</script>', format="html"),
        nodes.raw("", "<script>kernelName = 'python3'</script>", format="html"),
        nodes.raw("", "<div>kept</div>", format="html"),
    ]
    pages.drop_thebe_config(SimpleNamespace(), document, "lessons/x")
    assert [raw.astext() for raw in document.findall(nodes.raw)] == ["<div>kept</div>"]


def test_a_description_leaves_out_citation_and_footnote_marks():
    paragraph = nodes.paragraph()
    paragraph += [
        nodes.Text("ReLU is the most used activation"),
        nodes.citation_reference("", "Glorot2011", refname="glorot2011"),
        nodes.Text(" of deep networks"),
        nodes.footnote_reference("", "1", refname="1"),
        nodes.Text(" today."),
    ]
    document = nodes.document(None, None)
    document += paragraph
    assert pages.description(document) == (
        "ReLU is the most used activation of deep networks today."
    )


@pytest.mark.parametrize("name", ["sphinx-thebe.js", "design-tabs.js"])
def test_the_scripts_of_unused_extensions_are_not_linked(name):
    script = SimpleNamespace(filename=f"_static/{name}", attributes={}, priority=500)
    context = {"script_files": [script], "css_files": [], "body": "<p>text</p>"}
    app = SimpleNamespace()
    pages.page_head(app, "lessons/x", "page.html", context, _paragraph_page())
    assert context["script_files"] == []


def _paragraph_page() -> nodes.document:
    document = nodes.document(None, None)
    document += nodes.paragraph(text="A page about relu with words enough to describe.")
    return document


class ScriptsApp:
    """An app that records the inline scripts a page is given."""

    def __init__(self) -> None:
        self.bodies: list[str] = []

    def add_js_file(self, filename: str | None, body: str = "", **_: Any) -> None:
        self.bodies.append(body)

    def add_css_file(self, *args: Any, **kwargs: Any) -> None:
        pass


@pytest.mark.parametrize(
    ("body", "checked"),
    [
        ('<div class="highlight"><pre>x = 1</pre></div>', True),
        ('<div class="cell_output docutils container"><p>out</p></div>', True),
        ('<span class="katex-display"><span class="katex">x</span></span>', True),
        ("<p>words only, a prefix: <pretend></p>", False),
    ],
)
def test_a_page_with_blocks_that_may_scroll_checks_them_as_they_are_laid_out(
    body, checked
):
    app = ScriptsApp()
    context = {"script_files": [], "css_files": [], "body": body}
    pages.page_head(app, "lessons/x", "page.html", context, _paragraph_page())
    assert (pages.TAB_STOPS in app.bodies) is checked
    if checked:  # each block as it is laid out, all of them at the first Tab
        assert "new ResizeObserver" in pages.TAB_STOPS
        assert '"keydown"' in pages.TAB_STOPS
        assert pages.SCROLLABLE_BLOCKS in pages.TAB_STOPS


# The end of pydata-sphinx-theme.js (0.17, minified): its check of every block,
# run at load.
THEME_END = (
    'function I(){const e=()=>{document.querySelectorAll(["pre"]).forEach(e=>'
    "{e.tabIndex=e.scrollWidth>e.clientWidth?0:-1})};e()}"
    'function J(){}"complete"===document.readyState?I():'
    'window.addEventListener("load",I),J()})();'
)


def _theme_script(tmp_path: Path, text: str) -> tuple[SimpleNamespace, Path]:
    script = tmp_path / pages.THEME_SCRIPT
    script.parent.mkdir(parents=True)
    script.write_text(text)
    return SimpleNamespace(outdir=str(tmp_path)), script


def test_the_themes_check_of_every_block_at_load_is_taken_out(tmp_path, caplog):
    app, script = _theme_script(tmp_path, THEME_END)
    pages.lazy_theme_tab_stops(app, None)
    patched = script.read_text()
    call = '"complete"===document.readyState?I():window.addEventListener("load",I)'
    assert patched == THEME_END.replace(call, pages.THEME_CHECK_TAKEN.format(call))
    assert "function I()" in patched  # defined, no longer called
    pages.lazy_theme_tab_stops(app, None)  # a rebuild that kept the copy: as it is
    assert script.read_text() == patched
    assert "WARNING" not in caplog.text


def test_a_rebuild_finds_the_themes_script_as_the_theme_has_it(tmp_path):
    # Before Sphinx copies the theme's files (write-started), so that it finds
    # the copy equal and does not log that it overwrites data.
    app, script = _theme_script(tmp_path, THEME_END)
    pages.lazy_theme_tab_stops(app, None)
    assert script.read_text() != THEME_END
    pages.keep_theme_script(app)
    assert script.read_text() == THEME_END
    pages.keep_theme_script(app)  # the theme's own: left as it is
    assert script.read_text() == THEME_END
    absent = tmp_path / "none"
    pages.keep_theme_script(SimpleNamespace(outdir=str(absent)))  # no site yet
    assert not absent.exists()


def test_a_theme_script_of_another_shape_is_left_as_it_is_with_a_warning(
    tmp_path, caplog
):
    other = THEME_END.replace("scrollWidth", "offsetWidth")  # I checks no block
    app, script = _theme_script(tmp_path, other)
    pages.lazy_theme_tab_stops(app, None)
    assert script.read_text() == other
    assert "no check of scrollable blocks at load" in caplog.text
    script.write_text(THEME_END)
    pages.lazy_theme_tab_stops(app, RuntimeError("build failed"))
    assert script.read_text() == THEME_END  # a failed build is not touched


def test_pybtex_finds_its_plain_text_backend_without_reading_entry_points(
    monkeypatch,
):
    import pybtex.plugin

    found = pybtex.plugin.find_plugin("pybtex.backends", "plaintext")
    site.pybtex_backend(SimpleNamespace())

    def scan(**_: object) -> None:
        raise AssertionError("looked up among the installed entry points")

    monkeypatch.setattr(pybtex.plugin, "entry_points", scan)
    assert pybtex.plugin.find_plugin("pybtex.backends", "plaintext") is found
