"""coursegen/sphinx/unused_css.py: the theme's rules no page can match are dropped,
and nothing a page or a script can use is.

The built site is checked in a browser too (tests/browser/test_site.py: no
dropped selector matches an element, menus opened).
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from sphinx.errors import ExtensionError

from coursegen.sphinx import icons
from coursegen.sphinx.unused_css import SiteNames, drop_unused_rules, site_names

PAGE = '<div class="note admonition" id="top"><p class="title">Hi</p></div>'


def _used(*pages: str, scripts: tuple[str, ...] = ()) -> SiteNames:
    return site_names(pages, scripts)


def test_a_rule_whose_class_no_page_has_is_dropped_and_one_it_has_is_kept():
    css = ".note .title{color:red}.card{margin:0}#top{padding:0}#nav{padding:1px}"
    assert (
        drop_unused_rules(css, _used(PAGE)) == ".note .title{color:red}#top{padding:0}"
    )


def test_a_rule_keeps_only_the_selectors_that_may_match():
    css = ".card,.note>p,.toast .title{margin:0}"
    assert drop_unused_rules(css, _used(PAGE)) == ".note>p{margin:0}"


def test_rules_without_a_class_or_id_are_kept_whatever_the_pages():
    css = "p{margin:0}:root{--x:1}[data-theme=dark] a{color:#fff}*{box-sizing:inherit}"
    assert drop_unused_rules(css, _used("")) == css


def test_classes_a_script_may_add_count_as_used():
    css = ".show{display:block}.modal-open{overflow:hidden}.collapsing{height:0}"
    script = 'e.classList.add("show");document.body.classList.add("modal-open")'
    kept = drop_unused_rules(css, _used(PAGE, scripts=(script,)))
    assert kept == ".show{display:block}.modal-open{overflow:hidden}"


def test_a_class_a_script_builds_from_a_prefix_counts_as_used():
    css = ".bs-tooltip-top{margin:0}.bs-popover-end{margin:0}.pst-x{margin:0}"
    script = "tip.classList.add(`bs-${this.constructor.NAME}-auto`)"
    assert drop_unused_rules(css, _used(scripts=(script,))) == (
        ".bs-tooltip-top{margin:0}.bs-popover-end{margin:0}"
    )


def test_pseudo_classes_attribute_values_and_strings_name_no_class():
    css = (
        ".note:not(.card){margin:0}.note:is(.card,.toast) p{margin:0}"
        '[href$=".card"]{margin:0}.title:before{content:".card"}'
    )
    assert drop_unused_rules(css, _used(PAGE)) == css


def test_grouping_at_rules_are_trimmed_inside_and_dropped_when_empty():
    css = "@media (min-width:9em){.card,.note{margin:0}}@supports (x:y){.card{x:y}}"
    assert (
        drop_unused_rules(css, _used(PAGE)) == "@media (min-width:9em){.note{margin:0}}"
    )


def test_other_at_rules_and_statements_are_kept_whole():
    css = (
        '@charset "utf-8";@layer base,theme;'
        "@font-face{font-family:x;src:url(x.woff)}"
        "@keyframes spin{from{transform:none}to{transform:rotate(1turn)}}"
    )
    assert drop_unused_rules(css, _used("")) == css


def test_comments_go_and_a_brace_in_a_string_does_not_end_the_rule():
    css = '/* a } comment */.note:after{content:"}"}.card:after{content:"{\\""}'
    assert drop_unused_rules(css, _used(PAGE)) == '.note:after{content:"}"}'


def test_an_escaped_class_name_is_kept_unread():
    css = ".md\\:flex{display:flex}"
    assert drop_unused_rules(css, _used("")) == css


def test_unbalanced_css_is_an_error_naming_where():
    with pytest.raises(ValueError, match=r"unbalanced braces after '\.note'"):
        drop_unused_rules(".note{color:red", _used(PAGE))


def test_the_build_writes_the_theme_css_without_rules_no_page_matches(tmp_path):
    out = tmp_path / "html"
    (out / "_static" / "styles").mkdir(parents=True)
    theme = ".note{margin:0}.card{margin:0}.by-script{margin:0}.inline{margin:0}"
    (out / "_static" / icons.THEME_CSS).write_text(theme)
    (out / "_static" / "menu.js").write_text('x.classList.add("by-script")')
    (out / "index.html").write_text(PAGE + "<script>e.className = 'inline'</script>")
    (tmp_path / "doctrees").mkdir()
    app = SimpleNamespace(
        outdir=str(out),
        doctreedir=str(tmp_path / "doctrees"),
        builder=SimpleNamespace(format="html"),
    )
    with pytest.raises(ExtensionError, match="fa-solid-900"):  # no icon fonts here
        icons.write_icons(app, None)  # (the CSS is written before the fonts)
    trimmed = (Path(app.outdir) / "_static" / icons.TRIMMED_CSS).read_text()
    assert trimmed == ".note{margin:0}.by-script{margin:0}.inline{margin:0}"
