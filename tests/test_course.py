"""coursegen/course.py and the command line: one owner for each fact of the course."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from coursegen import __main__ as cli
from coursegen import course, execute, expected, kernels

ROOT = Path(__file__).resolve().parents[1]


def test_the_lessons_come_from_the_table_of_contents_in_book_order():
    lessons = course.toc_lessons()
    toc = (ROOT / "_toc.yml").read_text()
    positions = [toc.index(f"lessons/{path.stem}") for path in lessons]
    assert positions == sorted(positions)
    assert {p.name for p in lessons} == {
        p.name for p in (ROOT / "lessons").glob("*.md")
    }


def test_the_execution_environment_is_read_from_its_file(tmp_path):
    (tmp_path / "tools").mkdir()
    (tmp_path / course.EXECUTION_ENV).write_text("# why\nOMP_NUM_THREADS=1\n\nA=b=c\n")
    assert course.execution_env(tmp_path) == {"OMP_NUM_THREADS": "1", "A": "b=c"}


def test_both_destinations_execute_with_one_client_set_from_config_yml(monkeypatch):
    stated = yaml.safe_load((ROOT / "_config.yml").read_text())["execute"]["timeout"]
    assert course.cell_timeout() == stated
    lesson = ROOT / "lessons" / "what-is-relu.md"
    client = execute.notebook_client(nbformat.v4.new_notebook(), lesson)
    assert client.timeout == stated
    assert client.kernel_manager_class is kernels.CourseKernelManager
    assert client.resources["metadata"]["path"] == str(lesson.parent)
    assert client.record_timing is False  # timings would change cache and expected
    # make expected executes through the same executor as the book's cache
    used = []

    def fake_execute(path):
        used.append(path)
        return nbformat.v4.new_notebook(), execute.Run(path.stem, 0, 0, 0, 0, "Boom")

    monkeypatch.setattr(execute, "execute", fake_execute)
    with pytest.raises(expected.LessonFailed, match=r"what-is-relu\.md failed:\nBoom"):
        expected.generate(lesson)
    assert used == [lesson]


def test_an_unknown_command_is_an_error_that_lists_the_commands(capsys):
    assert cli.main(["bok"]) == 2
    error = capsys.readouterr().err
    assert "unknown command 'bok'" in error
    assert "book, expected, site, lesson" in error


def test_the_command_line_runs_as_a_module_and_says_how_to_use_it():
    done = subprocess.run(
        [sys.executable, "-m", "coursegen", "--help"],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0
    assert "python -m coursegen book" in done.stdout


def test_cores_are_the_affinity_on_linux_and_the_cpu_count_elsewhere(monkeypatch):
    import os

    if hasattr(os, "sched_getaffinity"):
        assert course.cores() == len(os.sched_getaffinity(0))
        monkeypatch.delattr(os, "sched_getaffinity")  # as on macOS
    monkeypatch.setattr(os, "cpu_count", lambda: 7)
    assert course.cores() == 7
    monkeypatch.setattr(os, "cpu_count", lambda: None)  # unknown: one at a time
    assert course.cores() == 1
