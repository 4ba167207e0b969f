"""coursegen/bench/site.py (`make bench-site`): Lighthouse's reports read, the table.

Lighthouse and Chromium do not run here: a small node script stands in for
Lighthouse's command line (it writes a recorded report where it is told to),
so that the command, the parsing and every decision around them run for real.
"""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import random
import shutil
from pathlib import Path

import pytest
from PIL import Image

from coursegen.bench import explorables as bench_explorables
from coursegen.bench import site as bench_site
from coursegen.browser import NoChromium, find_chromium

# Lighthouse's command line, as far as the bench uses it: the URL, then
# --output-path=FILE gets the JSON report (here a recorded one, with what the
# command was given), and it fails on an address it cannot reach.
FAKE_LIGHTHOUSE = """
const [url, ...flags] = process.argv.slice(2);
const option = (name) => flags.find((f) => f.startsWith(`--${name}=`)).split("=")[1];
if (url.includes("unreachable")) {
  process.stderr.write(`Unable to reach ${url}`);
  process.exit(1);
}
const report = JSON.parse(process.env.RECORDED_REPORT);
report.given = { url, flags, chrome: process.env.CHROME_PATH };
require("fs").writeFileSync(option("output-path"), JSON.stringify(report));
"""


def _category(score: float | None, *refs: tuple[str, float]) -> dict:
    return {"score": score, "auditRefs": [{"id": i, "weight": w} for i, w in refs]}


# A Lighthouse report cut down to what the bench reads.
REPORT = {
    "categories": {
        "performance": _category(0.934, ("lcp", 25), ("tbt", 30)),
        "accessibility": _category(1.0, ("contrast", 7)),
        "best-practices": _category(None, ("errors", 1)),
        "seo": _category(0.9, ("meta-description", 1), ("hreflang", 0)),
    },
    "audits": {
        "lcp": {"id": "lcp", "score": 0.5, "displayValue": "3.1\xa0s"},
        "tbt": {"id": "tbt", "score": 0.95, "displayValue": "40\xa0ms"},
        "contrast": {"id": "contrast", "score": 1},
        "errors": {"id": "errors", "score": None},
        "meta-description": {"id": "meta-description", "score": 0},
        "hreflang": {"id": "hreflang", "score": 0},  # weight 0: costs nothing
    },
    "environment": {"benchmarkIndex": 1500},
}


def _fake_lighthouse(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if shutil.which("node") is None:
        pytest.skip("needs node (as `make book` does, for KaTeX)")
    script = folder / "lighthouse.js"
    script.write_text(FAKE_LIGHTHOUSE)
    monkeypatch.setattr(bench_site, "LIGHTHOUSE", script)
    monkeypatch.setenv("RECORDED_REPORT", json.dumps(REPORT))
    return script


@pytest.fixture
def fake_lighthouse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The stand-in, with a browser named for it (any file: it starts none)."""
    browser = tmp_path / "chromium"
    browser.write_text("")
    monkeypatch.setenv("COURSE_CHROMIUM", str(browser))
    return _fake_lighthouse(tmp_path, monkeypatch)


def test_lighthouse_runs_the_mobile_preset_in_chromium_and_returns_its_report(
    fake_lighthouse, tmp_path
):
    url = "http://127.0.0.1:8000/lessons/derivative.html"
    report = bench_site.lighthouse(url, tmp_path / "report.json")
    assert report["categories"] == REPORT["categories"]
    given = report["given"]
    assert given["url"] == url
    assert given["chrome"] == str(tmp_path / "chromium")  # the browser found
    assert "--output=json" in given["flags"]
    categories = "performance,accessibility,best-practices,seo"
    assert f"--only-categories={categories}" in given["flags"]
    chrome_flags = next(f for f in given["flags"] if f.startswith("--chrome-flags="))
    assert chrome_flags.split("=", 1)[1].split() == bench_site.FLAGS
    assert "--headless=new" in bench_site.FLAGS


def test_a_failed_lighthouse_run_is_an_error_with_its_message(
    fake_lighthouse, tmp_path
):
    with pytest.raises(RuntimeError, match="Lighthouse failed on http://unreachable/"):
        bench_site.lighthouse("http://unreachable/", tmp_path / "report.json")
    with pytest.raises(RuntimeError, match="Unable to reach http://unreachable/"):
        bench_site.lighthouse("http://unreachable/", tmp_path / "report.json")


def test_scores_are_percentages_and_a_missing_score_is_nan():
    scores = bench_site.scores(REPORT)
    assert {k: v for k, v in scores.items() if k != "best-practices"} == {
        "performance": 93,
        "accessibility": 100,
        "seo": 90,
    }
    assert scores["best-practices"] != scores["best-practices"]  # NaN


def test_only_weighted_audits_under_090_are_noted_with_their_value():
    assert bench_site.failing_audits(REPORT) == {
        "performance: lcp": "3.1 s",
        "seo: meta-description": "",
    }


def test_a_summary_shows_the_range_only_when_the_runs_differ():
    assert bench_site.summary([93, 95, 91]) == "93 (91-95)"
    assert bench_site.summary([100, 100]) == "100"
    assert bench_site.kb(1536) == "2 KB"


def _runs(performance: float) -> list[dict]:
    rest = {"accessibility": 100, "best-practices": 96, "seo": 100}
    return [{"performance": performance + d, **rest} for d in (-1, 0, 1)]


def _rows(text: str) -> dict[str, list[str]]:
    """The table's rows by their first cell, split into cells."""
    rows = {}
    for line in text.splitlines()[2:]:
        cells = [c for c in line.strip().split("  ") if c.strip()]
        rows[cells[0].strip()] = [c.strip() for c in cells[1:]]
    return rows


def test_a_page_table_compares_with_the_default_theme_and_marks_each_target():
    weight = {"load": 150 * 1024, "read": 420 * 1024, "external": [], "animation": None}
    text = bench_site.table("intro", "book/intro.html", _runs(96), weight)
    assert text.splitlines()[0] == "intro: book/intro.html"
    rows = _rows(text)
    assert rows["performance"] == ["83", "96 (95-97)", ">= 95", "met"]
    assert rows["accessibility"] == ["100", "100", "100", "met"]
    assert rows["KB at load"] == ["849 KB", "150 KB"]
    assert rows["KB read to the end"] == ["420 KB", "<= 400 KB", "NOT MET"]
    assert rows["external requests"] == ["CDN maths", "0", "0", "met"]
    assert "of which animation" not in rows


def test_an_animated_page_has_its_animation_weighed_apart():
    weight = {
        "load": 300 * 1024,
        "read": 1300 * 1024,
        "external": ["https://cdn.example/x.js"],
        "animation": 1000 * 1024,
    }
    text = bench_site.table(
        "animation lesson", "lessons/training.html", _runs(90), weight
    )
    rows = _rows(text)
    assert rows["performance"][-1] == "NOT MET"
    assert rows["KB read to the end"] == ["1300 KB", "(animation: see below)"]
    assert rows["of which animation"] == ["1000 KB", "<= 1024 KB", "met"]
    assert rows["the rest"] == ["300 KB", "<= 400 KB", "met"]
    assert rows["external requests"] == ["CDN maths", "1", "0", "NOT MET"]


def test_without_a_built_site_the_command_says_to_build_it(tmp_path, capsys):
    assert bench_site.main(["--site", str(tmp_path), "--out", str(tmp_path)]) == 2
    assert "no built site in" in capsys.readouterr().err


def test_without_lighthouse_the_command_says_how_to_install_it(
    tmp_path, monkeypatch, capsys
):
    (tmp_path / "index.html").write_text("<p>built</p>")
    monkeypatch.setattr(bench_site, "LIGHTHOUSE", tmp_path / "no-lighthouse.js")
    assert bench_site.main(["--site", str(tmp_path), "--out", str(tmp_path)]) == 2
    assert "npm ci --prefix tools/site" in capsys.readouterr().err


# --- in Chromium: the whole command, on a tiny site -----------------------------
ANIMATED_PAGE = """<!DOCTYPE html><html lang="en"><title>Training</title>
<link rel="icon" href="data:,">
<script src="https://cdn.example.invalid/maths.js"></script>
<p>The training animation.</p>
<div class="cell_output"><img src="sprite.png" alt="frames">
<div class="course-animation" data-frames="40">player</div></div>
<div style="height: 4000px"></div>
<img src="late.png" alt="read at the end" loading="lazy">
</html>"""
PLAIN_PAGE = '<!DOCTYPE html><html lang="en"><title>Intro</title>'
PLAIN_PAGE += '<link rel="icon" href="data:,"><p>Words only.</p></html>'


def _png(path: Path, size: tuple[int, int]) -> int:
    """A PNG of noise (PNG and noise: served as they are); its size in bytes."""
    Image.frombytes("L", size, random.Random(0).randbytes(size[0] * size[1])).save(path)
    return path.stat().st_size


@pytest.fixture(scope="module")
def measured(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`bench-site --runs 2` on the pages it measures, made small, in Chromium."""
    try:
        find_chromium()
    except NoChromium:
        pytest.skip("needs a Chromium (make chromium), as make browser does")
    site, out = tmp_path_factory.mktemp("site"), tmp_path_factory.mktemp("reports")
    (site / "index.html").write_text(PLAIN_PAGE)
    for name, path in bench_site.PAGES.items():
        page = site / path
        page.parent.mkdir(parents=True, exist_ok=True)
        page.write_text(ANIMATED_PAGE if name in bench_site.ANIMATED else PLAIN_PAGE)
        sizes = {
            "sprite": _png(page.parent / "sprite.png", (80, 60)),
            "late": _png(page.parent / "late.png", (40, 30)),
        }
    with pytest.MonkeyPatch.context() as patch:
        _fake_lighthouse(tmp_path_factory.mktemp("lighthouse"), patch)
        argv = ["--site", str(site), "--runs", "2", "--out", str(out)]
        with contextlib.redirect_stdout(io.StringIO()) as printed:
            status = bench_site.main(argv)
    summary = json.loads((out / "summary.json").read_text())
    printed_text = printed.getvalue()
    return dict(
        status=status, printed=printed_text, out=out, summary=summary, sizes=sizes
    )


def test_the_command_reports_every_page_and_keeps_lighthouses_reports(measured):
    assert measured["status"] == 0
    for name, path in bench_site.PAGES.items():
        assert f"{name}: {path}" in measured["printed"]
        for run in (1, 2):
            report = measured["out"] / f"{Path(path).stem}-{run}.json"
            assert json.loads(report.read_text())["given"]["url"].endswith(path)
    assert sorted(measured["summary"]) == sorted([*bench_site.PAGES, "explorables"])
    assert [r["performance"] for r in measured["summary"]["intro"]["runs"]] == [93, 93]


def test_the_audits_that_cost_points_are_noted_under_each_table(measured):
    notes = "costs points in 2 of 2 runs: performance: lcp 3.1 s, 3.1 s"
    assert measured["printed"].count(notes) == len(bench_site.PAGES)
    assert measured["printed"].count("largest responses (read to the end):") == 1


def test_an_animated_page_is_weighed_at_load_read_to_the_end_and_offline(measured):
    weight = measured["summary"]["animation lesson"]["weight"]
    sizes = measured["sizes"]
    assert weight["external"] == ["https://cdn.example.invalid/maths.js"]  # blocked
    assert weight["read"] - weight["load"] == sizes["late"]  # the lazy image
    largest = [(Path(url).name, size) for url, size in weight["largest"]]
    assert largest[:2] == [("sprite.png", sizes["sprite"]), ("late.png", sizes["late"])]
    # the animation: its markup, gzipped, and its sprite
    assert sizes["sprite"] < weight["animation"] < sizes["sprite"] + 300
    assert "/lessons/sprite.png" in measured["printed"]


def test_a_plain_page_has_no_animation_and_loads_everything_at_once(measured):
    weight = measured["summary"]["intro"]["weight"]
    assert weight["animation"] is None
    assert weight["external"] == []
    assert weight["load"] == weight["read"] == sum(s for _, s in weight["largest"])


def test_each_explorable_is_weighed_with_its_cell_output_gzipped(measured, tmp_path):
    # The tiny site has none: every page says so.
    assert measured["summary"]["explorables"] == {
        p: [] for p in bench_explorables.PAGES
    }
    assert f"{bench_explorables.PAGES[0]}: none found" in measured["printed"]
    output = (
        '<div class="cell_output"><figure><div class="course-explorable">'
        + "states " * 2000
        + "</div></figure></div>"
    )
    page = '<!DOCTYPE html><html lang="en"><title>E</title><body>'
    (tmp_path / "index.html").write_text(PLAIN_PAGE)
    (tmp_path / "e.html").write_text(page + output + output.upper() + "</body></html>")
    server, base = bench_site.serve_in_thread(tmp_path)
    try:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=find_chromium(), args=bench_site.CHROMIUM_FLAGS
            )
            weights = bench_explorables.weigh(browser, base, ["e.html"])
            browser.close()
    finally:
        server.shutdown()
        server.server_close()
    # The upper-cased copy has no explorable's class: it is not one.
    (first,) = weights["e.html"]
    assert first == len(gzip.compress(output.encode(), compresslevel=6))
    text = bench_explorables.table({"e.html": [first, 61 * 1024]})
    assert "e.html #1: 0.1 KB  met" in text
    assert "e.html #2: 61.0 KB  NOT MET" in text


def test_every_lesson_with_an_explorable_is_measured_once():
    measured = list(bench_site.PAGES.values())
    assert len(set(measured)) == len(measured)
    assert set(bench_explorables.PAGES) <= set(measured)
    assert measured[:3] == [
        "book/intro.html",
        "lessons/derivative.html",
        "lessons/training.html",
    ]
