"""Highlighted code in fewer elements: a token in the code's own colour has no span.

Part of the site extension (coursegen.sphinx.site says why and wires it up).

Pygments wraps every token in a span of its class, names and punctuation
included. The theme's light and dark styles draw names (``n``) and punctuation
(``p``) in the code block's own colour, so those spans change nothing on
screen; they were 2,829 of the 9,891 elements of the derivative lesson, and a
page's style and layout work, the longest task of its load on a phone, grows
with its elements. Which classes are plain is read from the two styles the
theme uses (the ones pygments.css is written from), not assumed.

>>> code = '<span class="n">x</span><span class="o">=</span><span class="p">(</span>'
>>> drop_spans(code, frozenset({"n", "p"}))
'x<span class="o">=</span>('
"""

from __future__ import annotations

import functools
import re
from typing import Any

from sphinx.application import Sphinx

# Classes a span keeps whatever its colour: other code than the styles reads
# them (sphinx-copybutton skips prompts and console output; line numbers).
KEPT = frozenset({"gp", "go", "linenos", "hll"})
COLOR = re.compile(r"(?:^|[;{]\s*)color:\s*(#[0-9A-Fa-f]{3,8})\s*(?:;|\})")
TOKEN_RULE = re.compile(r"^\.highlight \.([\w-]+) \{ ([^}]*) \}")


def _plain_in(style: str) -> set[str]:
    """The token classes a Pygments style draws in its text colour and no other way."""
    from pygments.formatters import HtmlFormatter

    formatter = HtmlFormatter(style=style)
    background = " ".join(formatter.get_background_style_defs(".highlight"))
    base = COLOR.search(background)
    if base is None:  # the text takes the page's colour: none is plain
        return set()
    plain = set()
    for line in formatter.get_token_style_defs(".highlight"):
        rule = TOKEN_RULE.match(line)
        if rule and rule.group(2).strip().rstrip(";") == f"color: {base.group(1)}":
            plain.add(rule.group(1))
    return plain


@functools.cache
def plain_classes(light: str, dark: str) -> frozenset[str]:
    """Token classes both styles draw in the code's own colour, and only so.

    >>> sorted(plain_classes("a11y-high-contrast-light", "a11y-high-contrast-dark"))
    ['n', 'nn', 'nx', 'p', 'pm', 'w']
    >>> "k" in plain_classes("a11y-high-contrast-light", "a11y-high-contrast-dark")
    False
    """
    return frozenset((_plain_in(light) & _plain_in(dark)) - KEPT)


def drop_spans(html: str, classes: frozenset[str]) -> str:
    """The highlighted html with the spans of these classes replaced by their text."""
    if not classes:
        return html
    names = "|".join(sorted(re.escape(name) for name in classes))
    return re.sub(rf'<span class="(?:{names})">([^<]*)</span>', r"\1", html)


def theme_styles(app: Sphinx) -> tuple[str, str]:
    """The light and dark Pygments styles of the theme's pygments.css."""
    theme = getattr(app.builder, "theme", None)
    options: dict[str, Any] = dict(theme.get_options()) if theme else {}
    options.update(app.config.html_theme_options or {})
    return (
        str(options.get("pygments_light_style", "tango")),
        str(options.get("pygments_dark_style", "monokai")),
    )


def plain_code(app: Sphinx) -> None:
    """Every code block the builder highlights, without its plain spans."""
    highlighter = getattr(app.builder, "highlighter", None)
    if app.builder.format != "html" or highlighter is None:
        return
    classes = plain_classes(*theme_styles(app))
    highlight = highlighter.highlight_block

    @functools.wraps(highlight)
    def highlight_block(*args: Any, **kwargs: Any) -> str:
        return drop_spans(highlight(*args, **kwargs), classes)

    highlighter.highlight_block = highlight_block
