"""coursegen/sphinx/article_check.py: forensic passages fold into a closed block."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sphinx.testing.util import SphinxTestApp

EXTENSIONS = ["coursegen.sphinx.article_check", "coursegen.sphinx.reading_time"]
CONF = f"extensions = {EXTENSIONS!r}\n"

PAGE = """\
A lesson
========

Relu is max(0, z).

.. article-check-start:: the article's listing, line by line

The listing lacks one line and fails.

.. code-block:: python

   print("the listing")

.. article-check-end::

After the block.
"""


def build(tmp_path: Path, page: str) -> tuple[str, str]:
    """The HTML of lessons/a.html built from page, and the build's warnings."""
    (tmp_path / "lessons").mkdir(parents=True)
    (tmp_path / "conf.py").write_text(CONF)
    index = "Index\n=====\n\n.. toctree::\n\n   lessons/a\n"
    (tmp_path / "index.rst").write_text(index)
    (tmp_path / "lessons" / "a.rst").write_text(page)
    app = SphinxTestApp("html", srcdir=tmp_path)
    try:
        app.build()
        html = (Path(app.outdir) / "lessons" / "a.html").read_text()
        return html, app.warning.getvalue()
    finally:
        app.cleanup()


def test_the_passage_between_the_markers_folds_into_a_closed_details_block(tmp_path):
    html, warnings = build(tmp_path, PAGE)
    assert warnings == ""
    block = re.search(r'<details class="article-check">(.*?)</details>', html, re.S)
    assert block, html
    inside = block.group(1)
    title = "the article\u2019s listing, line by line"  # with the prose's quotes
    assert f"<summary>Checking the article: {title}</summary>" in inside
    assert "The listing lacks one line" in inside
    assert "print" in inside
    assert "Relu is max(0, z)" not in inside
    assert "After the block" not in inside
    assert html.index("Relu is max") < html.index("<details") < html.index("After the")


def test_the_reading_time_leaves_the_block_out(tmp_path):
    html, _ = build(tmp_path, PAGE)
    # "A lesson", "Relu is max(0, z).", "After the block.": 2 + 5 + 3 words
    assert "(10 words of prose" in html


@pytest.mark.parametrize(
    ("page", "problem"),
    [
        (PAGE.replace(".. article-check-end::\n", ""), "no article-check-end after it"),
        (
            PAGE.replace(
                ".. article-check-end::", "Sub\n---\n\n.. article-check-end:: "
            ),
            "a heading comes before its article-check-end",
        ),
        (
            PAGE.replace(".. article-check-start:: the article's listing,", ".. x"),
            "article-check-end with no article-check-start",
        ),
        (
            PAGE.replace(
                "The listing lacks one line and fails.\n\n.. code-block:: python\n\n"
                '   print("the listing")\n',
                "",
            ),
            "the block between the markers is empty",
        ),
    ],
    ids=["no end", "a heading inside", "an end alone", "empty"],
)
def test_a_misplaced_marker_is_a_warning_that_names_the_file(tmp_path, page, problem):
    _, warnings = build(tmp_path, page)
    assert problem in warnings
    assert "lessons/a.rst" in warnings  # which fails the course's -W build by name


def test_a_block_needs_a_title(tmp_path):
    page = PAGE.replace(":: the article's listing, line by line", "::")
    _, warnings = build(tmp_path, page)
    assert "1 argument(s) required, 0 supplied" in warnings
