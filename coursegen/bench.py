"""make bench: how fast the course builds, tests and runs, as one table of medians.

Every row is measured RUNS times (default 3) and shown as median (min-max):

- builds, each in a fresh copy of the working tree (the files git would
  commit; `.venv` and the node tools linked, not rebuilt): cold (empty cache,
  every lesson executed, HTML written), warm (nothing changed), and one lesson
  edited, a code cell added at its end (a lesson of median execution time,
  then the slowest; which lessons ran again is shown);
- `make test` in a fresh copy (it builds the book cold too, for the browser
  tests), split by the phases it announces: lint, then side by side the unit
  tests, the lessons under each kernel set (nbval) and the book with the
  browser tests, each timed until its output appears (when it ends);
- per lesson, from the cold builds' reports (coursegen/execute.py, two
  kernels side by side as in every build): kernel start, imports, the other
  cells, the kernel's peak memory;
- the training animation of the lesson "Training a ReLU regressor" made the
  course's way and the way the MLDawn article makes it, and two experiments
  that repeat a training (the dying-relu sweep, the wiggly-curve survey)
  looped one model at a time and batched: ratios (coursegen/bench_ways.py).

This is a benchmark, not a test: it never fails on a number. It prints the table
and writes it between the bench markers of README.md.

    python -m coursegen bench [--runs N] [--skip-test] [--no-readme]
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from coursegen.course import ROOT
from coursegen.execute import Run  # the executor's report of each lesson

LINKED = (".venv", "tools/site/node_modules")  # set-up, not part of a build
MARKERS = ("<!-- bench:start -->", "<!-- bench:end -->")
# `make test` announces its phases with lines starting "== ": lint first, then the
# unit tests, the lessons (nbval) and the browser tests side by side. make prints
# each side-by-side target's output whole when it ends, so the time from the
# "side by side" line to a target's own first "== " line is how long it ran.
SIDE_BY_SIDE = "side by side"
TARGETS = {  # a target's first "== " line starts with: its row in the table
    "unit tests": "unit tests and doctests",
    "lessons": "lessons, under each kernel set",
    "the book": "book and browser tests",
}


def _git(*args: str) -> str:
    """What a git command prints in the repository, stripped."""
    done = subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def fresh_copy(dest: Path) -> Path:
    """The working tree as a clone would have it, with the set-up linked in."""
    listed = _git("ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # a file deleted but not yet committed is skipped
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    for name in LINKED:
        if (ROOT / name).exists():
            (dest / name).symlink_to(ROOT / name)
    return dest


class Ran(NamedTuple):
    seconds: float  # wall time
    output: str  # stdout and stderr together
    marks: dict[str, float]  # when each phase ("== ..." line) began, in seconds


def run(command: list[str], cwd: Path) -> Ran:
    """Run command and time it; stop the bench if it fails."""
    start = time.perf_counter()
    process = subprocess.Popen(
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    lines, marks = [], {}
    for line in process.stdout:
        lines.append(line)
        if line.startswith("== "):
            marks[line[3:].strip()] = time.perf_counter() - start
    if process.wait() != 0:
        sys.stdout.write("".join(lines[-60:]))
        raise SystemExit(f"bench: `{' '.join(command)}` failed in {cwd}")
    return Ran(time.perf_counter() - start, "".join(lines), marks)


def lesson_report(copy: Path) -> dict[str, Run]:
    """The per-lesson report the last execution in copy wrote."""
    report = copy / "_build" / ".jupyter_cache.runs.json"
    return {k: Run(**v) for k, v in json.loads(report.read_text())["lessons"].items()}


def executed(output: str) -> list[str]:
    """The lessons coursegen/execute.py says it ran."""
    return re.findall(r"^  (\S+)\.md: kernel", output, re.MULTILINE)


def bench_builds(runs: int, edits: list[str] | None, work: Path) -> dict:
    """Cold, warm and edited-lesson builds, each run in a fresh copy."""
    result: dict = {"cold": [], "warm": [], "edited": {}, "ran": {}, "lessons": {}}
    for k in range(runs):
        copy = fresh_copy(work / f"build-{k}")
        result["cold"].append(run(["make", "book"], copy).seconds)
        report = lesson_report(copy)
        for name, stats in report.items():
            result["lessons"].setdefault(name, []).append(stats)
        result["warm"].append(run(["make", "book"], copy).seconds)
        if edits is None:  # a lesson of median cost, and the slowest: the worst case
            by_cost = sorted(report, key=lambda n: report[n].execution)
            edits = [by_cost[len(by_cost) // 2], by_cost[-1]]
        for name in edits:
            path = copy / "lessons" / f"{name}.md"
            cell = f"# edited by make bench, run {k}"
            path.write_text(
                path.read_text() + f"\n```{{code-cell}} ipython3\n{cell}\n```\n"
            )
            done = run(["make", "book"], copy)
            result["edited"].setdefault(name, []).append(done.seconds)
            result["ran"].setdefault(name, set()).update(executed(done.output))
        shutil.rmtree(copy)
    return result


def bench_test(runs: int, work: Path) -> dict[str, list[float]]:
    """`make test` in fresh copies, total and per phase."""
    times: dict[str, list[float]] = {"total": []}
    for k in range(runs):
        copy = fresh_copy(work / f"test-{k}")
        done = run(["make", "test"], copy)
        total = done.seconds
        times["total"].append(total)
        marks = done.marks
        lint = next(t for name, t in marks.items() if name.startswith("lint"))
        side = next(t for name, t in marks.items() if name.startswith(SIDE_BY_SIDE))
        named = {"lint": side - lint, SIDE_BY_SIDE: total - side}
        for key, label in TARGETS.items():
            ended = next(t for name, t in marks.items() if name.startswith(key))
            named[label] = ended - side
        named["other"] = lint  # make's set-up checks, before the first phase
        for phase, seconds in named.items():
            times.setdefault(phase, []).append(seconds)
        shutil.rmtree(copy)
    return times


# What a lesson pays for `import relu_course` and its first uses (lazy modules).
IMPORTS = {
    "`import relu_course`": "import relu_course as rc",
    "... and `rc.relu(0.5)`": "import relu_course as rc; rc.relu(0.5)",
    "... and `rc.Regressor(7)`": "import relu_course as rc; rc.Regressor(7)",
}
HEAVY = ("numpy", "torch", "matplotlib")


def bench_imports(runs: int) -> dict[str, dict]:
    """What each import costs in a fresh interpreter, and the heavy modules it loads."""
    # Timed inside a fresh interpreter: its own start-up varies more between runs
    # than the package's import takes.
    report = (
        "took = time.perf_counter() - start; import sys; "
        f"print(took, *[m for m in {HEAVY!r} if m in sys.modules])"
    )

    def timed(code: str) -> tuple[float, str]:
        program = f"import time; start = time.perf_counter(); {code}; {report}"
        done = subprocess.run(
            [sys.executable, "-c", program], capture_output=True, text=True, check=True
        )
        took, _, loaded = done.stdout.strip().partition(" ")
        return float(took), loaded

    results = {}
    for label, code in IMPORTS.items():
        seconds = []
        for _ in range(max(runs, 5)):  # a second or less each: more runs are cheap
            took, loaded = timed(code)
            seconds.append(took)
        results[label] = {"seconds": seconds, "loaded": loaded}
    return results


def alternate(
    runs: int, ways: dict[str, Callable[[], object]], warm: bool = True
) -> dict[str, list]:
    """Time each way runs times, taking turns so drift affects them alike.

    With `warm`, each way runs once untimed first: PyTorch's and matplotlib's
    one-time set-up is paid there, not by whichever way happens to go first.
    """
    for way in ways.values() if warm else ():
        way()
    times: dict[str, list[float]] = {name: [] for name in ways}
    for _ in range(runs):
        for name, way in ways.items():
            start = time.perf_counter()
            way()
            times[name].append(time.perf_counter() - start)
    return times


def bench_animation(runs: int) -> dict[str, list[float]]:
    from coursegen import bench_ways

    return alternate(
        runs, {"course": bench_ways.course_way, "mldawn": bench_ways.mldawn_way}
    )


def bench_batched(runs: int) -> dict[str, dict[str, list[float]]]:
    from coursegen import bench_ways

    experiments = {}
    for name, experiment, warm in (
        ("dying", bench_ways.dying_sweep, True),
        # A minute a run looped: the set-up was paid by the runs before.
        ("survey", bench_ways.wiggly_survey, False),
    ):
        experiments[name] = alternate(
            runs,
            {
                "looped": lambda e=experiment: e(batched=False),
                "batched": lambda e=experiment: e(batched=True),
            },
            warm,
        )
    return experiments


def med(values: list[float], unit: str = "s", digits: int = 1) -> str:
    """Median (min-max) of values."""
    m, lo, hi = statistics.median(values), min(values), max(values)
    if len(values) == 1:
        return f"{m:.{digits}f} {unit}"
    return f"{m:.{digits}f} {unit} ({lo:.{digits}f}-{hi:.{digits}f})"


def verdict(value: float, limit: float, at_least: bool = False) -> str:
    ok = value >= limit if at_least else value <= limit
    return "met" if ok else "**missed**"


def table(results: dict, runs: int) -> str:
    """The results as Markdown."""
    rows = ["| measure | median (min-max) | target | |", "| --- | --- | --- | --- |"]

    def row(name: str, values: list[float], limit: float | None, **kw: object) -> None:
        target = f"<= {limit:g} s" if limit is not None else ""
        mark = verdict(statistics.median(values), limit) if limit is not None else ""
        rows.append(f"| {name} | {med(values, **kw)} | {target} | {mark} |")

    for k, (label, imported) in enumerate(results.get("imports", {}).items()):
        loaded = imported["loaded"].replace(" ", ", ")
        milliseconds = [1000 * t for t in imported["seconds"]]
        target, mark = "", ""
        if k == 0:  # the package itself must not load what a lesson may not need
            target, mark = "loads none of them", "**missed**" if loaded else "met"
        rows.append(
            f"| {label}: loads {loaded or 'none of ' + ', '.join(HEAVY)} "
            f"| {med(milliseconds, 'ms', 0)} | {target} | {mark} |"
        )
    builds = results.get("builds")
    if builds:
        row("cold build (fresh copy, empty cache)", builds["cold"], 60)
        row("warm build (nothing changed)", builds["warm"], 5)
        for name, seconds in builds["edited"].items():
            ran = ", ".join(sorted(builds["ran"][name])) or "none"
            row(f"`{name}` edited (re-executed: {ran})", seconds, 15)
    test = results.get("test")
    if test:
        row("`make test` (builds the book cold too)", test["total"], 240)
        row("- lint", test["lint"], None)
        row("- then side by side, until the last ends", test[SIDE_BY_SIDE], None)
        for label in TARGETS.values():
            row(f"&nbsp;&nbsp;- {label}, done after", test[label], None)
        row("- set-up checks before lint", test["other"], None)
    comparisons = [("animation", results.get("animation"), "mldawn", "course", 3)]
    for name, times in results.get("batched", {}).items():
        comparisons.append((name, times, "looped", "batched", 10))
    labels = {
        "animation": "training animation, 40 frames: MLDawn's way / the course's",
        "dying": "dying-relu sweep, 100 trainings of 150 epochs: looped / batched",
        "survey": "wiggly-curve survey, 40 trainings of 7000 Adam steps: "
        "looped / batched",
    }
    for name, times, slow, fast, target in comparisons:
        if not times:
            continue
        ratios = [s / f for s, f in zip(times[slow], times[fast], strict=True)]
        rows.append(
            f"| {labels[name]} | {med(ratios, 'x')} | >= {target}x | "
            f"{verdict(statistics.median(ratios), target, at_least=True)} |"
        )
        rows.append(f"| - {slow} | {med(times[slow], digits=2)} | | |")
        rows.append(f"| - {fast} | {med(times[fast], digits=2)} | | |")
    if builds:
        rows += [
            "",
            "| lesson (cold build, 2 at a time) | kernel start | execution "
            "| of which imports | peak memory |",
            "| --- | --- | --- | --- | --- |",
        ]
        for lesson, runs_of in sorted(builds["lessons"].items()):
            start, cells, imports, peak = zip(
                *((r.kernel_start, r.execution, r.imports, r.peak_mb) for r in runs_of),
                strict=True,
            )
            rows.append(
                f"| {lesson} | {med(start)} | {med(cells)} | {med(imports)} | "
                f"{med(peak, 'MB', 0)} |"
            )
    cpu = platform.processor() or platform.machine()
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    commit = _git("rev-parse", "--short", "HEAD")
    if _git("status", "--porcelain", "--untracked-files=no"):
        commit += " with uncommitted changes"
    today = datetime.date.today().isoformat()
    header = (
        f"`make bench` on {today}, commit {commit}, {len(os.sched_getaffinity(0))} "
        f"cores ({cpu}), {runs} runs each."
    )
    return header + "\n\n" + "\n".join(rows) + "\n"


def write_readme(text: str, readme: Path = ROOT / "README.md") -> None:
    """Put text between the bench markers of the README."""
    content = readme.read_text()
    start, end = (content.index(m) for m in MARKERS)
    content = content[: start + len(MARKERS[0])] + "\n" + text + content[end:]
    readme.write_text(content)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per measure")
    parser.add_argument("--skip-test", action="store_true", help="no `make test`")
    parser.add_argument("--skip-builds", action="store_true", help="no book builds")
    parser.add_argument(
        "--edit",
        action="append",
        help="a lesson to edit, by name; repeat for more (default: the median and "
        "the slowest lesson)",
    )
    parser.add_argument("--no-readme", action="store_true", help="leave README.md")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error(f"--runs must be >= 1, got {args.runs}")
    for name in args.edit or []:
        if not (ROOT / "lessons" / f"{name}.md").is_file():
            parser.error(f"--edit: no lesson lessons/{name}.md")
    from coursegen.course import pin_execution_env

    pin_execution_env()  # one PyTorch thread, as lessons run: before torch loads
    results: dict = {}
    with tempfile.TemporaryDirectory(prefix="relu-bench-") as tmp:
        work = Path(tmp)
        print("bench: importing relu_course")
        results["imports"] = bench_imports(args.runs)
        print(f"bench: the animation and the batched experiment, {args.runs} runs")
        results["animation"] = bench_animation(args.runs)
        results["batched"] = bench_batched(args.runs)
        if not args.skip_builds:
            print(f"bench: cold, warm and edited builds, {args.runs} runs")
            results["builds"] = bench_builds(args.runs, args.edit, work)
        if not args.skip_test:
            print(f"bench: make test, {args.runs} runs")
            results["test"] = bench_test(args.runs, work)
    text = table(results, args.runs)
    print(text)
    if not args.no_readme:
        write_readme(text)
        print("bench: README.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
