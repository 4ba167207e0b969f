"""coursegen/sphinx/{katex,pages,icons}.py: the site's pieces that are text work."""

from __future__ import annotations

import pytest
from docutils import nodes

from coursegen.sphinx import icons, katex, pages


def _block(tex: str, nowrap: bool = False) -> nodes.math_block:
    return nodes.math_block(tex, tex, nowrap=nowrap)


@pytest.mark.parametrize(
    ("tex", "wrapped"),
    [
        ("z^2", "z^2"),
        (r"a \\ b", r"\begin{split}a \\ b\end{split}"),
        ("a\n\nb", r"\begin{aligned}a\\b\end{aligned}"),
        ("", ""),
    ],
    ids=["one line", "line breaks split", "paragraphs aligned", "empty"],
)
def test_a_display_formula_is_wrapped_as_sphinx_wraps_it_for_mathjax(tex, wrapped):
    assert katex.display_tex(_block(tex)) == wrapped


def test_a_nowrap_formula_is_left_as_written():
    assert katex.display_tex(_block(r"a \\ b", nowrap=True)) == r"a \\ b"


@pytest.mark.parametrize(
    ("tex", "text"),
    [
        (r"\mathrm{relu}'(0) = \frac{1}{2}", "relu'(0) = 1/2"),
        (r"z \le 0", "z ≤ 0"),
        (r"\tfrac12", "1/2"),
    ],
)
def test_a_formula_reads_as_plain_text_in_a_description(tex, text):
    assert pages.tex_to_text(tex) == text


def _document(*paragraphs: nodes.paragraph) -> nodes.document:
    document = nodes.document(None, None)
    document.extend(paragraphs)
    return document


def test_the_description_is_the_first_real_paragraph_cut_at_a_word():
    reading = nodes.paragraph(text="Reading time: about 4 minutes, at 230 a minute.")
    reading["classes"].append("reading-time")
    label = nodes.paragraph(text="Next:")
    long = nodes.paragraph(text="You will write relu " + "and more words " * 40)
    text = pages.description(_document(reading, label, long))
    assert text.startswith("You will write relu")
    assert text.endswith(" …")
    assert len(text) <= pages.DESCRIPTION_LENGTH + 2
    assert not text[:-2].endswith(" ")  # cut between words
    assert pages.description(None) == ""


THEME_CSS = (
    ':root{--pst-icon-search:"\\f002"}'
    '.fa-bars:before,.fa-navicon:before{content:"\\f0c9"}'
    '.fa-github:before{content:"\\f09b"}'
    '.admonition-title:after{content:"\\f05a"}'
    '@font-face{font-family:"Font Awesome 6 Free";src:url(fa.woff2)}'
    "body{margin:0}"
)


def test_only_the_icons_the_pages_can_show_are_kept():
    kept = icons.icon_codepoints([THEME_CSS], {"fa-bars"})
    # the theme's own icons (a variable, an admonition) and the one class used
    assert kept == {0xF002, 0xF05A, 0xF0C9}


def test_the_trimmed_theme_css_drops_unused_glyphs_and_the_font_faces():
    trimmed = icons.trim_theme_css(THEME_CSS, {"fa-bars"})
    assert ".fa-bars:before" in trimmed
    assert "fa-github" not in trimmed
    assert "@font-face" not in trimmed
    assert "body{margin:0}" in trimmed
