"""Figures are legible on a phone: at a 390 px wide viewport no figure text is
smaller than coursegen.sphinx.images.LEGIBLE_PX CSS pixels.

Each figure's PNG records its smallest text in its own pixels (relu_course.figures),
which the page keeps as data-smallest-text-px; the text's size on screen is that
times the width the image is displayed at over its natural width.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe

from coursegen.editions import site_under_test
from coursegen.sphinx.images import LEGIBLE_PX

SITE = site_under_test(Path(__file__).resolve().parents[2])
LESSONS = sorted(str(p.relative_to(SITE)) for p in (SITE / "lessons").glob("*.html"))
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

# Every figure of the page loaded (they are lazy), then, for each, its smallest
# text in CSS pixels as displayed: null where the figure records none.
MEASURE = """async () => {
  const figures = [...document.querySelectorAll("main .cell_output img")];
  figures.forEach((img) => { img.loading = "eager"; });
  await Promise.all(figures.map((img) => img.decode().catch(() => null)));
  return figures.map((img) => {
    const recorded = img.dataset.smallestTextPx;
    const shown = img.getBoundingClientRect().width;
    return {
      src: img.getAttribute("src"),
      natural: img.naturalWidth,
      shown: shown,
      px: recorded ? (Number(recorded) * shown) / img.naturalWidth : null,
      fits: shown <= img.closest(".cell_output").clientWidth,
    };
  });
}"""


def figures_at(browser, base_url: str, path: str, viewport: dict) -> list[dict]:
    context = browser.new_context(viewport=viewport)
    try:
        page = context.new_page()
        page.goto(base_url + path, wait_until="load")
        return page.evaluate(MEASURE)
    finally:
        context.close()


@pytest.mark.parametrize("path", LESSONS)
def test_no_figure_text_is_smaller_than_legible_at_phone_width(browser, base_url, path):
    figures = figures_at(browser, base_url, path, PHONE)
    assert figures, f"{path} has no figure"
    unrecorded = [f["src"] for f in figures if f["px"] is None]
    assert unrecorded == [], f"{path}: figures that record no smallest text"
    assert all(f["natural"] > 0 for f in figures), f"{path}: not loaded {figures}"
    small = [f for f in figures if f["px"] < LEGIBLE_PX]
    assert small == [], f"{path}: text under {LEGIBLE_PX} CSS px at 390 px: {small}"


def test_a_figure_shown_at_column_width_would_be_caught_as_too_small(browser, base_url):
    # The check can fail: the training page's figures, their min width removed
    # (as before this fix), shrink to the phone's column and fall under it.
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(base_url + "lessons/training.html", wait_until="load")
        page.evaluate(
            "() => document.querySelectorAll('main img')"
            ".forEach((img) => img.style.removeProperty('--course-min-width'))"
        )
        figures = page.evaluate(MEASURE)
    finally:
        context.close()
    assert all(f["px"] < LEGIBLE_PX for f in figures), figures


def test_on_a_desktop_figures_fit_the_column(browser, base_url):
    figures = figures_at(browser, base_url, "lessons/training.html", DESKTOP)
    assert figures
    assert all(f["fits"] for f in figures), figures


def test_a_wide_figure_scrolls_inside_its_output_not_the_page(browser, base_url):
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(base_url + "lessons/training.html", wait_until="load")
        widths = page.evaluate(
            "() => [document.documentElement.scrollWidth, "
            "Math.max(...[...document.querySelectorAll('main img')]"
            ".map((img) => img.getBoundingClientRect().width))]"
        )
        axe = Axe().run(page, options={"resultTypes": ["violations"]})
    finally:
        context.close()
    page_width, widest = widths
    assert widest > PHONE["width"], "no figure is wider than the phone"
    assert page_width <= PHONE["width"], f"the page scrolls sideways: {page_width}"
    assert axe.violations_count == 0, axe.generate_report()
