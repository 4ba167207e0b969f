"""Book builds and `make test`, each timed in a fresh copy of the working tree.

- builds (the files git would commit; `.venv` and the node tools linked, not
  rebuilt): cold (empty cache, every lesson executed, HTML written), warm
  (nothing changed), and one lesson edited, a code cell added at its end (a
  lesson of median execution time, then the slowest; which lessons ran again
  is shown);
- `make test` (it builds the book cold too, for the browser tests), split by
  the phases it announces: lint (ruff), then side by side mypy, the unit
  tests, the lessons under each kernel set (nbval) and the book with the
  browser tests, each timed until the line it prints when it ends;
- per lesson, from the cold builds' reports (coursegen/execute.py, two kernels
  side by side as in every build): kernel start, imports, the other cells,
  the kernel's peak memory.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

from coursegen.bench import budgets, preview
from coursegen.bench.rows import med, row
from coursegen.course import ROOT
from coursegen.execute import Run  # the executor's report of each lesson

LINKED = (".venv", "tools/site/node_modules")  # set-up, not part of a build
# `make test` announces its phases with lines starting "== ": lint first, then
# mypy, the unit tests, the lessons (nbval) and the browser tests side by side.
# make prints each side-by-side target's output whole when it ends, so the time
# from the "side by side" line to the line below is how long that target ran.
# (Not the browser's first line: make prints the output before a recursive make
# at once, so its "== the book, built ..." comes at its start.)
SIDE_BY_SIDE = "side by side"
TARGETS = {  # the "== " line printed when a target ends starts with: its row
    "type check": "type check (mypy)",
    "unit tests": "unit tests and doctests",
    "lessons": "lessons, under each kernel set",
    "the built site": "book and browser tests",
}


def git(*args: str) -> str:
    """What a git command prints in the repository, stripped."""
    done = subprocess.run(
        ["git", *args], cwd=ROOT, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def fresh_copy(dest: Path) -> Path:
    """The working tree as a clone would have it, with the set-up linked in."""
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard")
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
    lines: list[str] = []
    marks: dict[str, float] = {}
    with subprocess.Popen(  # closes the pipe and waits for the command
        command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        assert process.stdout is not None  # stdout=PIPE
        for line in process.stdout:
            lines.append(line)
            if line.startswith("== "):
                marks[line[3:].strip()] = time.perf_counter() - start
    if process.returncode != 0:
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


@dataclass
class Builds:
    """Seconds of each build, by run; what each edit ran again; each lesson's runs."""

    cold: list[float] = field(default_factory=list)
    warm: list[float] = field(default_factory=list)
    edited: dict[str, list[float]] = field(default_factory=dict)  # by lesson edited
    ran: dict[str, set[str]] = field(default_factory=dict)  # re-executed, by edit
    lessons: dict[str, list[Run]] = field(default_factory=dict)  # cold builds
    watched: str = ""  # the lesson `make watch` saw edited
    watch: dict[str, list[float]] = field(default_factory=dict)  # by kind of edit


def bench_builds(runs: int, edits: list[str] | None, work: Path) -> Builds:
    """Cold, warm and edited-lesson builds, each run in a fresh copy."""
    result = Builds()
    for k in range(runs):
        copy = fresh_copy(work / f"build-{k}")
        result.cold.append(run(["make", "book"], copy).seconds)
        report = lesson_report(copy)
        for name, stats in report.items():
            result.lessons.setdefault(name, []).append(stats)
        result.warm.append(run(["make", "book"], copy).seconds)
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
            result.edited.setdefault(name, []).append(done.seconds)
            result.ran.setdefault(name, set()).update(executed(done.output))
        result.watched = edits[0]
        preview.save_to_reload(copy, result.watched, result.watch)
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


def build_rows(builds: Builds) -> list[str]:
    """The builds' rows of the table, with their targets."""
    rows = [
        row("cold build (fresh copy, empty cache)", builds.cold, budgets.COLD),
        row("warm build (nothing changed)", builds.warm, budgets.WARM),
    ]
    for name, seconds in builds.edited.items():
        ran = ", ".join(sorted(builds.ran[name])) or "none"
        label = f"`{name}` edited (re-executed: {ran})"
        rows.append(row(label, seconds, budgets.EDITED))
    if builds.watch:
        rows += preview.watch_rows(builds.watch, builds.watched)
    return rows


def make_test_rows(test: dict[str, list[float]]) -> list[str]:
    """`make test`'s rows: the whole, then each phase."""
    return [
        row("`make test` (builds the book cold too)", test["total"], budgets.MAKE_TEST),
        row("- lint", test["lint"]),
        row("- then side by side, until the last ends", test[SIDE_BY_SIDE]),
        *(row(f"&nbsp;&nbsp;- {t}, done after", test[t]) for t in TARGETS.values()),
        row("- set-up checks before lint", test["other"]),
    ]


def lesson_table(builds: Builds) -> list[str]:
    """A table of its own: each lesson's kernel start, execution and memory."""
    rows = [
        "| lesson (cold build, 2 at a time) | kernel start | execution "
        "| of which imports | peak memory |",
        "| --- | --- | --- | --- | --- |",
    ]
    for lesson, runs in sorted(builds.lessons.items()):
        start = [r.kernel_start for r in runs]
        cells = [r.execution for r in runs]
        imports = [r.imports for r in runs]
        peak = [r.peak_mb for r in runs]
        rows.append(
            f"| {lesson} | {med(start)} | {med(cells)} | {med(imports)} | "
            f"{med(peak, 'MB', 0)} |"
        )
    return rows
