"""Highlighted code in fewer elements: a token in the code's own colour has no span.

Part of the site extension (coursegen.sphinx.site says why and wires it up).

Pygments wraps every token in a span of its class, names and punctuation
included. The theme's light and dark styles draw names (``n``) and punctuation
(``p``) in the code block's own colour, so those spans, once the block's pre
takes that colour (PLAIN), change nothing on screen; they were 2,887 of the
9,891 elements of the derivative lesson, and a page's style and layout work,
the longest task of its load on a phone, grows with its elements. Which
classes are plain is read from the two styles the theme uses (the ones
pygments.css is written from), not assumed.

>>> code = '<span class="n">x</span><span class="o">=</span><span class="p">(</span>'
>>> drop_spans(code, frozenset({"n", "p"}))
'x<span class="o">=</span>('
>>> drop_spans('<pre><span class="n">x</span></pre>', frozenset({"n"}))
'<pre class="course-plain">x</pre>'
"""

from __future__ import annotations

import functools
import re
from typing import Any

from sphinx.application import Sphinx

# Classes a span keeps whatever its colour: a prompt and console output (what
# sphinx-copybutton can be told to leave out of a copy), line numbers and
# highlighted lines.
KEPT = frozenset({"gp", "go", "linenos", "hll"})
# The class of a block's pre whose plain tokens lost their spans. The theme gives
# every pre its own text colour, which text outside a span takes; course-site.css
# gives such a pre the colour of its .highlight box instead, the colour Pygments'
# style gives those tokens.
PLAIN = "course-plain"
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
    """The highlighted html with the spans of these classes replaced by their text;
    its pre, if it lost any, marked PLAIN (course-site.css colours it)."""
    if not classes:
        return html
    names = "|".join(sorted(re.escape(name) for name in classes))
    html, dropped = re.subn(rf'<span class="(?:{names})">([^<]*)</span>', r"\1", html)
    return html.replace("<pre>", f'<pre class="{PLAIN}">', 1) if dropped else html


def theme_styles(app: Sphinx) -> tuple[str, str]:
    """The light and dark Pygments styles of the theme's pygments.css (as
    pydata-sphinx-theme picks them: an unknown style falls back to its default)."""
    from pygments.styles import get_all_styles

    theme = getattr(app.builder, "theme", None)
    options: dict[str, Any] = dict(theme.get_options()) if theme else {}
    options.update(app.config.html_theme_options or {})
    known = set(get_all_styles())
    styles = []
    for mode, fallback in (("light", "tango"), ("dark", "monokai")):
        style = str(options.get(f"pygments_{mode}_style", fallback))
        styles.append(style if style in known else fallback)
    return styles[0], styles[1]


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
