"""make bench: how fast the course builds, tests and runs, as one table of medians.

Every row is measured RUNS times (default 3) and shown as median (min-max):
what importing relu_course costs and a lesson kernel's start, fresh and forked
(coursegen/bench/imports.py); two pairs of
ways raced (races.py): the training animation, the course's way and MLDawn's,
and two experiments looped and batched; cold, warm and edited builds, `make
test` by phase, and each lesson of the cold builds (builds.py).

This is a benchmark, not a test: it never fails on a number. It prints the table
and writes it between the bench markers of README.md.

    python -m coursegen bench [--runs N] [--skip-test] [--skip-builds] [--no-readme]
"""

from __future__ import annotations

import argparse
import datetime
import platform
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from coursegen.bench import builds, imports, races
from coursegen.bench.builds import Builds
from coursegen.bench.imports import Imported
from coursegen.bench.races import Times
from coursegen.course import ROOT, cores, pin_execution_env

MARKERS = ("<!-- bench:start -->", "<!-- bench:end -->")


@dataclass
class Results:
    """What one `make bench` measured; builds and tests only when asked for."""

    imports: dict[str, Imported]
    kernels: dict[str, list[float]]
    races: dict[str, Times]
    builds: Builds | None = None
    test: dict[str, list[float]] | None = None


def machine(runs: int) -> str:
    """The line above the table: the date, the commit, the machine, the runs."""
    cpu = platform.processor() or platform.machine()
    info = Path("/proc/cpuinfo")  # Linux only
    for line in info.read_text().splitlines() if info.is_file() else []:
        if line.startswith("model name"):
            cpu = line.split(":", 1)[1].strip()
            break
    try:
        commit = builds.git("rev-parse", "--short", "HEAD")
        if builds.git("status", "--porcelain", "--untracked-files=no"):
            commit += " with uncommitted changes"
    except (OSError, subprocess.CalledProcessError):  # no git, or not a checkout
        # (make bench's own `make test` runs in a copy without .git)
        commit = "unknown (not a git checkout)"
    today = datetime.date.today().isoformat()
    return (
        f"`make bench` on {today}, commit {commit}, {cores()} "
        f"cores ({cpu}), {runs} runs each."
    )


def table(results: Results, runs: int) -> str:
    """The results as Markdown: one table of measures, then one of lessons."""
    rows = ["| measure | median (min-max) | target | |", "| --- | --- | --- | --- |"]
    rows += imports.import_rows(results.imports)
    rows += imports.kernel_rows(results.kernels)
    if results.builds:
        rows += builds.build_rows(results.builds)
    if results.test:
        rows += builds.make_test_rows(results.test)
    rows += races.race_rows(results.races)
    if results.builds:
        rows += ["", *builds.lesson_table(results.builds)]
    return machine(runs) + "\n\n" + "\n".join(rows) + "\n"


def write_readme(text: str, readme: Path = ROOT / "README.md") -> None:
    """Put text between the bench markers of the README."""
    content = readme.read_text()
    start, end = (content.index(m) for m in MARKERS)
    content = content[: start + len(MARKERS[0])] + "\n" + text + content[end:]
    readme.write_text(content)


def arguments(argv: list[str] | None) -> argparse.Namespace:
    """The command line, checked: runs at least one, lessons to edit that exist."""
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
    return args


def main(argv: list[str] | None = None) -> int:
    args = arguments(argv)
    pin_execution_env()  # one PyTorch thread, as lessons run: before torch loads
    print("bench: importing relu_course")
    imported = imports.bench_imports(args.runs)
    print(f"bench: a lesson's kernel, fresh and forked, {max(args.runs, 5)} runs")
    kernels = imports.bench_kernels(max(args.runs, 5))
    print(f"bench: the animation and the batched experiment, {args.runs} runs")
    results = Results(imported, kernels, races.bench_races(args.runs))
    with tempfile.TemporaryDirectory(prefix="relu-bench-") as tmp:
        if not args.skip_builds:
            print(f"bench: cold, warm and edited builds, {args.runs} runs")
            results.builds = builds.bench_builds(args.runs, args.edit, Path(tmp))
        if not args.skip_test:
            print(f"bench: make test, {args.runs} runs")
            try:
                results.test = builds.bench_test(args.runs, Path(tmp))
            except SystemExit:  # make test failed: what was measured is shown
                print(table(results, args.runs))
                raise
    text = table(results, args.runs)
    print(text)
    if not args.no_readme:
        write_readme(text)
        print("bench: README.md updated")
    return 0


if __name__ == "__main__":
    sys.exit(main())
