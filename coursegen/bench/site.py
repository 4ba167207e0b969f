"""Benchmark the built site as readers get it: Lighthouse scores, weight, offline.

    python -m coursegen bench-site                 # _build/html, 3 runs a page
    python -m coursegen bench-site --runs 5 --site _build/student/html

`make bench-site` runs it (after `npm ci --prefix tools/site` when needed). It
serves the site with coursegen/serve.py (127.0.0.1, gzip, as static hosts do) and,
for the intro, a text-heavy lesson, the animation lesson and every other lesson
with an explorable (coursegen/bench/explorables.py lists them):

- runs Lighthouse 12 (mobile preset: simulated slow 4G and a 4x slower CPU) in
  headless Chromium several times and reports the median score of each
  category, with the lowest and highest;
- loads the page in Chromium (Playwright, 412 x 823 like Lighthouse's phone)
  and sums the compressed body sizes of every response: at load, and after
  scrolling to the end (lazy images included); every request to a host other
  than 127.0.0.1 is counted and blocked, so the page must work offline;
- prints a table per page next to the figures of a default Jupyter Book page
  (DEFAULT_THEME below), with whether each target is met;
- weighs each explorable of the lessons that have one (coursegen/bench/explorables.py).

Not a test: Lighthouse's performance score moves by a few points from run to
run. The full reports go to _build/bench-site/ (JSON).
"""

from __future__ import annotations

import argparse
import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypedDict
from urllib.parse import urljoin, urlsplit

from coursegen.bench import explorables
from coursegen.browser import find_chromium
from coursegen.course import ROOT
from coursegen.serve import CHROMIUM_FLAGS, serve_in_thread

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page, Request, Route

LIGHTHOUSE = ROOT / "tools/site/node_modules/lighthouse/cli/index.js"
# Lighthouse starts Chromium itself: headless, with the flags of the tests.
FLAGS = ["--headless=new", *CHROMIUM_FLAGS]
PAGES = {
    "intro": "book/intro.html",
    "text-heavy lesson": "lessons/derivative.html",
    "animation lesson": "lessons/training.html",
}
# Explorables run script on their pages: each of those pages is measured too.
PAGES.update(
    (f"explorable lesson {Path(path).stem}", path)
    for path in explorables.PAGES
    if path not in PAGES.values()
)
ANIMATED = {"animation lesson"}
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# A default Jupyter Book 1 page with one plot, measured once the same way by this
# script (its maths came from a CDN): what the course's pages are compared with.
DEFAULT_THEME = {
    "performance": 83,
    "accessibility": 100,
    "best-practices": 96,
    "seo": 91,
}
DEFAULT_KB = 849
DEFAULT_EXTERNAL = "CDN maths"
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 95}
MAX_KB = 400  # a lesson without animation, everything it transfers
MAX_ANIMATION_KB = 1024
# The training animation's player, new (.course-animation) and old (matplotlib's).
ANIMATION_SELECTOR = ".course-animation, div.animation"


Report = dict[str, Any]  # a Lighthouse report, as its JSON reads


class Weight(TypedDict):
    """What a page transfers, in compressed bytes, and what it asks of other hosts."""

    load: int  # at load
    read: int  # after scrolling to the end
    external: list[str]  # requests to other hosts, blocked
    animation: int | None  # the animation's markup and files, if it has one
    largest: list[tuple[str, int]]  # the largest responses, by address


def lighthouse(url: str, report: Path) -> Report:
    """One Lighthouse run (mobile preset); its JSON report."""
    command = [
        shutil.which("node") or "node",
        str(LIGHTHOUSE),
        url,
        "--quiet",
        "--output=json",
        f"--output-path={report}",
        f"--only-categories={','.join(CATEGORIES)}",
        f"--chrome-flags={' '.join(FLAGS)}",
    ]
    env = {**os.environ, "CHROME_PATH": str(find_chromium())}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not report.is_file():
        raise RuntimeError(f"Lighthouse failed on {url}:\n{done.stderr[-3000:]}")
    result: Report = json.loads(report.read_text())
    return result


def scores(report: Report) -> dict[str, float]:
    """Each category's score out of 100 (NaN where Lighthouse gave none)."""
    result = {}
    for name in CATEGORIES:
        score = report["categories"][name]["score"]
        result[name] = float("nan") if score is None else round(score * 100)
    return result


def failing_audits(report: Report) -> dict[str, str]:
    """Audits that cost points ("category: audit id" -> value), for the notes."""
    out = {}
    for name in CATEGORIES:
        for ref in report["categories"][name]["auditRefs"]:
            audit = report["audits"][ref["id"]]
            score = audit.get("score")
            if ref["weight"] and score is not None and score < 0.9:
                value = audit.get("displayValue", "").replace("\xa0", " ")
                out[f"{name}: {audit['id']}"] = value
    return out


def weigh(browser: Browser, base: str, path: str) -> Weight:
    """Bytes a phone-sized Chromium transfers for the page, and external requests."""
    context = browser.new_context(
        viewport={"width": 412, "height": 823}, device_scale_factor=1.75
    )
    page = context.new_page()
    external: list[str] = []
    responses: list[Request] = []

    def route(route_: Route) -> None:
        url = route_.request.url
        if url.startswith((base, "data:", "blob:")):
            route_.continue_()
        else:
            external.append(url)
            route_.abort()

    page.route("**/*", route)
    page.on("requestfinished", lambda request: responses.append(request))
    page.goto(base + path, wait_until="load")
    page.wait_for_load_state("networkidle")

    def total() -> tuple[int, dict[str, int]]:
        sizes: dict[str, int] = {}
        for request in responses:
            sizes[request.url] = request.sizes()["responseBodySize"]
        return sum(sizes.values()), sizes

    at_load, _ = total()
    height = page.evaluate("document.documentElement.scrollHeight")
    for y in range(0, height + 823, 600):  # read to the end: lazy images load
        page.evaluate(f"window.scrollTo(0, {y})")
        page.wait_for_timeout(60)
    page.wait_for_load_state("networkidle")
    page.wait_for_timeout(300)
    read, sizes = total()
    animation = animation_bytes(page, base + path, sizes)
    context.close()
    return {
        "load": at_load,
        "read": read,
        "external": external,
        "animation": animation,
        "largest": sorted(sizes.items(), key=lambda item: -item[1])[:6],
    }


def animation_bytes(page: Page, url: str, sizes: dict[str, int]) -> int | None:
    """Compressed bytes of the animation: its markup in the page and its files."""
    found = page.evaluate(
        """sel => [...new Set([...document.querySelectorAll(sel)]
                .map(el => el.closest('.cell_output') || el))].map(el => ({
            html: el.outerHTML,
            urls: [el, ...el.querySelectorAll('*')]
                .flatMap(e => [...e.attributes]).map(a => a.value)
                .filter(v => FILE.test(v))
        }))""".replace("FILE", r"/\.(json|png|webp|jpe?g|gif|mp4|webm|js|bin)\b/"),
        ANIMATION_SELECTOR,
    )
    if not found:
        return None
    total = 0
    for element in found:
        total += len(gzip.compress(element["html"].encode(), compresslevel=6))
        for value in element["urls"]:
            total += sizes.get(urljoin(url, value), 0)
    return total


def summary(values: list[float]) -> str:
    """Median (lowest-highest) of values, or the one value they all have."""
    median = statistics.median(values)
    low, high = min(values), max(values)
    text = f"{median:g}"
    return text if low == high else f"{text} ({low:g}-{high:g})"


def kb(size: int) -> str:
    """Bytes as whole KB."""
    return f"{size / 1024:.0f} KB"


Row = tuple[str, str, str, str, str]  # measure, default theme, this site, target, met


def score_rows(runs: list[dict[str, float]]) -> list[Row]:
    """Each Lighthouse category: the default theme's score, the site's, the target."""
    rows = []
    for category in CATEGORIES:
        values = [run[category] for run in runs]
        target = TARGETS[category]
        rows.append(
            (
                category,
                str(DEFAULT_THEME[category]),
                summary(values),
                f">= {target}" if target < 100 else "100",
                "met" if statistics.median(values) >= target else "NOT MET",
            )
        )
    return rows


def _limit(size: int, limit_kb: int) -> tuple[str, str]:
    """The target and whether size (bytes) meets it."""
    return f"<= {limit_kb} KB", "met" if size <= limit_kb * 1024 else "NOT MET"


def weight_rows(name: str, weight: Weight) -> list[Row]:
    """Bytes at load and read to the end (the animation apart), external requests."""
    read, animation = weight["read"], weight["animation"]
    rows = [("KB at load", f"{DEFAULT_KB} KB", kb(weight["load"]), "", "")]
    if name in ANIMATED:  # limits for the animation and the rest, below
        rows.append(("KB read to the end", "", kb(read), "(animation: see below)", ""))
    else:
        rows.append(("KB read to the end", "", kb(read), *_limit(read, MAX_KB)))
    if animation is not None:
        size = kb(animation)
        rows.append(
            ("  of which animation", "", size, *_limit(animation, MAX_ANIMATION_KB))
        )
        rest = read - animation
        rows.append(("  the rest", "", kb(rest), *_limit(rest, MAX_KB)))
    external = weight["external"]
    met = "met" if not external else "NOT MET"
    rows.append(("external requests", DEFAULT_EXTERNAL, str(len(external)), "0", met))
    return rows


def table(name: str, path: str, runs: list[dict[str, float]], weight: Weight) -> str:
    """The page's rows next to the default theme's, as aligned columns."""
    header: Row = ("", "default theme*", "this site", "target", "")
    rows = [header, *score_rows(runs), *weight_rows(name, weight)]
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [f"{name}: {path}"]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        lines.append(("  " + "  ".join(cells)).rstrip())
    return "\n".join(lines)


def lighthouse_runs(base: str, path: str, runs: int, out: Path) -> list[Report]:
    """Lighthouse on the page runs times, each report saved in out as STEM-N.json."""
    reports = []
    for index in range(runs):
        with tempfile.TemporaryDirectory() as tmp:
            report = lighthouse(base + path, Path(tmp) / "report.json")
        saved = out / f"{Path(path).stem}-{index + 1}.json"
        saved.write_text(json.dumps(report))
        reports.append(report)
        print(f"  {path} run {index + 1}: {scores(report)}", file=sys.stderr)
    return reports


def print_notes(name: str, reports: list[Report], weight: Weight) -> None:
    """Below a page's table: the CPU index, what cost points, the largest files."""
    speeds = [report["environment"]["benchmarkIndex"] for report in reports]
    print(
        f"    this machine's CPU index in the runs: {min(speeds):.0f}-"
        f"{max(speeds):.0f} (Lighthouse's benchmark; lower: busier, "
        "slower scores)"
    )
    notes: dict[str, list[str]] = {}
    for report in reports:
        for audit, value in failing_audits(report).items():
            notes.setdefault(audit, []).append(value)
    for audit, values in sorted(notes.items()):
        runs_text = f"{len(values)} of {len(reports)} runs"
        shown = ", ".join(v for v in values if v)
        print(f"    costs points in {runs_text}: {audit} {shown}".rstrip())
    if name in ANIMATED:
        print("    largest responses (read to the end):")
        for url, size in weight["largest"]:
            print(f"      {kb(size):>7}  {urlsplit(url).path}")
    print(flush=True)


def arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line: the site, the runs a page, where the reports go."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs a page")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "_build" / "bench-site", help="JSON reports"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    if not (args.site / "index.html").is_file():
        print(f"no built site in {args.site}: run `make book` first", file=sys.stderr)
        return 2
    if not LIGHTHOUSE.is_file():
        print("no Lighthouse: run `npm ci --prefix tools/site`", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    server, base = serve_in_thread(args.site)
    results: dict[str, object] = {}
    try:
        with sync_playwright() as playwright:
            launch = playwright.chromium.launch
            browser = launch(executable_path=find_chromium(), args=CHROMIUM_FLAGS)
            for name, path in PAGES.items():
                weight = weigh(browser, base, path)
                reports = lighthouse_runs(base, path, args.runs, args.out)
                runs = [scores(report) for report in reports]
                results[name] = {"path": path, "runs": runs, "weight": weight}
                print(table(name, path, runs, weight))
                print_notes(name, reports, weight)
            weights = explorables.weigh(browser, base)
            print(explorables.table(weights), end="\n\n")
            results["explorables"] = weights
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    (args.out / "summary.json").write_text(json.dumps(results, indent=1))
    print(
        "* default theme: a default Jupyter Book 1 page with one plot, measured the "
        "same way by this script; its maths came from a CDN.\n"
        f"Scores: median of {args.runs} Lighthouse runs (min-max); KB: compressed "
        "bodies as transferred with gzip. Reports: " + str(args.out)
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
