"""Each lesson states its reading time at its top, counted from its own text.

The count is the words of the lesson's main path: its prose and exercises, not
code, outputs, maths, teacher notes, solutions or the collapsible "Checking the
article" blocks (class ``article-check``), read at 230 words a minute, rounded
up. It is counted when Sphinx reads the page, so an edit changes it; nobody types
it.
"""

from __future__ import annotations

import math
import re

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.typing import ExtensionMetadata

from coursegen.sphinx import article_check

logger = logging.getLogger(__name__)

WORDS_PER_MINUTE = 230
MAX_MINUTES = 15  # the longest main path a lesson may have
# Classes of the parts a reader of the main path skips or does not read as prose.
SKIPPED_CLASSES = {"teacher-note", article_check.CLASS, "cell", "solution", "dropdown"}
SKIPPED_NODES = (nodes.literal_block, nodes.math, nodes.math_block, nodes.raw)
WORD = re.compile(r"[^\W_](?:[\w'\u2019.-]*\w)?")  # don't, 2.5, x-axis: one word


def _skipped(node: nodes.Node) -> bool:
    if isinstance(node, SKIPPED_NODES):
        return True
    classes: set[str] = set()
    if isinstance(node, nodes.Element):
        classes.update(node.get("classes", []))
    return bool(classes & SKIPPED_CLASSES) or type(node).__name__ == "solution_node"


def prose_words(node: nodes.Node) -> int:
    """The words of prose under node, outside the parts the main path skips."""
    if _skipped(node):
        return 0
    if isinstance(node, nodes.Text):
        return len(WORD.findall(node.astext()))
    return sum(prose_words(child) for child in node.children)


def reading_minutes(words: int) -> int:
    """Minutes to read words at WORDS_PER_MINUTE, rounded up (at least one)."""
    return max(1, math.ceil(words / WORDS_PER_MINUTE))


def add_reading_time(app: Sphinx, doctree: nodes.document) -> None:
    """Put 'Reading time: about N minutes' under the title of every lesson."""
    if not app.env.docname.startswith("lessons/"):
        return
    section = next(iter(doctree.findall(nodes.section)), None)
    if section is None or not isinstance(section[0], nodes.title):
        return
    words = prose_words(section)
    minutes = reading_minutes(words)
    note = nodes.paragraph(classes=["reading-time"])
    note += nodes.Text(
        f"Reading time: about {minutes} minute{'s' if minutes != 1 else ''} "
        f"({words:,} words of prose, at {WORDS_PER_MINUTE} a minute)."
    )
    section.insert(1, note)
    if minutes > MAX_MINUTES:
        logger.warning(
            "lesson %s reads in about %d minutes (%d words of prose), over the %d "
            "a lesson may take: move forensics into a 'Checking the article' block "
            "or split the lesson",
            app.env.docname,
            minutes,
            words,
            MAX_MINUTES,
            location=app.env.docname,
        )


def setup(app: Sphinx) -> ExtensionMetadata:
    app.connect("doctree-read", add_reading_time)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
