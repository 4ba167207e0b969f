"""coursegen/execute.py's with_outputs_of: a lesson takes the outputs of an executed
notebook only when its code is exactly the notebook's (no kernel runs here).
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from myst_nb.core.read import myst_nb_reader_plugin

from coursegen import execute
from tests import small_course

LESSON = (
    small_course.HEAD
    + """\
# {name}

```{{code-cell}} ipython3
print(6 * 7)
```
"""
)


@pytest.fixture
def lesson(tmp_path: Path) -> Path:
    path = tmp_path / "lessons" / "answer.md"
    path.parent.mkdir()
    path.write_text(LESSON.format(name="answer"))
    return path


def _executed(lesson: Path, folder: Path, code: str | None = None) -> Path:
    """An executed notebook of the lesson, as tests/expected holds them."""
    nb = myst_nb_reader_plugin(str(lesson))
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.source = code or cell.source
            cell.outputs = [
                nbformat.v4.new_output("stream", name="stdout", text="42\n")
            ]
            cell.execution_count = 1
    nb.metadata["language_info"] = {"name": "python", "version": "3.x"}
    folder.mkdir(exist_ok=True)
    nbformat.write(nb, folder / f"{lesson.stem}.ipynb")
    return folder / f"{lesson.stem}.ipynb"


def test_a_notebook_with_the_same_code_gives_its_outputs(lesson, tmp_path):
    done = _executed(lesson, tmp_path / "expected")
    nb = execute.with_outputs_of(myst_nb_reader_plugin(str(lesson)), done)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert [o.text for o in code[0].outputs] == ["42\n"]
    assert code[0].execution_count == 1
    assert nb.metadata["language_info"]["name"] == "python"  # as executing sets it


def test_no_outputs_are_taken_from_other_code_or_a_missing_notebook(lesson, tmp_path):
    nb = myst_nb_reader_plugin(str(lesson))
    other = _executed(lesson, tmp_path / "expected", code="print(41 + 1)")
    assert execute.with_outputs_of(nb, other) is None
    assert execute.with_outputs_of(nb, tmp_path / "nowhere" / "answer.ipynb") is None
