"""The theme's CSS the site links (styles/course-theme.css) lacks only rules that
match nothing: no selector of the theme's full stylesheet that the build dropped
(coursegen/sphinx/unused_css.py, coursegen/sphinx/icons.py) matches an element
of a page, on a phone and a desktop, with each menu and dialog opened.
"""

from __future__ import annotations

import pytest

from coursegen.course import ROOT
from coursegen.editions import site_under_test
from coursegen.sphinx import icons, unused_css

SITE = site_under_test(ROOT)

PAGES = ["book/intro.html", "lessons/derivative.html", "lessons/training.html"]
# What a reader opens: the book's and the page's contents, search, the download
# menu (its tooltips appear on hover), the colour switch.
OPENERS = [
    ".primary-toggle",
    ".secondary-toggle",
    "button.search-button",
    ".dropdown-toggle",
    ".theme-switch-button",
]
# A dropped selector matches if it selects an element once its states (:hover,
# :focus ...) and pseudo-elements are ignored.
MATCHING = r"""(selectors) => selectors.filter((s) => {
    const bare = s
      .replace(/::?(before|after|placeholder|marker|selection|backdrop)\b/g, "")
      .replace(/::?-(webkit|moz)-[\w-]+/g, "")
      .replace(/:(hover|focus|focus-visible|focus-within|active|visited|checked|disabled|target|empty|link|first-child|last-child|only-child|placeholder-shown|autofill|read-only|required|optional|indeterminate|invalid|valid|defined)\b/g, "");
    if (!bare.trim()) return false;
    try { return document.querySelector(bare) !== null; } catch (e) { return false; }
  })"""  # noqa: E501


@pytest.fixture(scope="module")
def dropped() -> list[str]:
    static = SITE / "_static"
    full = unused_css.selectors_of((static / icons.THEME_CSS).read_text())
    linked = unused_css.selectors_of((static / icons.TRIMMED_CSS).read_text())
    assert linked < full
    assert len(linked) < len(full) / 2, "the unused rules were not dropped"
    return sorted(full - linked)


@pytest.mark.parametrize("width", [390, 1280])
@pytest.mark.parametrize("path", PAGES)
def test_no_dropped_theme_rule_matches_an_element_with_any_menu_open(
    new_visit, dropped, path, width
):
    # One load, then each opener in turn, closed again with Escape and the mouse
    # moved away. A menu left open could only add elements to match, never hide
    # one; one left in the way fails the next click, loudly. The colour switch
    # comes last: every menu is checked in the colours a page loads in, as before.
    with new_visit() as visit:
        page = visit.page
        page.set_viewport_size({"width": width, "height": 844})
        visit.open(path)
        for opener in [None, *OPENERS]:
            if opener is not None:
                button = page.locator(opener).locator("visible=true").first
                if not button.count():
                    continue
                button.hover()
                button.click()
                page.wait_for_timeout(600)  # a menu's transition, a tooltip's delay
            matched = page.evaluate(MATCHING, dropped)
            assert matched == [], f"{path} at {width} px, {opener or 'as loaded'}"
            page.keyboard.press("Escape")
            page.mouse.move(0, 0)
