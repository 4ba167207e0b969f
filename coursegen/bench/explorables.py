"""The weight each explorable adds to its page (`make bench-site`): its markup,
states and inlined script gzipped, as a static host sends it, against the 60 KB
an explorable may add (issue 17)."""

from __future__ import annotations

import gzip
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from playwright.sync_api import Browser

# The lessons with explorables; their pages are weighed, not run through Lighthouse.
PAGES = [
    "lessons/reshaping.html",
    "lessons/sums-of-relus.html",
    "lessons/derivative.html",
    "lessons/relu-plane.html",
    "lessons/training.html",
]
MAX_KB = 60
# The whole output of the cell: the explorable and the figure around it.
OUTPUTS = """() => [...document.querySelectorAll('.course-explorable')]
    .map(el => (el.closest('.cell_output') || el).outerHTML)"""


def weigh(
    browser: Browser, base: str, paths: list[str] = PAGES
) -> dict[str, list[int]]:
    """Each page's explorables, in page order: gzipped bytes of each one's output."""
    weights = {}
    context = browser.new_context()
    page = context.new_page()
    for path in paths:
        page.goto(base + path, wait_until="load")
        found: list[str] = page.evaluate(OUTPUTS)
        weights[path] = [
            len(gzip.compress(html.encode(), compresslevel=6)) for html in found
        ]
    context.close()
    return weights


def table(weights: dict[str, list[int]]) -> str:
    """One line per explorable: its page, its weight, the limit and whether met."""
    lines = [f"explorables: added weight each (gzip), target <= {MAX_KB} KB"]
    for path, sizes in weights.items():
        if not sizes:
            lines.append(f"  {path}: none found")
        for number, size in enumerate(sizes, 1):
            met = "met" if size <= MAX_KB * 1024 else "NOT MET"
            lines.append(f"  {path} #{number}: {size / 1024:.1f} KB  {met}")
    return "\n".join(lines)
