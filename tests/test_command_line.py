"""`python -m coursegen`'s steps: what they run, what they say, how they refuse.

What the steps do is tested with their modules (test_cache_key, test_editions,
test_execute_lessons...); here, their command lines: a public `book` builds
strictly, `cache-key` says when the cache was emptied, and every bad argument is
refused with a message that names it.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from coursegen import __main__ as cli
from coursegen import cache_key, editions, execute, expected, warm
from coursegen.course import CACHE, ROOT, toc_lessons


class FakeWarmBuild:
    """warm.WarmBuild that records when it was started, told to build or ended."""

    def __init__(self, steps: list[object], builds: bool) -> None:
        self.steps, self.builds = steps, builds

    def __call__(self, root: Path, arguments: list[str]) -> FakeWarmBuild:
        self.steps.append(("started", root, arguments))
        return self

    def build(self) -> bool:
        self.steps.append("build")
        return self.builds

    def cancel(self) -> None:
        self.steps.append("cancel")


def _book_steps(monkeypatch, lessons_status: int, builds: bool) -> list[object]:
    steps: list[object] = []
    monkeypatch.setattr(cache_key, "main", lambda argv: steps.append("key") or 0)

    def run(lessons: list[Path], destination: execute.Cache, jobs: int) -> int:
        steps.append((lessons, destination.folder, jobs))
        return lessons_status

    monkeypatch.setattr(execute, "run", run)
    monkeypatch.setattr(warm, "WarmBuild", FakeWarmBuild(steps, builds))
    return steps


def test_a_public_book_sets_up_jupyter_book_strictly_while_the_lessons_execute(
    monkeypatch, capsys
):
    steps = _book_steps(monkeypatch, lessons_status=0, builds=True)
    assert cli.main(["book", "--jobs", "3"]) == 0
    started, root, arguments = steps[1]
    assert steps[0] == "key"  # the cache emptied if stale, before Sphinx looks
    assert (started, root) == ("started", ROOT)
    assert steps[2:] == [(toc_lessons(), CACHE, 3), "build"]  # every lesson, cached
    assert arguments == editions.jupyter_book(ROOT)[1:]
    assert arguments[:2] == ["build", str(ROOT)]
    assert {"-W", "-n", "--keep-going"} <= set(arguments)  # every warning fails it
    assert f"open file://{ROOT}/_build/html/index.html" in capsys.readouterr().out


def test_a_failed_lesson_ends_the_waiting_build_without_building(monkeypatch, capsys):
    steps = _book_steps(monkeypatch, lessons_status=1, builds=True)
    assert cli.main(["book"]) == 1
    assert steps[-1] == "cancel"
    assert "build" not in steps
    assert "The course is built" not in capsys.readouterr().out


def test_a_failed_public_build_says_nothing_is_built(monkeypatch, capsys):
    steps = _book_steps(monkeypatch, lessons_status=0, builds=False)
    assert cli.main(["book"]) == 1
    assert steps[-1] == "build"
    assert "The course is built" not in capsys.readouterr().out


def test_a_book_with_outputs_from_a_missing_folder_is_refused_naming_it(
    tmp_path, capsys
):
    missing = tmp_path / "nowhere"
    error = _refused(cli.main, ["book", "--outputs-from", str(missing)], capsys)
    assert f"--outputs-from: expected a folder of notebooks, got {missing}" in error


# --- cache-key ------------------------------------------------------------------
def test_the_cache_key_step_needs_exactly_one_folder(capsys):
    assert cache_key.main([]) == 2
    assert (
        "usage: python -m coursegen cache-key CACHE_FOLDER" in capsys.readouterr().err
    )


def test_the_cache_key_step_says_when_it_empties_a_cache_built_before(tmp_path, capsys):
    cache = tmp_path / ".jupyter_cache"
    stamp = tmp_path / ".jupyter_cache.key"
    assert cache_key.main([str(cache)]) == 0  # a first build: nothing to say
    assert capsys.readouterr().out == ""
    assert stamp.read_text().strip() == cache_key.code_key()
    (cache / "executed").mkdir(parents=True)
    stamp.write_text("a key of other code\n")
    assert cache_key.main([str(cache)]) == 0
    assert "every lesson runs again" in capsys.readouterr().out
    assert not cache.exists()
    assert cache_key.main([str(cache)]) == 0  # the same code again: kept, silent
    assert capsys.readouterr().out == ""


# --- edition ----------------------------------------------------------------------
def _refused(main, argv: list[str], capsys) -> str:
    with pytest.raises(SystemExit) as stopped:
        main(argv)
    assert stopped.value.code == 2
    return capsys.readouterr().err


def test_the_edition_step_refuses_bad_arguments_naming_them(tmp_path, capsys):
    assert "argument --jobs: expected a whole number >= 1, got '0'" in _refused(
        editions.main, ["--edition", "student", "--jobs", "0"], capsys
    )
    assert "argument --edition: invalid choice: 'public'" in _refused(
        editions.main, ["--edition", "public"], capsys
    )
    missing = tmp_path / "no-class.yml"
    assert f"class file {missing} does not exist" in _refused(
        editions.main, ["--class", str(missing)], capsys
    )
    assert "one of the arguments --edition --class --site is required" in _refused(
        editions.main, [], capsys
    )


def test_the_edition_step_builds_a_class_from_its_resolved_path(
    monkeypatch, tmp_path, capsys
):
    built: list[tuple] = []

    def build_class(path: Path, jobs: int) -> Path:
        built.append((path, jobs))
        return tmp_path / "html"

    monkeypatch.setattr(editions, "build_class", build_class)
    monkeypatch.chdir(tmp_path)
    assert editions.main(["--class", "classes/two.yml", "--jobs", "2"]) == 0
    assert built == [(tmp_path / "classes" / "two.yml", 2)]
    assert f"Built: open file://{tmp_path / 'html' / 'index.html'}" in (
        capsys.readouterr().out
    )


def test_a_failed_edition_build_is_reported_with_its_exit_status(monkeypatch, capsys):
    def build_edition(edition: str) -> Path:
        raise subprocess.CalledProcessError(3, ["jupyter-book"])

    monkeypatch.setattr(editions, "build_edition", build_edition)
    assert editions.main(["--edition", "teacher"]) == 1
    assert "the edition build failed (exit 3)" in capsys.readouterr().err


# --- expected --------------------------------------------------------------
def test_the_expected_step_refuses_an_unknown_lesson_listing_the_valid_ones(capsys):
    error = _refused(expected.main, ["derivative", "no-such-lesson"], capsys)
    assert "unknown lesson(s) ['no-such-lesson']; valid names: [" in error
    assert "'derivative'" in error


def test_the_expected_step_runs_the_lessons_named_or_all_in_book_order(monkeypatch):
    asked: list[tuple] = []

    def run(lessons: list[Path], destination: object, jobs: int) -> int:
        asked.append((lessons, type(destination), jobs))
        return 0

    monkeypatch.setattr(execute, "run", run)
    assert expected.main(["derivative", "--jobs", "1"]) == 0
    assert expected.main([]) == 0
    assert asked == [
        ([ROOT / "lessons" / "derivative.md"], expected.ExpectedOutputs, 1),
        (toc_lessons(), expected.ExpectedOutputs, execute.CORES),
    ]
