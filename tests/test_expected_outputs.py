"""Every lesson has an expected-output notebook generated from its current code.

nbval re-runs the code stored in tests/expected/*.ipynb, not the lesson's: these
tests make sure the two are the same code, so an edited lesson cannot pass on
stale expectations.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from coursegen import course
from coursegen.execute import read_lesson
from tests import conftest

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
    current = code_cells(read_lesson(lesson))
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


def _run_nbval_on(
    notebook: nbformat.NotebookNode, tmp_path: Path, *options: str
) -> str:
    """Run this suite's nbval set-up on a notebook; return pytest's output."""
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
            *options,
            "lesson.ipynb",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env=os.environ | course.execution_env(),  # as under make
    )
    return done.stdout + done.stderr


def _printing_notebook(cells: list[tuple[str, str, dict]]) -> nbformat.NotebookNode:
    """A notebook of cells `code` whose stored output is `expected`, with metadata."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    for number, (code, expected, metadata) in enumerate(cells, start=1):
        cell = nbformat.v4.new_code_cell(code, metadata=metadata)
        cell.execution_count = number
        cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text=expected)]
        nb.cells.append(cell)
    return nb


def test_numbers_are_compared_within_the_tolerance_a_cell_states(tmp_path):
    within, absolute = {"tolerance": {"rtol": 0.01}}, {"tolerance": {"atol": 0.1}}
    last_digit = {"tolerance": {"last_digit": 1}}
    machine = {"tolerance": {"machine_specific": True}}
    nb = _printing_notebook(
        [
            # within 1 %, and a different padding: passes
            ("print(f'loss {1234.5:>9.1f}, 7 dead')", "loss  1240.0, 7 dead\n", within),
            # 2 % away: fails, and nbval names the numbers
            ("print('loss 1234.5')", "loss 1260.0\n", within),
            # the same numbers with another word: fails
            ("print('loss 1234.5, 7 dead')", "loss 1234.5, 7 alive\n", within),
            # no tolerance stated: the last digit alone fails
            ("print('loss 1234.5')", "loss 1234.6\n", {}),
            # a count, with only an absolute tolerance
            ("print('mean dead 4.12')", "mean dead 4.2\n", absolute),
            ("print('mean dead 4.12')", "mean dead 4.3\n", absolute),
            # one unit of the last printed digit, whatever the number's format
            ("print(2464.5, 2.6e4, 8e3)", "2464.6 2.7e+04 7.9e+03\n", last_digit),
            ("print(2464.5)", "2464.7\n", last_digit),  # two units: fails
            ("print(5)", "4\n", {"tolerance": {"rtol": 0.1}}),  # a count moved
            # this machine's numbers: only the words are compared
            ("print('edge -5.50, 31%')", "edge -14.42, 0%\n", machine),
            ("print('edge -5.50')", "slope -14.42\n", machine),
            # a tolerance with a misspelt name is an error that says what it takes
            ("print(1.5)", "1.5\n", {"tolerance": {"rel": 0.1}}),
        ]
    )
    output = _run_nbval_on(nb, tmp_path, "-rf")
    failed = sorted(map(int, re.findall(r"FAILED \S*::Cell (\d+)", output)))
    assert failed == [1, 2, 3, 5, 7, 8, 10, 11], output[-3000:]
    assert "1234.5 against 1260" in output  # the report names what moved
    assert "4 passed" in output, output[-3000:]
    assert "'tolerance' takes rtol, atol, last_digit, figure_rms, or only" in output


def _figure_notebook(cells: list[str]) -> nbformat.NotebookNode:
    """A notebook whose cells each draw one small figure, executed by a kernel."""
    from nbclient import NotebookClient

    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    setup = "import matplotlib.pyplot as plt\n%matplotlib inline"
    nb.cells = [nbformat.v4.new_code_cell(setup)]
    nb.cells += [nbformat.v4.new_code_cell(code) for code in cells]
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    return nb


def _plot(label: str = "loss", end: float = 1.0) -> str:
    """A small figure's code: a line from 0 to end, its legend saying label."""
    return (
        "fig, ax = plt.subplots(figsize=(3, 2))\n"
        f"ax.plot([0, 1], [0, {end}], label={label!r})\n"
        "ax.legend()\nplt.show()"
    )


def test_a_changed_line_or_label_exceeds_the_figure_tolerance(tmp_path):
    # the expected notebook: the same figure, then one letter of the label
    # changed, then the line's end moved by 2 % of the axis
    checked = _figure_notebook([_plot(), _plot(label="lost"), _plot(end=0.98)])
    for cell in checked.cells[1:]:  # what nbval runs: three times the first figure
        cell.source = _plot()
    output = _run_nbval_on(checked, tmp_path, "-rf")
    failed = sorted(map(int, re.findall(r"FAILED \S*::Cell (\d+)", output)))
    assert failed == [2, 3], output[-3000:]
    assert output.count("differs from its expected image") >= 2, output[-3000:]


def test_a_cells_figure_tolerance_admits_a_sub_pixel_move_and_no_more(tmp_path):
    # expected: the line's end moved by 0.15 % (RMS 2.3 here), by 0.25 % (3.7),
    # a letter of the label changed (3.5); then a tolerance above the most allowed
    moved = [_plot(end=0.9985), _plot(end=0.9975), _plot(label="lost"), _plot()]
    checked = _figure_notebook(moved)
    stated = [{"figure_rms": 3}] * 3 + [{"figure_rms": 4}]
    for cell, tolerance in zip(checked.cells[1:], stated, strict=True):
        cell.source = _plot()
        cell.metadata["tolerance"] = tolerance
    output = _run_nbval_on(checked, tmp_path, "-rf")
    failed = sorted(map(int, re.findall(r"FAILED \S*::Cell (\d+)", output)))
    assert failed == [2, 3, 4], output[-3000:]
    assert "(tolerance RMS 3)" in output, output[-3000:]
    assert "figure_rms must be between 2.0 and 3.0 grey levels; got 4" in output


def test_nbvals_kernel_servers_import_what_the_notebooks_named_import(tmp_path):
    nb = _printing_notebook([("import numpy as np\nfrom torch import nn", "", {})])
    nbformat.write(nb, tmp_path / "one.ipynb")
    nbformat.write(
        _printing_notebook([("import math", "", {})]), tmp_path / "two.ipynb"
    )
    assert conftest._imported([str(tmp_path)]) == {"numpy", "torch", "math"}
    assert conftest._imported([f"{tmp_path / 'two.ipynb'}::Cell 0"]) == {"math"}
    assert conftest._imported(["tests/test_lessons.py"]) is None  # all, then


@pytest.mark.parametrize(
    ("kernels", "torch_capability", "numpy_features", "n_threads"),
    [("other", "DEFAULT", "[]", "2"), ("native", None, None, "1")],
)
def test_a_kernel_set_reaches_the_kernels_nbval_starts(
    tmp_path, kernels, torch_capability, numpy_features, n_threads
):
    probe = (
        "import os, numpy, torch\n"
        "from numpy._core import _multiarray_umath as m\n"
        "print(torch.backends.cpu.get_cpu_capability(), torch.get_num_threads(),"
        " sorted(f for f, on in m.__cpu_features__.items()"
        " if on and f in m.__cpu_dispatch__))"
    )
    nb = _printing_notebook([(probe, "?\n", {})])
    output = _run_nbval_on(nb, tmp_path, "--kernels", kernels)
    seen = re.search(r"[-+] (\w+) (\d+) (\[.*\])", output)
    assert seen, output[-2000:]
    capability, threads, features = seen.groups()
    assert threads == n_threads
    if torch_capability:
        assert capability == torch_capability
        assert features == numpy_features
    else:  # the machine's own kernels: what this process, unpinned, sees
        import torch

        assert capability == torch.backends.cpu.get_cpu_capability()


def test_the_execution_environment_pins_threads_only():
    """Lessons run with what is valid on every CPU: no kernel or ISA pin, which
    would make one machine agree with itself (and warn on any other)."""
    names = set(course.execution_env())
    assert names <= {"OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"}


def test_kernels_all_runs_each_notebook_once_per_kernel_set(tmp_path):
    nb = _printing_notebook([("print(1)", "1\n", {}), ("print(2)", "2\n", {})])
    output = _run_nbval_on(nb, tmp_path, "--kernels", "all", "--collect-only")
    collected = re.findall(r"lesson\.ipynb\[(\w+)\]::Cell (\d)", output)
    sets = ["native", "other"]
    assert collected == [(name, cell) for name in sets for cell in "01"], output


def test_an_unknown_kernel_set_is_an_error_that_names_the_sets(tmp_path):
    nb = _printing_notebook([("print(1)", "1\n", {})])
    output = _run_nbval_on(nb, tmp_path, "--kernels", "native,avx3")
    assert "unknown kernel sets ['avx3']" in output, output[-2000:]
    assert "'native', 'other', 'generic', 'threads2'" in output, output[-2000:]


def test_make_test_checks_the_lessons_under_every_kernel_set():
    recipe = (ROOT / "Makefile").read_text().split("\nnbval:", 1)[1].split("\n\n")[0]
    assert "$(NBVAL) --kernels $(or $(KERNELS),all)" in recipe, recipe
    assert "nbval" in (ROOT / "Makefile").read_text().split("\ntest:", 1)[1]
