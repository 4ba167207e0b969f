"""coursegen/sphinx/editions.py: what each edition's pages show, on small doctrees.

The extension is driven through the events it connects in setup(), as Sphinx
drives it: the configuration check, the doctree of a page as read, a reference
to a lesson that a class leaves out. tests/test_editions.py builds whole books.
"""

from __future__ import annotations

from collections.abc import Callable
from types import SimpleNamespace
from typing import Any

import pytest
from docutils import nodes
from sphinx import addnodes
from sphinx.errors import ConfigError

from coursegen.sphinx import editions


class RecordingApp:
    """What editions.setup() asks of Sphinx, recorded: config values and events."""

    def __init__(self) -> None:
        self.defaults: dict[str, Any] = {}
        self.handlers: dict[str, Callable[..., Any]] = {}

    def add_config_value(self, name: str, default: Any, *args: Any) -> None:
        self.defaults[name] = default

    def connect(self, event: str, handler: Callable[..., Any], **_: Any) -> None:
        self.handlers[event] = handler

    def configured(self, **values: Any) -> RecordingApp:
        config = {**self.defaults, "html_copy_source": False, **values}
        self.config = SimpleNamespace(**config)
        return self


@pytest.fixture
def app() -> RecordingApp:
    app = RecordingApp()
    assert editions.setup(app)["parallel_read_safe"]
    return app


def test_the_public_edition_is_the_default(app):
    assert app.defaults["course_edition"] == "public"
    assert app.defaults["course_lesson_titles"] == {}


def test_an_unknown_edition_fails_the_build_listing_the_editions(app):
    app.configured(course_edition="draft")
    with pytest.raises(ConfigError, match=r"course_edition must be one of \['public'"):
        app.handlers["config-inited"](app, app.config)


def test_copying_the_sources_into_the_site_is_refused(app):
    app.configured(html_copy_source=True)
    with pytest.raises(ConfigError, match="html_copy_source must be false"):
        app.handlers["config-inited"](app, app.config)


def test_a_known_edition_without_sources_passes_the_check(app):
    for name in ("public", "student", "teacher"):
        app.configured(course_edition=name)
        app.handlers["config-inited"](app, app.config)


def _page() -> nodes.document:
    """A lesson's doctree: a teacher note, a solution holding another note."""
    document = nodes.document(None, None)
    note = nodes.container(classes=["admonition", editions.TEACHER_NOTE])
    note += nodes.paragraph(text="TEACHER NOTE")
    solution = nodes.container(type="solution", classes=["dropdown"])
    solution += nodes.paragraph(text="SOLUTION")
    inner = nodes.container(classes=[editions.TEACHER_NOTE])
    inner += nodes.paragraph(text="NOTE IN A SOLUTION")
    solution += inner
    document += [nodes.paragraph(text="PROSE"), note, solution]
    return document


def _read(app: RecordingApp, edition: str) -> nodes.document:
    app.configured(course_edition=edition)
    document = _page()
    app.handlers["doctree-read"](app, document)
    return document


def _solution(document: nodes.document) -> nodes.Element | None:
    found = [
        n for n in document.findall(nodes.container) if n.get("type") == "solution"
    ]
    return found[0] if found else None


def test_the_public_pages_keep_solutions_collapsed_and_drop_teacher_notes(app):
    document = _read(app, "public")
    text = document.astext()
    assert "PROSE" in text
    assert "SOLUTION" in text
    assert "TEACHER NOTE" not in text
    assert "NOTE IN A SOLUTION" not in text
    assert "dropdown" in _solution(document)["classes"]


def test_the_student_pages_have_no_solution_and_no_teacher_note(app):
    document = _read(app, "student")
    assert document.astext().split() == ["PROSE"]
    assert _solution(document) is None


def test_the_teacher_pages_show_solutions_open_and_teacher_notes(app):
    document = _read(app, "teacher")
    assert document.astext().split("\n\n") == [
        "PROSE",
        "TEACHER NOTE",
        "SOLUTION",
        "NOTE IN A SOLUTION",
    ]
    assert "dropdown" not in _solution(document)["classes"]


def _reference(target: str, explicit: bool = False, reftype: str = "ref") -> Any:
    node = addnodes.pending_xref(
        reftype=reftype, reftarget=target, refexplicit=explicit
    )
    return node, nodes.inline(text="the link's own text")


def _resolve(app: RecordingApp, node: Any, text: nodes.Node) -> nodes.Node | None:
    return app.handlers["missing-reference"](app, None, node, text)


def test_a_reference_to_a_lesson_the_class_leaves_out_becomes_its_title(app):
    app.configured(course_lesson_titles={"lesson-beta": "Beta, the second"})
    resolved = _resolve(app, *_reference("lesson-beta"))
    assert isinstance(resolved, nodes.emphasis)
    assert resolved.astext() == "Beta, the second"


def test_an_explicit_reference_to_a_left_out_lesson_keeps_its_own_text(app):
    app.configured(course_lesson_titles={"lesson-beta": "Beta"})
    node, text = _reference("lesson-beta", explicit=True)
    assert _resolve(app, node, text) is text


def test_a_reference_into_a_left_out_lesson_keeps_its_text(app):
    app.configured(course_lesson_titles={"lesson-beta": "Beta"})
    for target in ("check-beta-loss", "lesson-gamma", "claims-3"):
        node, text = _reference(target)
        assert _resolve(app, node, text) is text, target


def test_other_missing_references_stay_broken_for_sphinx_to_report(app):
    app.configured(course_lesson_titles={"lesson-beta": "Beta"})
    assert _resolve(app, *_reference("fig-nowhere")) is None
    assert _resolve(app, *_reference("lesson-beta", reftype="doc")) is None
    app.configured(course_lesson_titles={})  # not a class: every lesson is there
    assert _resolve(app, *_reference("lesson-beta")) is None
