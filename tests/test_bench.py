"""coursegen/bench/ (`make bench`): its copies, timings, phases and table.

The real bench runs `make book` and `make test` for about 15 minutes; here the
commands are replaced where they would run (a fake `make book` that executes
the lessons whose text changed, as the execution cache does), and every
decision around them runs for real: which lessons are edited, which ran again,
how the phases of `make test` are timed from the lines it prints, the table.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from coursegen.bench import builds, imports, preview, races, report, rows
from coursegen.execute import Run

ROOT = Path(__file__).resolve().parents[1]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A small git checkout as the bench's repository, with every kind of file."""
    if shutil.which("git") is None:
        pytest.skip("needs git")
    root = tmp_path / "repo"
    (root / "sub" / "deep").mkdir(parents=True)
    _git(root, "init", "-q")
    (root / ".gitignore").write_text("*.log\n.venv/\n")
    (root / "kept.txt").write_text("tracked")
    (root / "sub" / "deep" / "file.md").write_text("deep")
    (root / "gone.txt").write_text("deleted, not yet committed")
    _git(root, "add", ".")
    _git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "one")
    (root / "gone.txt").unlink()
    (root / "new.txt").write_text("untracked, not ignored")
    (root / "build.log").write_text("ignored")
    (root / ".venv").mkdir()
    (root / ".venv" / "python").write_text("the environment")
    monkeypatch.setattr(builds, "ROOT", root)
    return root


def test_a_fresh_copy_holds_what_git_would_commit_with_the_set_up_linked(
    repo, tmp_path
):
    copy = builds.fresh_copy(tmp_path / "copy")
    assert (copy / "kept.txt").read_text() == "tracked"
    assert (copy / "sub" / "deep" / "file.md").read_text() == "deep"
    assert (copy / "new.txt").read_text() == "untracked, not ignored"
    assert not (copy / "build.log").exists()  # ignored
    assert not (copy / "gone.txt").exists()  # deleted from the working tree
    assert (copy / ".venv").is_symlink()  # linked, not copied
    assert (copy / ".venv").resolve() == (repo / ".venv").resolve()
    assert not (copy / "tools").exists()  # no node tools to link here


def test_a_command_is_timed_with_the_moment_each_phase_began(tmp_path):
    program = "print('== lint: x'); print('output'); print('== side by side: y')"
    done = builds.run([sys.executable, "-c", program], tmp_path)
    assert done.output.splitlines() == ["== lint: x", "output", "== side by side: y"]
    assert list(done.marks) == ["lint: x", "side by side: y"]
    assert 0 <= done.marks["lint: x"] <= done.marks["side by side: y"] <= done.seconds


def test_a_failing_command_stops_the_bench_showing_its_last_60_lines(tmp_path, capsys):
    program = "import sys; print(*(f'line {i}' for i in range(100)), sep='\\n'); "
    program += "sys.exit(3)"
    with pytest.raises(SystemExit) as stopped:
        builds.run([sys.executable, "-c", program], tmp_path)
    assert "failed in" in str(stopped.value)
    assert str(tmp_path) in str(stopped.value)
    shown = capsys.readouterr().out.splitlines()
    assert shown == [f"line {i}" for i in range(40, 100)]


def _runs_report(folder: Path, costs: dict[str, float]) -> None:
    """The report coursegen/execute.py writes beside the cache, for these lessons."""
    lessons = {
        name: asdict(Run(name, 0.5, imports=0.25, other_cells=cost, peak_mb=100.0))
        for name, cost in costs.items()
    }
    report = folder / "_build" / ".jupyter_cache.runs.json"
    report.parent.mkdir(parents=True, exist_ok=True)
    report.write_text(json.dumps({"jobs": 2, "wall": 1.0, "lessons": lessons}))


def test_the_lesson_report_is_read_as_the_executor_wrote_it(tmp_path):
    _runs_report(tmp_path, {"alpha": 2.0, "beta": 1.0})
    report = builds.lesson_report(tmp_path)
    assert sorted(report) == ["alpha", "beta"]
    assert report["alpha"].execution == 2.25  # imports and the other cells
    assert report["beta"].kernel_start == 0.5


def test_only_the_lessons_the_executor_says_it_ran_count_as_executed():
    output = (
        "execute lessons: 2 of 3 to run, 2 at a time\n"
        "  alpha.md: kernel 0.9 s, imports 1.2 s, rest 3.0 s, peak 250 MB\n"
        "  beta.md: the outputs of tests/expected/beta.ipynb\n"
        "  gamma-2.md: kernel 1.0 s, imports 1.1 s, rest 0.5 s, peak 240 MB\n"
    )
    assert builds.executed(output) == ["alpha", "gamma-2"]


COSTS = {"alpha": 1.0, "beta": 5.0, "gamma": 3.0}  # seconds in each lesson's cells


class FakeMakeBook:
    """`make book` in a copy, as the execution cache sees it: the lessons whose
    text changed since the last build of that copy run, and are reported."""

    def __init__(self) -> None:
        self.seen: dict[tuple[str, str], str] = {}

    def __call__(self, command: list[str], cwd: Path) -> builds.Ran:
        assert command == ["make", "book"]
        ran = []
        for path in sorted((cwd / "lessons").glob("*.md")):
            text = path.read_text()
            if self.seen.get((cwd.name, path.stem)) != text:
                self.seen[cwd.name, path.stem] = text
                ran.append(path.stem)
        _runs_report(cwd, COSTS)
        output = "".join(f"  {name}.md: kernel 0.5 s, imports\n" for name in ran)
        return builds.Ran(1.0 + len(ran), output, {})


def _copy_with_lessons(dest: Path) -> Path:
    (dest / "lessons").mkdir(parents=True)
    for name in COSTS:
        (dest / "lessons" / f"{name}.md").write_text(f"# {name}\n")
    return dest


def _fake_watch(copy: Path, lesson: str, times: dict[str, list[float]]) -> None:
    """`make watch` timed in copy: a save of each kind, 3 s and 9 s to the reload."""
    assert (copy / "lessons" / f"{lesson}.md").is_file()
    times.setdefault("prose", []).append(3.0)
    times.setdefault("code", []).append(9.0)


@pytest.fixture
def make_book(monkeypatch: pytest.MonkeyPatch) -> FakeMakeBook:
    fake = FakeMakeBook()
    monkeypatch.setattr(builds, "run", fake)
    monkeypatch.setattr(builds, "fresh_copy", _copy_with_lessons)
    monkeypatch.setattr(preview, "save_to_reload", _fake_watch)
    return fake


def test_builds_edit_the_median_and_the_slowest_lesson_and_see_only_it_run(
    make_book, tmp_path
):
    result = builds.bench_builds(2, None, tmp_path)
    assert result.cold == [4.0, 4.0]  # three lessons ran
    assert result.warm == [1.0, 1.0]  # none ran
    assert list(result.edited) == ["gamma", "beta"]  # median cost, then slowest
    assert result.edited["gamma"] == [2.0, 2.0]
    assert result.ran == {"gamma": {"gamma"}, "beta": {"beta"}}
    assert [r.execution for r in result.lessons["beta"]] == [5.25, 5.25]
    # make watch, timed in each run's copy, on the first lesson edited
    assert result.watched == "gamma"
    assert result.watch == {"prose": [3.0, 3.0], "code": [9.0, 9.0]}
    edited = make_book.seen["build-1", "beta"]
    assert edited.endswith(
        "```{code-cell} ipython3\n# edited by make bench, run 1\n```\n"
    )
    assert list(tmp_path.iterdir()) == []  # every copy removed


def test_builds_edit_the_lessons_asked_for(make_book, tmp_path):
    result = builds.bench_builds(1, ["alpha"], tmp_path)
    assert list(result.edited) == ["alpha"]
    assert result.ran == {"alpha": {"alpha"}}


def _phases() -> list[str]:
    """The "== " lines `make test` prints, in the Makefile's order."""
    return re.findall(r'@echo "== (.+)"', (ROOT / "Makefile").read_text())


def test_make_test_is_timed_by_the_phases_the_makefile_announces(monkeypatch, tmp_path):
    phases = _phases()
    at = {name: 10.0 * (k + 1) for k, name in enumerate(phases)}  # 10, 20, ...
    monkeypatch.setattr(builds, "fresh_copy", lambda dest: dest.mkdir() or dest)
    monkeypatch.setattr(builds, "run", lambda command, cwd: builds.Ran(100.0, "", at))
    times = builds.bench_test(1, tmp_path)
    keys = ("lint", "side by side", "type check", "unit tests", "lessons")
    began = {key: next(at[p] for p in phases if p.startswith(key)) for key in keys}
    # the browser's last line: make prints its first at once (a recursive make)
    browser = [p for p in phases if p.startswith(("the book", "the built site"))]
    assert len(browser) == 2
    side = began["side by side"]
    assert times == {
        "total": [100.0],
        "lint": [side - began["lint"]],
        "side by side": [100.0 - side],
        "type check (mypy)": [began["type check"] - side],
        "unit tests and doctests": [began["unit tests"] - side],
        "lessons, under each kernel set": [began["lessons"] - side],
        "book and browser tests": [at[browser[-1]] - side],
        "other": [began["lint"]],
    }


def test_each_import_is_timed_in_fresh_interpreters_with_the_heavy_modules_it_loads(
    monkeypatch,
):
    # Light stand-ins for numpy, torch and matplotlib, and for the course's imports
    monkeypatch.setattr(imports, "HEAVY", ("wave", "mailbox"))
    timed = {"alone": ("", "import wave"), "after": ("import mailbox", "pass")}
    monkeypatch.setattr(imports, "IMPORTS", timed)
    results = imports.bench_imports(runs=1)
    assert results["alone"].loaded == "wave"
    assert results["after"].loaded == "mailbox"  # loaded before the timed code
    for imported in results.values():
        assert len(imported.seconds) == 5  # at least 5 runs: they are cheap
        assert all(0 < seconds < 30 for seconds in imported.seconds)


@pytest.mark.parametrize(("warm", "untimed"), [(True, 1), (False, 0)])
def test_ways_take_turns_after_one_untimed_run_each_when_warm(warm, untimed):
    calls: list[str] = []
    ways = {name: (lambda n=name: calls.append(n)) for name in ("a", "b")}
    times = races.alternate(3, ways, warm=warm)
    assert calls == ["a", "b"] * (3 + untimed)
    assert {name: len(t) for name, t in times.items()} == {"a": 3, "b": 3}


def test_a_median_is_shown_with_its_range_unless_there_is_one_value():
    assert rows.med([3.0, 1.0, 2.0]) == "2.0 s (1.0-3.0)"
    assert rows.med([1.234], "ms", 0) == "1 ms"
    assert rows.verdict(4.0, 5.0) == "met"
    assert rows.verdict(5.0, 5.0) == "met"  # a limit reached is met
    assert rows.verdict(6.0, 5.0) == "**missed**"
    assert rows.verdict(6.0, 5.0, at_least=True) == "met"
    assert rows.row("a build", [2.0, 4.0, 9.0], 5) == (
        "| a build | 4.0 s (2.0-9.0) | <= 5 s | met |"
    )
    assert rows.row("a phase", [2.0]) == "| a phase | 2.0 s |  |  |"


IMPORTED = {
    "`import relu_course` in a fresh interpreter": imports.Imported(
        [0.01, 0.02, 0.03], "numpy torch"
    ),
    "... after a lesson's own imports": imports.Imported([0.5, 0.6, 0.7], ""),
}
BUILDS = builds.Builds(
    cold=[50.0, 55.0, 70.0],
    warm=[2.0, 3.0, 9.0],
    edited={"alpha": [8.0, 9.0, 20.0]},
    ran={"alpha": {"alpha"}},
    watched="alpha",
    watch={"prose": [4.0, 6.0, 12.0], "code": [14.0, 16.0, 30.0]},
    lessons={
        "alpha": [
            Run("alpha", 1.0, 2.0, 3.0, 100.0),
            Run("alpha", 1.5, 2.0, 4.0, 120.0),
        ]
    },
)
TEST = {
    "total": [200.0, 250.0],
    "lint": [5.0, 6.0],
    "side by side": [180.0, 230.0],
    "type check (mypy)": [20.0, 25.0],
    "unit tests and doctests": [100.0, 110.0],
    "lessons, under each kernel set": [170.0, 220.0],
    "book and browser tests": [150.0, 160.0],
    "other": [1.0, 1.0],
}
RACES = {
    "animation": {"course": [1.0, 1.0], "mldawn": [4.0, 5.0]},
    "dying": {"looped": [10.0, 10.0], "batched": [2.0, 1.0]},
}
KERNELS = {
    "a lesson kernel, started fresh, until its imports cell is done": [2.5, 3.0],
    "... forked from the fork server (its own start not counted)": [0.3, 0.5],
}
RESULTS = report.Results(IMPORTED, KERNELS, RACES, BUILDS, TEST)


def test_the_table_has_a_row_per_measure_with_its_target_and_verdict(repo):
    text = report.table(RESULTS, runs=3)
    header, _, body = text.partition("\n\n")
    assert header.startswith("`make bench` on ")
    assert "with uncommitted changes" in header  # the repository's deleted file
    assert header.endswith("3 runs each.")
    lines = body.splitlines()
    for row in [
        "| `import relu_course` in a fresh interpreter (numpy, torch loaded) "
        "| 20 ms (10-30) | | |",
        "| ... after a lesson's own imports (none of them loaded) "
        "| 600 ms (500-700) | | |",
        "| a lesson kernel, started fresh, until its imports cell is done "
        "| 2.8 s (2.5-3.0) | | |",
        "| ... forked from the fork server (its own start not counted) "
        "| 0.4 s (0.3-0.5) | | |",
        "| cold build (fresh copy, empty cache) | 55.0 s (50.0-70.0) | <= 60 s | met |",
        "| warm build (nothing changed) | 3.0 s (2.0-9.0) | <= 5 s | met |",
        "| `alpha` edited (re-executed: alpha) | 9.0 s (8.0-20.0) | <= 10 s | met |",
        "| `make watch`: `alpha`'s prose saved, to the page's reload "
        "| 6.0 s (4.0-12.0) | <= 10 s | met |",
        "| ... its code saved (re-executed: alpha), to the page's reload "
        "| 16.0 s (14.0-30.0) | <= 10 s | **missed** |",
        "| `make test` (builds the book cold too) | 225.0 s (200.0-250.0) "
        "| <= 240 s | met |",
        "| &nbsp;&nbsp;- unit tests and doctests, done after | 105.0 s (100.0-110.0) "
        "|  |  |",
        "| training animation, 40 frames: MLDawn's way / the course's "
        "| 4.5 x (4.0-5.0) | >= 3x | met |",
        "| - mldawn | 4.50 s (4.00-5.00) | | |",
        "| dying-relu sweep, 100 trainings of 150 epochs: looped / batched "
        "| 7.5 x (5.0-10.0) | >= 10x | **missed** |",
        "| alpha | 1.2 s (1.0-1.5) | 5.5 s (5.0-6.0) | 2.0 s (2.0-2.0) "
        "| 110 MB (100-120) |",
    ]:
        assert row in lines, row
    assert "wiggly-curve survey" not in text  # not raced: no row


def test_a_table_without_builds_or_test_has_neither_their_rows_nor_lessons(repo):
    text = report.table(report.Results(IMPORTED, {}, {}), runs=1)
    assert "cold build" not in text
    assert "`make test`" not in text
    assert "| lesson (cold build" not in text
    assert "(numpy, torch loaded)" in text


def test_the_table_replaces_what_is_between_the_readme_markers(tmp_path):
    readme = tmp_path / "README.md"
    start, end = report.MARKERS
    readme.write_text(f"# Course\n\n{start}\nold table\n{end}\n\nAfter.\n")
    report.write_readme("new table\n", readme)
    report.write_readme("newer table\n", readme)
    assert readme.read_text() == f"# Course\n\n{start}\nnewer table\n{end}\n\nAfter.\n"


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--runs", "0"], "--runs must be >= 1, got 0"),
        (["--edit", "no-such-lesson"], "--edit: no lesson lessons/no-such-lesson.md"),
    ],
)
def test_bad_arguments_are_refused_naming_the_argument(argv, message, capsys):
    with pytest.raises(SystemExit) as stopped:
        report.main(argv)
    assert stopped.value.code == 2
    assert message in capsys.readouterr().err


def _measures(monkeypatch: pytest.MonkeyPatch) -> dict[str, tuple]:
    """Each measure of `make bench` replaced by one that records its arguments."""
    asked: dict[str, tuple] = {}

    def measure(name: str, result: object):
        def record(*args: object) -> object:
            asked[name] = args
            return result

        return record

    monkeypatch.setattr(imports, "bench_imports", measure("imports", IMPORTED))
    monkeypatch.setattr(imports, "bench_kernels", measure("kernels", KERNELS))
    monkeypatch.setattr(races, "bench_races", measure("races", RACES))
    monkeypatch.setattr(builds, "bench_builds", measure("builds", BUILDS))
    monkeypatch.setattr(builds, "bench_test", measure("test", TEST))
    return asked


def test_the_command_runs_each_measure_asked_for_and_prints_the_table(
    monkeypatch, capsys
):
    asked = _measures(monkeypatch)
    readme = (ROOT / "README.md").read_text()
    assert report.main(["--runs", "2", "--edit", "derivative", "--no-readme"]) == 0
    assert asked["imports"] == asked["races"] == (2,)
    assert asked["kernels"] == (5,)  # a kernel takes seconds: at least five runs
    runs, edits, work = asked["builds"]
    assert (runs, edits) == (2, ["derivative"])
    assert asked["test"] == (2, work)
    assert not work.exists()  # the copies' folder is temporary
    out = capsys.readouterr().out
    assert "| `alpha` edited (re-executed: alpha) |" in out
    assert (ROOT / "README.md").read_text() == readme  # --no-readme


def test_a_failing_make_test_stops_the_bench_after_the_table_of_the_rest(
    monkeypatch, capsys
):
    _measures(monkeypatch)
    readme = (ROOT / "README.md").read_text()

    def failing(*_: object) -> None:
        raise SystemExit("bench: `make test` failed in /tmp/copy")

    monkeypatch.setattr(builds, "bench_test", failing)
    with pytest.raises(SystemExit, match=r"`make test` failed"):
        report.main(["--runs", "1"])
    out = capsys.readouterr().out
    assert "| cold build (fresh copy, empty cache) |" in out  # measured before
    assert "| `make test` (" not in out  # no row of a run that failed
    assert (ROOT / "README.md").read_text() == readme  # not a table to keep


def test_skipped_measures_are_not_run(monkeypatch, capsys):
    asked = _measures(monkeypatch)
    argv = ["--runs", "1", "--skip-builds", "--skip-test", "--no-readme"]
    assert report.main(argv) == 0
    assert sorted(asked) == ["imports", "kernels", "races"]
    assert "cold build" not in capsys.readouterr().out


def test_the_table_says_when_the_course_is_not_a_git_checkout(monkeypatch):
    def no_checkout(*args: str) -> str:
        raise subprocess.CalledProcessError(128, ["git", *args])

    monkeypatch.setattr(builds, "git", no_checkout)
    assert "commit unknown (not a git checkout)," in report.machine(3)
