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

from coursegen.sphinx import pages, site


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
