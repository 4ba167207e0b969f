"""The built site works in a real browser, offline: pages, maths, animation, search.

Every page loads with no console error and no failed or external request, its
maths typeset and axe-core (shipped in the axe-playwright-python wheel, loaded
from disk) finding nothing; the training animation plays and steps one frame;
search, dark mode, copy buttons, the tables of contents and the closed
"Checking the article" blocks work.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from coursegen.editions import site_under_test

SITE = site_under_test(Path(__file__).resolve().parents[2])
PAGES = sorted(  # every page but the index of terms and redirects (index.html)
    str(path.relative_to(SITE))
    for path in SITE.rglob("*.html")
    if "_static" not in path.parts
    and path.name != "genindex.html"
    and 'http-equiv="Refresh"' not in path.read_text()[:500]
)
LESSONS = sorted(p for p in PAGES if p.startswith("lessons/"))
# Code cells and maths are the same markup on every page (one Pygments style, one
# KaTeX stylesheet), and axe spends two thirds of its time on their thousands of
# spans: every page is checked without them (light mode), the pages in WHOLE with
# them, in light and in dark mode. The shortest lesson has code, maths, figures,
# prose and the navigation every page shares.
SHARED_MARKUP = {"exclude": [["div.cell_input"], [".katex"]]}
WHOLE = ["lessons/what-is-relu.html"]
# axe lists only the violations (all the tests read), not every passing node.
VIOLATIONS_ONLY = {"resultTypes": ["violations"]}
RAW_TEX = re.compile(r"\\\(|\\\)|\\\[|\\\]|\$\$|\\frac|\\mathrm")


def look_at(visit, path: str) -> dict:
    """Load a page, wait for its maths, and keep what the tests look at."""
    page = visit.open(path)
    page.wait_for_load_state("networkidle")
    has_maths = "math notranslate" in (SITE / path).read_text()
    if has_maths:
        page.wait_for_function(
            "() => document.querySelectorAll('mjx-container, .katex').length",
            timeout=20_000,
        )
    return {
        "external": visit.external,
        "failed": visit.failed,
        "console": visit.console_errors,
        "raw_tex": sorted(set(RAW_TEX.findall(page.inner_text("main")))),
        "has_maths": has_maths,
        "no_alt": page.eval_on_selector_all(
            "main img", "is => is.filter(i => !i.alt.trim()).map(i => i.src)"
        ),
        "axe": Axe().run(page, context=SHARED_MARKUP, options=VIOLATIONS_ONLY),
    }


@pytest.fixture(scope="session")
def inspect(new_visit):
    """Each page loaded once for the four checks of every page."""
    seen: dict[str, dict] = {}

    def inspected(path: str) -> dict:
        if path not in seen:
            with new_visit() as visit:
                seen[path] = look_at(visit, path)
        return seen[path]

    return inspected


def test_the_site_is_built_with_every_lesson():
    assert (SITE / "index.html").is_file(), "run `make book` first"
    assert len(LESSONS) >= 12, LESSONS


@pytest.mark.parametrize("path", PAGES)
def test_every_page_loads_offline_with_no_error_and_no_failed_request(inspect, path):
    seen = inspect(path)
    assert seen["external"] == [], f"{path} asked another host for {seen['external']}"
    assert seen["failed"] == [], f"{path}: failed requests {seen['failed']}"
    assert seen["console"] == [], f"{path}: console errors {seen['console']}"


@pytest.mark.parametrize("path", PAGES)
def test_the_maths_of_every_page_is_typeset(inspect, path):
    seen = inspect(path)
    if not seen["has_maths"]:
        pytest.skip("no maths on this page")
    assert seen["raw_tex"] == [], f"{path} shows raw TeX {seen['raw_tex']}"


@pytest.mark.parametrize("path", PAGES)
def test_axe_finds_no_accessibility_violation_outside_code_and_maths(inspect, path):
    axe = inspect(path)["axe"]
    assert axe.violations_count == 0, f"{path}:\n{axe.generate_report()}"


@pytest.mark.parametrize("path", PAGES)
def test_every_image_has_alt_text(inspect, path):
    missing = inspect(path)["no_alt"]
    assert missing == [], f"{path}: images without alt text {missing}"


def test_the_training_animation_plays_and_steps_exactly_one_frame(visit):
    page = visit.open("lessons/training.html")
    players = page.locator(".course-animation")
    assert players.count() >= 1, "no animation on the training page"
    player = players.first
    player.scroll_into_view_if_needed()
    frames = int(player.get_attribute("data-frames"))
    assert frames > 1

    def frame() -> int:
        return int(player.get_attribute("data-frame"))

    start = frame()
    page.wait_for_timeout(1500)
    assert frame() == start, "the animation played before anyone pressed play"
    player.locator(".course-animation-play").click()
    page.wait_for_function(
        f"el => Number(el.dataset.frame) !== {start}",
        arg=player.element_handle(),
        timeout=10_000,
    )
    player.locator(".course-animation-play").click()  # pause
    paused = frame()
    page.wait_for_timeout(800)
    assert frame() == paused, "pause did not stop the animation"
    label = player.locator(".course-animation-label").inner_text()
    player.locator(".course-animation-next").click()
    expected = min(paused + 1, frames - 1)
    assert frame() == expected
    if expected != paused:
        assert player.locator(".course-animation-label").inner_text() != label
    player.locator(".course-animation-prev").click()
    assert frame() == paused


def test_checking_the_article_is_closed_opens_from_the_keyboard_and_from_a_link(visit):
    page = visit.open("lessons/what-is-relu.html")
    block = page.locator("details.article-check").first
    body = block.locator(".article-check-body")
    assert block.evaluate("b => b.open") is False
    assert not body.is_visible()
    assert block.locator("summary").inner_text().startswith("Checking the article: ")
    block.locator("summary").focus()
    page.keyboard.press("Enter")
    assert body.is_visible()
    # the claims page links to checks inside such blocks: the link opens the block
    anchor = block.locator("[id^='check-']").first.get_attribute("id")
    page = visit.open(f"lessons/what-is-relu.html#{anchor}")
    assert page.locator("details.article-check").first.evaluate("b => b.open") is True


def test_search_finds_subgradient_offline(visit):
    page = visit.open("search.html?q=subgradient")
    results = page.locator("#search-results li")
    results.first.wait_for(timeout=20_000)
    links = results.locator("a").evaluate_all("as => as.map(a => a.href)")
    assert any("lessons/derivative.html" in link for link in links), links
    assert visit.external == []


def test_the_theme_switch_turns_the_page_dark_and_back(visit):
    page = visit.open("lessons/what-is-relu.html")

    def theme() -> str:
        return page.evaluate("document.documentElement.dataset.theme")

    seen = {theme()}
    switch = page.locator(".theme-switch-button").first
    for _ in range(3):  # the switch cycles light, dark and the system's choice
        switch.click()
        seen.add(theme())
    assert {"light", "dark"} <= seen, seen


def test_a_copy_button_copies_its_code_cell(visit):
    page = visit.open("lessons/what-is-relu.html")
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    cell = page.locator("div.cell_input").first
    cell.hover()
    cell.locator("button.copybtn").click()
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied.strip() == cell.locator("pre").inner_text().strip()


def test_the_sidebar_lists_every_lesson_and_the_page_toc_links_its_sections(visit):
    page = visit.open("book/intro.html")
    links = page.eval_on_selector_all(
        "nav.bd-docs-nav a", "as => as.map(a => a.getAttribute('href'))"
    )
    for lesson in LESSONS:
        assert any(link.endswith(lesson) for link in links), lesson
    page = visit.open("lessons/derivative.html")
    targets = page.eval_on_selector_all(
        "#pst-page-toc-nav a", "as => as.map(a => a.getAttribute('href'))"
    )
    assert len(targets) >= 5
    for target in targets:
        assert page.locator(f"[id='{target.lstrip('#')}']").count() == 1, target


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("path", WHOLE)
def test_axe_finds_no_violation_in_whole_pages_in_light_and_dark_mode(
    browser, base_url, path, scheme
):
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    page.goto(base_url + path)
    page.wait_for_load_state("networkidle")
    assert page.evaluate("document.documentElement.dataset.theme") == scheme
    results = Axe().run(page, options=VIOLATIONS_ONLY)
    context.close()
    assert results.violations_count == 0, f"{path}:\n{results.generate_report()}"


# A lesson's first layout covers what the reader sees: the code cells below the
# screen wait (content-visibility), and so does the check of which blocks scroll
# sideways (coursegen/sphinx/pages.py TAB_STOPS), until the first Tab press.
BLOCKS_MISFIT = """() => [...document.querySelectorAll('pre')].filter((el) => {
    const scrolls = el.scrollWidth > el.clientWidth + 1
        || el.scrollHeight > el.clientHeight + 1;
    return el.tabIndex !== (scrolls ? 0 : -1);
}).length"""


def test_cells_off_screen_wait_and_the_first_tab_finds_exactly_the_wide_blocks(
    browser, base_url
):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(base_url + "lessons/training.html", wait_until="load")
    rendered = page.evaluate(
        "() => [...document.querySelectorAll('.bd-article div.cell')]"
        ".filter((cell) => !cell.matches('.tag_hide-input'))"
        ".map((cell) => cell.firstElementChild)"
        ".map((inside) => inside.checkVisibility({contentVisibilityAuto: true}))"
    )
    page.keyboard.press("Tab")
    misfit = page.evaluate(BLOCKS_MISFIT)
    stops = page.eval_on_selector_all("pre", "all => all.map((el) => el.tabIndex)")
    context.close()
    assert True in rendered, "no cell on the first screen is drawn"
    assert rendered[-1] is False, "the last cell was laid out at load"
    assert misfit == 0, "a block's tab stop does not say whether it scrolls"
    assert {0, -1} <= set(stops), "at phone width some code is wider than the page"


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_code_whose_tokens_lost_their_spans_is_drawn_in_the_styles_own_colour(
    visit, scheme
):
    # Names and punctuation have no span (coursegen.sphinx.code_spans): the pre
    # must draw them in the colour Pygments' style gives them, that of the
    # .highlight box, not the theme's colour for every pre.
    visit.page.emulate_media(color_scheme=scheme)
    colours = visit.open("lessons/derivative.html").evaluate(
        "() => [...document.querySelectorAll('div.highlight > pre.course-plain')]"
        ".map((pre) => [getComputedStyle(pre).color,"
        " getComputedStyle(pre.parentElement).color])"
    )
    assert colours, "no code block lost its plain spans"
    assert all(pre == box for pre, box in colours), set(map(tuple, colours))
