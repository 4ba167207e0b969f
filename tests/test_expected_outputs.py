"""Every lesson has an expected-output notebook generated from its current code.

nbval re-runs the code stored in tests/expected/*.ipynb, not the lesson's: these
tests make sure the two are the same code, so an edited lesson cannot pass on
stale expectations.
"""

from __future__ import annotations

from pathlib import Path

import jupytext
import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("*.md"))
EXPECTED = sorted((ROOT / "tests" / "expected").glob("*.ipynb"))
REFRESH = "make expected LESSONS={name}"


def code_cells(nb: nbformat.NotebookNode) -> list[tuple[str, list[str]]]:
    """What decides a notebook's outputs: each code cell's source and tags."""
    return [
        (cell.source, sorted(cell.metadata.get("tags", [])))
        for cell in nb.cells
        if cell.cell_type == "code"
    ]


def test_there_are_lessons_to_check():
    assert LESSONS, "no lessons found in lessons/"


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_lesson_has_an_expected_output_notebook(lesson):
    expected = ROOT / "tests" / "expected" / f"{lesson.stem}.ipynb"
    assert expected.exists(), (
        f"lessons/{lesson.name} has no expected output; run: "
        + REFRESH.format(name=lesson.stem)
    )


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_expected_output_was_generated_from_the_current_lesson(lesson):
    expected = ROOT / "tests" / "expected" / f"{lesson.stem}.ipynb"
    if not expected.exists():
        pytest.skip("no expected output (reported by the test above)")
    current = code_cells(jupytext.read(lesson))
    stored = code_cells(nbformat.read(expected, as_version=4))
    changed = [
        number
        for number, (now, then) in enumerate(zip(current, stored, strict=False))
        if now != then
    ]
    assert current == stored, (
        f"lessons/{lesson.name} changed after its expected output was generated "
        f"(code cells {changed or 'added or removed'}); if the change is meant, "
        "run: " + REFRESH.format(name=lesson.stem)
    )


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.stem)
def test_expected_output_belongs_to_an_existing_lesson(expected):
    assert (ROOT / "lessons" / f"{expected.stem}.md").exists(), (
        f"tests/expected/{expected.name} has no lesson; delete it"
    )


@pytest.mark.parametrize("expected", EXPECTED, ids=lambda p: p.stem)
def test_expected_output_has_every_code_cell_executed(expected):
    nb = nbformat.read(expected, as_version=4)
    unexecuted = [
        number
        for number, cell in enumerate(nb.cells)
        if cell.cell_type == "code"
        and cell.execution_count is None
        # Interactive cells (sliders) only make sense with a live kernel.
        and "skip-execution" not in cell.metadata.get("tags", [])
    ]
    assert not unexecuted, f"cells {unexecuted} of {expected.name} never ran"


def _run_nbval_on(notebook: nbformat.NotebookNode, tmp_path: Path) -> str:
    """Run this suite's nbval set-up on a notebook; return pytest's output."""
    import shutil
    import subprocess
    import sys

    shutil.copy(ROOT / "tests" / "conftest.py", tmp_path / "conftest.py")
    nbformat.write(notebook, tmp_path / "lesson.ipynb")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--nbval",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            str(ROOT / "tests" / "nbval_sanitize.cfg"),
            "-p",
            "no:cacheprovider",
            "-q",
            "lesson.ipynb",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return done.stdout + done.stderr


def _first_lesson_with_figures() -> nbformat.NotebookNode:
    """The shortest lesson that draws two figures (it runs twice in these tests)."""
    notebooks = [nbformat.read(path, as_version=4) for path in EXPECTED]
    with_figures = [nb for nb in notebooks if len(_figure_outputs(nb)) >= 2]
    if not with_figures:
        pytest.skip("no lesson draws two figures")
    return min(with_figures, key=lambda nb: sum(len(c.source) for c in nb.cells))


def _figure_outputs(nb: nbformat.NotebookNode) -> list:
    return [
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if "image/png" in out.get("data", {})
    ]


def test_an_expected_figure_changed_by_hand_fails_the_figure_check(tmp_path):
    nb = _first_lesson_with_figures()
    first, second = _figure_outputs(nb)[:2]
    first.data["image/png"], second.data["image/png"] = (
        second.data["image/png"],
        first.data["image/png"],
    )
    output = _run_nbval_on(nb, tmp_path)
    assert "differs from its expected image" in output, output[-2000:]
    assert "2 failed" in output, output[-2000:]  # both swapped cells, nothing else


def test_an_expected_text_output_changed_by_hand_fails_nbval(tmp_path):
    nb = _first_lesson_with_figures()
    stream = next(
        out
        for cell in nb.cells
        if cell.cell_type == "code"
        for out in cell.outputs
        if out.output_type == "stream"
    )
    stream.text = stream.text.replace("0", "1", 1) + "edited by hand\n"
    output = _run_nbval_on(nb, tmp_path)
    assert "1 failed" in output, output[-2000:]  # the edited cell, nothing else
    assert "edited by hand" in output  # nbval shows the stored output it expected
