"""coursegen/execute.py: one executor, lessons side by side, into either destination."""

from __future__ import annotations

import json
from pathlib import Path

import nbformat
import pytest
from jupyter_cache import get_cache
from myst_nb.core.read import myst_nb_reader_plugin

from coursegen import course, expected, forkserver
from coursegen import execute as execute_lessons
from coursegen.execute import Cache
from tests import small_course

ROOT = Path(__file__).resolve().parents[1]


FRONT = (
    small_course.HEAD
    + """\
# {title}

```{{code-cell}} ipython3
{code}
```
"""
)


def _lesson(folder: Path, name: str, code: str) -> Path:
    path = folder / f"{name}.md"
    path.write_text(FRONT.format(title=name, code=code))
    return path


@pytest.fixture
def lessons(tmp_path: Path) -> list[Path]:
    folder = tmp_path / "lessons"
    folder.mkdir()
    return [
        _lesson(folder, "one", "import math\nprint(math.sqrt(16))"),
        _lesson(folder, "two", "print(sum(range(5)))"),
    ]


def _outputs(cache_dir: Path, path: Path) -> str:
    """The cached stdout of a lesson, looked up the way myst-nb looks it up."""
    cache = get_cache(str(cache_dir))
    record = cache.match_cache_notebook(myst_nb_reader_plugin(str(path)))
    nb = cache.get_cache_bundle(record.pk).nb
    return "".join(o.get("text", "") for c in nb.cells for o in c.get("outputs", []))


def test_lessons_run_side_by_side_into_the_cache_under_myst_nbs_key(
    lessons, tmp_path, capsys
):
    cache = tmp_path / "_build" / ".jupyter_cache"
    assert execute_lessons.run(lessons, Cache(cache), jobs=2) == 0
    assert _outputs(cache, lessons[0]) == "4.0\n"
    assert _outputs(cache, lessons[1]) == "10\n"
    out = capsys.readouterr().out
    assert "2 of 2 to run, 2 at a time" in out
    assert "one.md: kernel" in out
    assert "two.md: kernel" in out


def test_the_report_says_where_each_lessons_time_went(lessons, tmp_path):
    cache = tmp_path / ".jupyter_cache"
    assert execute_lessons.run(lessons, Cache(cache), jobs=1) == 0
    report = json.loads((tmp_path / ".jupyter_cache.runs.json").read_text())
    assert report["jobs"] == 1
    assert set(report["lessons"]) == {"one", "two"}
    one = report["lessons"]["one"]
    assert one["error"] is None
    assert 0 < one["kernel_start"] < 60
    assert one["imports"] > 0  # "one" imports math in its only cell
    assert report["lessons"]["two"]["imports"] == 0  # "two" imports nothing
    assert one["peak_mb"] > 10  # a Python kernel's resident memory


def test_a_cached_lesson_is_not_executed_again(lessons, tmp_path, capsys, monkeypatch):
    cache = tmp_path / ".jupyter_cache"
    prestarted = []
    prestart = forkserver.prestart
    monkeypatch.setattr(
        forkserver, "prestart", lambda: prestarted.append(1) or prestart()
    )
    with forkserver.serving() as folder:  # run's own block is this one
        execute_lessons.run(lessons, Cache(cache), jobs=2)
        servers = list(folder.glob("*.sock"))
    assert prestarted == [1]  # prestarted once, for both lessons, ...
    assert len(servers) == 1  # ... and the workers' kernels used that server
    capsys.readouterr()
    assert execute_lessons.run(lessons, Cache(cache), jobs=2) == 0
    assert capsys.readouterr().out == "execute lessons: all 2 in the cache\n"
    assert prestarted == [1]  # none when nothing runs


def test_the_kernels_server_imports_what_the_lessons_import_and_no_more(tmp_path):
    # Before its own import, a forked kernel has what its server imported.
    seen = 'import sys\nprint([m for m in ("numpy", "torch") if m in sys.modules])'
    lessons = [
        _lesson(tmp_path, "one", seen),
        _lesson(tmp_path, "two", "import numpy as np\nprint(np.zeros(1).size)"),
    ]
    cache = tmp_path / ".jupyter_cache"
    assert execute_lessons.run(lessons, Cache(cache), jobs=1) == 0
    assert _outputs(cache, lessons[0]) == "['numpy']\n"  # "two" imports it; none torch
    assert execute_lessons.imported(lessons) == {"sys", "numpy"}


def test_only_the_edited_lesson_runs_again(lessons, tmp_path, capsys):
    cache = tmp_path / ".jupyter_cache"
    execute_lessons.run(lessons, Cache(cache), jobs=2)
    capsys.readouterr()
    lessons[1].write_text(lessons[1].read_text().replace("range(5)", "range(6)"))
    assert execute_lessons.run(lessons, Cache(cache), jobs=2) == 0
    out = capsys.readouterr().out
    assert "1 of 2 to run" in out
    assert "two.md: kernel" in out
    assert "one.md" not in out
    assert _outputs(cache, lessons[1]) == "15\n"


def test_a_failing_lesson_fails_the_run_with_its_name_and_the_others_are_cached(
    lessons, tmp_path, capsys
):
    bad = _lesson(lessons[0].parent, "broken", "1 / 0")
    cache = tmp_path / ".jupyter_cache"
    assert execute_lessons.run([*lessons, bad], Cache(cache), jobs=2) == 1
    err = capsys.readouterr().err
    assert f"FAILED lesson {bad}" in err
    assert "ZeroDivisionError" in err
    assert "failed: broken.md" in err
    assert _outputs(cache, lessons[0]) == "4.0\n"
    with pytest.raises(KeyError):
        _outputs(cache, bad)


def test_the_toc_lessons_are_the_books_lessons_in_order():
    names = [p.stem for p in course.toc_lessons()]
    assert len(names) == len(set(names)) == len(list((ROOT / "lessons").glob("*.md")))
    assert names[0] == "why-activation"


@pytest.mark.parametrize("jobs", ["0", "-2", "two"])
def test_jobs_below_one_or_not_a_number_is_refused_naming_the_option(jobs, capsys):
    with pytest.raises(SystemExit):
        execute_lessons.main(["_build/.jupyter_cache", "--jobs", jobs])
    assert f"--jobs: expected a whole number >= 1, got {jobs!r}" in (
        capsys.readouterr().err
    )


def test_a_missing_lesson_is_refused_with_its_path(capsys, tmp_path):
    with pytest.raises(SystemExit):
        execute_lessons.main([str(tmp_path / "cache"), str(tmp_path / "nope.md")])
    assert f"no such lesson: {tmp_path / 'nope.md'}" in capsys.readouterr().err


def _executed_copy(path: Path, folder: Path, stdout: str) -> None:
    """An executed notebook of the lesson at path, as tests/expected holds them."""
    import nbformat

    nb = myst_nb_reader_plugin(str(path))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text=stdout)
            ]
            cell.execution_count = 1
    folder.mkdir(exist_ok=True)
    nbformat.write(nb, folder / f"{path.stem}.ipynb")


def test_the_cache_takes_the_outputs_of_executed_notebooks_with_the_same_code(
    lessons, tmp_path
):
    folder = tmp_path / "expected"
    _executed_copy(lessons[0], folder, "outputs from the expected notebook\n")
    lessons[1].write_text(lessons[1].read_text().replace("range(5)", "range(6)"))
    _executed_copy(lessons[1], folder, "stale\n")
    lessons[1].write_text(lessons[1].read_text().replace("range(6)", "range(5)"))
    cache = tmp_path / ".jupyter_cache"
    assert Cache(cache).take_outputs(lessons, folder) == [lessons[1]]  # ran nothing
    assert _outputs(cache, lessons[0]) == "outputs from the expected notebook\n"
    with pytest.raises(KeyError):  # "two", whose code differs, is left out
        _outputs(cache, lessons[1])


def test_expected_outputs_are_written_with_stable_ids_and_no_reader_metadata(
    lessons, tmp_path, capsys
):
    (tmp_path / "tests").mkdir()
    assert execute_lessons.run(lessons, expected.ExpectedOutputs(), jobs=2) == 0
    written = tmp_path / "tests" / "expected" / "one.ipynb"
    assert "tests/expected/one.ipynb (" in capsys.readouterr().out
    nb = nbformat.read(written, as_version=4)
    assert [cell.id for cell in nb.cells] == [f"cell-{n}" for n in range(len(nb.cells))]
    assert set(nb.metadata) == {"kernelspec", "language_info", "relu_course"}
    assert nb.metadata["relu_course"] == {"generated_from": "lessons/one.md"}
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code[0].outputs[0]["text"] == "4.0\n"
    assert "execution" not in code[0].metadata  # no timestamps: no diffs between runs
    assert execute_lessons.code_of(nb) == execute_lessons.code_of(
        execute_lessons.read_lesson(lessons[0])
    )


def test_prints_to_one_stream_are_kept_as_one_output_however_they_arrived():
    out = nbformat.v4.new_output
    pieces = [
        out("stream", name="stdout", text="a\n"),
        out("stream", name="stdout", text="b\n"),
        out("stream", name="stderr", text="warning\n"),
        out("stream", name="stdout", text="c\n"),
        out("execute_result", data={"text/plain": "1"}, execution_count=1),
        out("stream", name="stdout", text="d\n"),
    ]
    merged = expected.merged_streams(pieces)
    assert [(o.output_type, o.get("name"), o.get("text")) for o in merged] == [
        ("stream", "stdout", "a\nb\n"),
        ("stream", "stderr", "warning\n"),
        ("stream", "stdout", "c\n"),
        ("execute_result", None, None),
        ("stream", "stdout", "d\n"),
    ]
