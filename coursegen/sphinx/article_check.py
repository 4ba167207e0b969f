"""A lesson's "Checking the article" blocks: forensics a reader may skip.

A lesson checks what its source articles claim and runs their listings as printed.
Where that turns into forensics about one listing (a missing line, a printout
reproduced digit for digit), the passage goes between two markers, code cells
included, since a MyST notebook cannot nest a code cell inside a directive::

    :::{article-check-start} MLDawn's training listing, line by line
    :::

    prose and code cells ...

    :::{article-check-end}
    :::

On the page the passage becomes a closed ``<details>`` block whose summary reads
"Checking the article: <title>": it works without JavaScript, with the keyboard
and with a screen reader, and the reading time (reading_time) leaves it out.
The markers must be siblings: no heading between them, no block inside another.
"""

from __future__ import annotations

from typing import ClassVar

from docutils import nodes
from docutils.parsers.rst import directives
from docutils.utils import smartquotes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective
from sphinx.util.typing import ExtensionMetadata
from sphinx.writers.html5 import HTML5Translator

logger = logging.getLogger(__name__)

CLASS = "article-check"
LABEL = "Checking the article"
START, END = "article-check-start", "article-check-end"  # the markers' names


class article_check(nodes.General, nodes.Element):
    """The block: its title in ``title``, the passage as its children."""


class article_check_end(nodes.General, nodes.Element):
    """The end marker; gone once the block has taken the passage in."""


class ArticleCheckStart(SphinxDirective):
    """Opens a block; its argument is what the block checks."""

    required_arguments = 1
    final_argument_whitespace = True
    option_spec: ClassVar = {"class": directives.class_option}

    def run(self) -> list[nodes.Node]:
        title = self.arguments[0].strip()
        if self.config.smartquotes:  # curly quotes, as Sphinx gives the prose
            title = smartquotes.educateQuotes(title, self.config.language or "en")
        node = article_check(title=title)
        node["classes"] = [CLASS, *self.options.get("class", [])]
        self.set_source_info(node)
        return [node]


class ArticleCheckEnd(SphinxDirective):
    """Closes the block opened by the last article-check-start before it."""

    def run(self) -> list[nodes.Node]:
        node = article_check_end()
        self.set_source_info(node)
        return [node]


def _where(node: nodes.Node) -> str:
    return f"{node.source or '?'}:{node.line or '?'}"


class GatherArticleChecks(SphinxTransform):
    """Moves everything between each start and its end into the start's block."""

    default_priority = 10  # before the reading time, the editions and the site

    def apply(self, **kwargs: object) -> None:
        for start in list(self.document.findall(article_check)):
            parent = start.parent
            at = parent.index(start)
            for end_at in range(at + 1, len(parent)):
                sibling = parent[end_at]
                if isinstance(sibling, article_check_end):
                    break
                if isinstance(sibling, (nodes.section, article_check)):
                    kind = "heading" if isinstance(sibling, nodes.section) else "block"
                    self._fail(start, f"a {kind} comes before its article-check-end")
                    break
            else:
                self._fail(start, "no article-check-end after it in the same section")
                continue
            if not isinstance(parent[end_at], article_check_end):
                continue
            passage = parent[at + 1 : end_at]
            if not passage:
                self._fail(start, "the block between the markers is empty")
            for node in passage:
                parent.remove(node)
                start += node
            parent.remove(parent[at + 1])  # the end marker
        for end in list(self.document.findall(article_check_end)):
            self._fail(end, "article-check-end with no article-check-start before it")
            end.parent.remove(end)

    def _fail(self, node: nodes.Node, problem: str) -> None:
        logger.warning("%s: %s", _where(node), problem, location=node)


def visit_html(self: HTML5Translator, node: article_check) -> None:
    self.body.append(self.starttag(node, "details"))  # with the node's classes
    self.body.append(
        f"<summary>{LABEL}: {self.encode(node['title'])}</summary>\n"
        f'<div class="{CLASS}-body">\n'
    )


def depart_html(self: HTML5Translator, node: article_check) -> None:
    self.body.append("</div>\n</details>\n")


def visit_other(self: object, node: article_check) -> None:
    """Other builders show the passage as it is, under no heading."""


def setup(app: Sphinx) -> ExtensionMetadata:
    app.add_node(
        article_check,
        html=(visit_html, depart_html),
        latex=(visit_other, visit_other),
        text=(visit_other, visit_other),
    )
    app.add_node(article_check_end)
    app.add_directive(START, ArticleCheckStart)
    app.add_directive(END, ArticleCheckEnd)
    app.add_transform(GatherArticleChecks)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
