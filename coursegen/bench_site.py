"""Benchmark the built site as readers get it: Lighthouse scores, weight, offline.

    python -m coursegen bench-site                 # _build/html, 3 runs a page
    python -m coursegen bench-site --runs 5 --site _build/student/html

`make bench-site` runs it (after `npm ci --prefix tools/site` when needed). It
serves the site with coursegen/serve.py (127.0.0.1, gzip, as static hosts do) and,
for the intro, a text-heavy lesson and the animation lesson:

- runs Lighthouse 12 (mobile preset: simulated slow 4G and a 4x slower CPU) in
  headless Chromium several times and reports the median score of each
  category, with the lowest and highest;
- loads the page in Chromium (Playwright, 412 x 823 like Lighthouse's phone)
  and sums the compressed body sizes of every response: at load, and after
  scrolling to the end (lazy images included); every request to a host other
  than 127.0.0.1 is counted and blocked, so the page must work offline;
- prints a table per page next to the figures of a default Jupyter Book page
  (DEFAULT_THEME below), with whether each target is met.

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
from urllib.parse import urljoin, urlsplit

from coursegen.course import ROOT
from coursegen.serve import CHROMIUM, CHROMIUM_FLAGS, serve_in_thread

LIGHTHOUSE = ROOT / "tools/site/node_modules/lighthouse/cli/index.js"
# Lighthouse starts Chromium itself: headless, with the flags of the tests.
FLAGS = ["--headless=new", *CHROMIUM_FLAGS]
PAGES = {
    "intro": "book/intro.html",
    "text-heavy lesson": "lessons/derivative.html",
    "animation lesson": "lessons/training.html",
}
ANIMATED = {"animation lesson"}
CATEGORIES = ("performance", "accessibility", "best-practices", "seo")
# A default Jupyter Book 1 page with one plot, measured once the same way by this
# script (its maths came from a CDN): what the course's pages are compared with.
DEFAULT_THEME = {
    "performance": 83,
    "accessibility": 100,
    "best-practices": 96,
    "seo": 91,
    "kb": 849,
    "external": "CDN maths",
}
TARGETS = {"performance": 95, "accessibility": 100, "best-practices": 95, "seo": 95}
MAX_KB = 400  # a lesson without animation, everything it transfers
MAX_ANIMATION_KB = 1024
# The training animation's player, new (.course-animation) and old (matplotlib's).
ANIMATION_SELECTOR = ".course-animation, div.animation"


def lighthouse(url: str, report: Path) -> dict:
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
    env = {**os.environ, "CHROME_PATH": CHROMIUM}
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not report.is_file():
        raise RuntimeError(f"Lighthouse failed on {url}:\n{done.stderr[-3000:]}")
    return json.loads(report.read_text())


def scores(report: dict) -> dict[str, float]:
    result = {}
    for name in CATEGORIES:
        score = report["categories"][name]["score"]
        result[name] = float("nan") if score is None else round(score * 100)
    return result


def failing_audits(report: dict) -> dict[str, str]:
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


def weigh(browser, base: str, path: str) -> dict:
    """Bytes a phone-sized Chromium transfers for the page, and external requests."""
    context = browser.new_context(
        viewport={"width": 412, "height": 823}, device_scale_factor=1.75
    )
    page = context.new_page()
    external: list[str] = []
    responses = []

    def route(route_) -> None:
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
        sizes = {}
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


def animation_bytes(page, url: str, sizes: dict[str, int]) -> int | None:
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
    median = statistics.median(values)
    low, high = min(values), max(values)
    text = f"{median:g}"
    return text if low == high else f"{text} ({low:g}-{high:g})"


def kb(size: int) -> str:
    return f"{size / 1024:.0f} KB"


def table(name: str, path: str, runs: list[dict], weight: dict) -> str:
    rows = [("", "default theme*", "this site", "target", "")]
    medians = {}
    for category in CATEGORIES:
        values = [run[category] for run in runs]
        medians[category] = statistics.median(values)
        target = TARGETS[category]
        rows.append(
            (
                category,
                str(DEFAULT_THEME[category]),
                summary(values),
                f">= {target}" if target < 100 else "100",
                "met" if medians[category] >= target else "NOT MET",
            )
        )
    animated = name in ANIMATED
    limit = None if animated else MAX_KB * 1024
    rows.append(
        (
            "KB at load",
            f"{DEFAULT_THEME['kb']} KB",
            kb(weight["load"]),
            "",
            "",
        )
    )
    rows.append(
        (
            "KB read to the end",
            "",
            kb(weight["read"]),
            f"<= {MAX_KB} KB" if limit else "(animation: see below)",
            ("met" if weight["read"] <= limit else "NOT MET") if limit else "",
        )
    )
    if weight["animation"] is not None:
        met = weight["animation"] <= MAX_ANIMATION_KB * 1024
        rows.append(
            (
                "  of which animation",
                "",
                kb(weight["animation"]),
                f"<= {MAX_ANIMATION_KB} KB",
                "met" if met else "NOT MET",
            )
        )
        rest = weight["read"] - weight["animation"]
        rows.append(
            (
                "  the rest",
                "",
                kb(rest),
                f"<= {MAX_KB} KB",
                "met" if rest <= MAX_KB * 1024 else "NOT MET",
            )
        )
    rows.append(
        (
            "external requests",
            DEFAULT_THEME["external"],
            str(len(weight["external"])),
            "0",
            "met" if not weight["external"] else "NOT MET",
        )
    )
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    lines = [f"{name}: {path}"]
    for row in rows:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        lines.append(("  " + "  ".join(cells)).rstrip())
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "_build" / "html")
    parser.add_argument("--runs", type=int, default=3, help="Lighthouse runs a page")
    parser.add_argument(
        "--out", type=Path, default=ROOT / "_build" / "bench-site", help="JSON reports"
    )
    args = parser.parse_args(argv)
    if not (args.site / "index.html").is_file():
        print(f"no built site in {args.site}: run `make book` first", file=sys.stderr)
        return 2
    if not LIGHTHOUSE.is_file():
        print("no Lighthouse: run `npm ci --prefix tools/site`", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    args.out.mkdir(parents=True, exist_ok=True)
    server, base = serve_in_thread(args.site)
    results = {}
    try:
        with sync_playwright() as playwright:
            launch = playwright.chromium.launch
            browser = launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
            for name, path in PAGES.items():
                weight = weigh(browser, base, path)
                runs, notes, speeds = [], {}, []
                for index in range(args.runs):
                    with tempfile.TemporaryDirectory() as tmp:
                        report = lighthouse(base + path, Path(tmp) / "report.json")
                    saved = args.out / f"{Path(path).stem}-{index + 1}.json"
                    saved.write_text(json.dumps(report))
                    runs.append(scores(report))
                    speeds.append(report["environment"]["benchmarkIndex"])
                    for audit, value in failing_audits(report).items():
                        notes.setdefault(audit, []).append(value)
                    print(f"  {path} run {index + 1}: {runs[-1]}", file=sys.stderr)
                results[name] = {"path": path, "runs": runs, "weight": weight}
                print(table(name, path, runs, weight))
                print(
                    f"    this machine's CPU index in the runs: {min(speeds):.0f}-"
                    f"{max(speeds):.0f} (Lighthouse's benchmark; lower: busier, "
                    "slower scores)"
                )
                for audit, values in sorted(notes.items()):
                    runs_text = f"{len(values)} of {args.runs} runs"
                    shown = ", ".join(v for v in values if v)
                    print(f"    costs points in {runs_text}: {audit} {shown}".rstrip())
                if name in ANIMATED:
                    print("    largest responses (read to the end):")
                    for url, size in weight["largest"]:
                        print(f"      {kb(size):>7}  {urlsplit(url).path}")
                print(flush=True)
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
