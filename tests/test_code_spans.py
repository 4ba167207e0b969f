"""coursegen/sphinx/code_spans.py: which token spans highlighted code can do without.

A span goes only where both of the theme's styles draw its class in the code
block's own colour; tests/test_site_build.py checks a built page.
"""

from __future__ import annotations

from coursegen.sphinx import code_spans

# The theme's light and dark styles (pydata-sphinx-theme's defaults).
THEME_STYLES = ("a11y-high-contrast-light", "a11y-high-contrast-dark")


def test_names_and_punctuation_are_plain_in_the_themes_styles_and_keywords_are_not():
    plain = code_spans.plain_classes(*THEME_STYLES)
    assert {"n", "p"} <= plain
    assert not {"k", "o", "s2", "mi", "c1"} & plain


def test_a_class_one_style_colours_keeps_its_span():
    # monokai draws other names (nx) in green; the light style in its text colour
    assert "nx" in code_spans.plain_classes(THEME_STYLES[0], THEME_STYLES[0])
    assert "nx" not in code_spans.plain_classes(THEME_STYLES[0], "monokai")


def test_a_style_without_a_text_colour_has_no_plain_class():
    # Pygments' default style leaves the text colour to the page: nothing is known
    assert code_spans.plain_classes("default", THEME_STYLES[1]) == frozenset()


def test_prompts_and_console_output_keep_their_spans_whatever_their_colour():
    # sphinx-copybutton finds prompts (gp) and output (go) by their class; both
    # of these styles draw them in their text colour
    assert {"gp", "go"} <= code_spans._plain_in("coffee") & code_spans._plain_in("rrt")
    assert not {"gp", "go"} & code_spans.plain_classes("coffee", "rrt")


def test_only_the_spans_of_the_classes_go_and_their_text_stays():
    html = (
        '<span class="n">x</span><span class="w"> </span>'
        '<span class="o">&lt;</span><span class="nn">np</span>'
    )
    assert code_spans.drop_spans(html, frozenset({"n", "w"})) == (
        'x <span class="o">&lt;</span><span class="nn">np</span>'
    )
    assert code_spans.drop_spans(html, frozenset()) == html
