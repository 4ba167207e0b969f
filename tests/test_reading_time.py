"""coursegen/sphinx/reading_time.py: a lesson's reading time, counted from its text."""

from __future__ import annotations

import textwrap
from types import SimpleNamespace

import pytest
from docutils import nodes
from docutils.frontend import get_default_settings
from docutils.parsers.rst import Parser
from docutils.utils import new_document

from coursegen.sphinx import reading_time


def parsed(rst: str) -> nodes.document:
    """A doctree of rst, as Sphinx would hand it over."""
    document = new_document("<test>", get_default_settings(Parser))
    Parser().parse(rst, document)
    return document


PAGE = """\
A lesson
========

{prose}

.. code-block:: python

   print("code is not prose, however long it is")

.. math::

   \\mathrm{{relu}}(z) = \\max(0, z)

.. admonition:: For teachers
   :class: teacher-note

   Teacher notes are not on the reader's path at all.

.. container:: article-check

   The forensic block about an article's listing is skipped too.
"""


def test_only_prose_counts_not_code_maths_teacher_notes_or_article_checks():
    doctree = parsed(PAGE.format(prose="One two three four five."))
    assert reading_time.prose_words(doctree.next_node(nodes.section)) == 2 + 5


@pytest.mark.parametrize(
    ("words", "minutes"), [(0, 1), (1, 1), (230, 1), (231, 2), (3450, 15), (3451, 16)]
)
def test_minutes_are_words_at_230_a_minute_rounded_up(words, minutes):
    assert reading_time.reading_minutes(words) == minutes


def _app(docname: str) -> SimpleNamespace:
    return SimpleNamespace(env=SimpleNamespace(docname=docname))


def test_a_lesson_states_its_reading_time_under_its_title():
    doctree = parsed(PAGE.format(prose=" ".join(["word"] * 460)))
    reading_time.add_reading_time(_app("lessons/a-lesson"), doctree)
    section = doctree.next_node(nodes.section)
    note = section[1]
    assert "reading-time" in note["classes"]
    # 460 words of prose and the 2 of the title: a little over two minutes' worth, so 3
    assert note.astext() == (
        "Reading time: about 3 minutes (462 words of prose, at 230 a minute)."
    )


def test_a_page_that_is_not_a_lesson_gets_no_reading_time():
    doctree = parsed(PAGE.format(prose="Some prose."))
    reading_time.add_reading_time(_app("book/intro"), doctree)
    assert "Reading time" not in doctree.astext()


def test_a_lesson_longer_than_the_limit_is_a_build_warning(caplog):
    limit = reading_time.MAX_MINUTES * reading_time.WORDS_PER_MINUTE
    for words, warned in [(limit - 2, False), (limit - 1, True)]:  # + the title's 2
        caplog.clear()
        doctree = parsed(PAGE.format(prose=textwrap.fill(" ".join(["word"] * words))))
        reading_time.add_reading_time(_app("lessons/long"), doctree)
        assert f"({words + 2:,} words" in doctree.astext()
        warnings = [r for r in caplog.records if r.levelname == "WARNING"]
        assert bool(warnings) == warned, (words, caplog.text)
    assert "lesson lessons/long reads in about 16 minutes" in warnings[0].getMessage()
