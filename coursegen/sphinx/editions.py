"""Editions of the course from one source: public, student and teacher.

The Sphinx config value ``course_edition`` picks one (``make book EDITION=...``),
and ``coursegen.course.EDITIONS`` says what it shows; this extension applies it
to the pages (downloads.py to the notebooks and the launch buttons):

- public (default): solutions collapsed in dropdowns, no teacher notes;
- student: no solutions at all, no teacher notes;
- teacher: solutions shown open, and the lessons' teacher notes
  (``:::{admonition} For teachers`` with ``:class: teacher-note``).

``course_lesson_titles`` (label -> title), set for class editions, turns a
reference to a lesson the class does not include into the lesson's title in
italics instead of a broken link.
"""

from __future__ import annotations

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.environment import BuildEnvironment
from sphinx.errors import ConfigError
from sphinx.util.typing import ExtensionMetadata

from coursegen.course import EDITIONS, edition

TEACHER_NOTE = "teacher-note"


def _check(app: Sphinx, config: Config) -> None:
    if config.course_edition not in EDITIONS:
        raise ConfigError(
            f"course_edition must be one of {list(EDITIONS)}, "
            f"got {config.course_edition!r}"
        )
    if config.html_copy_source:
        # _sources/ would hand out every lesson's .md, solutions and notes included;
        # lessons are downloaded from notebooks/, cut for the edition instead.
        raise ConfigError(
            "html_copy_source must be false (see coursegen.sphinx.downloads)"
        )


def _is_solution(node: nodes.Node) -> bool:
    # sphinx-exercise's solution_node, after its gated start/end are merged.
    return isinstance(node, nodes.Element) and node.get("type") == "solution"


def _strip(app: Sphinx, doctree: nodes.document) -> None:
    shows = edition(app.config.course_edition)
    for node in list(doctree.findall(nodes.Element)):
        if node.parent is None:
            continue  # already removed with an ancestor
        if TEACHER_NOTE in node.get("classes", []) and not shows.teacher_notes:
            node.parent.remove(node)
        elif _is_solution(node):
            if shows.solutions == "none":
                node.parent.remove(node)
            elif shows.solutions == "open" and "dropdown" in node["classes"]:
                node["classes"].remove("dropdown")


def _missing_lesson(
    app: Sphinx, env: BuildEnvironment, node: nodes.Element, contnode: nodes.Node
) -> nodes.Node | None:
    titles = app.config.course_lesson_titles
    target = node.get("reftarget", "")
    if node.get("reftype") != "ref" or not titles:
        return None
    if target in titles:  # a lesson left out of this class
        if node.get("refexplicit"):
            return contnode
        return nodes.emphasis(text=titles[target])
    if target.startswith(("check-", "lesson-", "claims")):
        return contnode  # a check inside a lesson left out: keep its text
    return None


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_config_value("course_edition", "public", "env", [str])
    app.add_config_value("course_lesson_titles", {}, "env", [dict])
    app.connect("config-inited", _check)
    app.connect("doctree-read", _strip)
    app.connect("missing-reference", _missing_lesson)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
