"""`make lesson` in-process, on a tiny repository: what it writes, and what it undoes.

tests/test_new_lesson.py creates a lesson from the real template in a copy of
the repository, in a subprocess, and runs the lesson checks there. Here a
one-cell template executes in a real kernel: the expected output it writes
(coursegen/expected.py), and a failing lesson leaves nothing behind.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import nbformat
import pytest
import yaml

from coursegen import expected, new_lesson
from coursegen.course import ROOT
from tests import small_course

TEMPLATE = (
    small_course.HEAD
    + """\
(lesson-{{slug}})=
# {{title}}

```{code-cell} ipython3
VALUE = 6 * 7
print(VALUE)
```
"""
)
TOC = """\
format: jb-book
root: intro
parts:
- caption: Lessons  # numbered
  numbered: true
  chapters:
  - file: lessons/first"""  # no newline at the end: the new line adds one


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    (tmp_path / "tools").mkdir()
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "first.md").write_text("# First\n")
    (tmp_path / new_lesson.TEMPLATE).write_text(TEMPLATE)
    shutil.copy(ROOT / "tools" / "execution.env", tmp_path / "tools")
    (tmp_path / "_toc.yml").write_text(TOC)
    return tmp_path


def test_a_lesson_is_written_listed_executed_and_the_next_steps_printed(repo, capsys):
    assert new_lesson.main(["my-topic", "--title", " ReLU, my topic "], root=repo) == 0
    out = capsys.readouterr().out
    assert "Created lessons/my-topic.md ('ReLU, my topic')" in out
    assert "Executed it into tests/expected/my-topic.ipynb" in out
    assert "make expected LESSONS=my-topic" in out
    assert (
        "(lesson-my-topic)=\n# ReLU, my topic\n"
        in (repo / "lessons" / "my-topic.md").read_text()
    )
    assert (repo / "_toc.yml").read_text() == TOC + "\n  - file: lessons/my-topic\n"
    nb = nbformat.read(repo / "tests" / "expected" / "my-topic.ipynb", as_version=4)
    assert [cell.id for cell in nb.cells] == [f"cell-{n}" for n in range(len(nb.cells))]
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert [out.text for out in code[0].outputs] == ["42\n"]
    assert all("execution" not in cell.metadata for cell in nb.cells)  # no times
    assert nb.metadata["relu_course"] == {"generated_from": "lessons/my-topic.md"}
    assert "jupytext" not in nb.metadata


def test_a_lesson_that_fails_to_execute_is_removed_and_the_toc_restored(repo, capsys):
    failing = TEMPLATE.replace(
        "VALUE = 6 * 7", "raise RuntimeError('the template fails')"
    )
    (repo / new_lesson.TEMPLATE).write_text(failing)
    with pytest.raises(expected.LessonFailed, match="the template fails"):
        new_lesson.create("broken", "Broken", repo)
    assert (
        "lessons/broken.md failed to execute; it was removed" in capsys.readouterr().err
    )
    assert sorted(p.name for p in (repo / "lessons").iterdir()) == ["first.md"]
    assert (repo / "_toc.yml").read_text() == TOC
    assert not (repo / "tests" / "expected" / "broken.ipynb").exists()


def test_a_lesson_created_meanwhile_is_not_overwritten(repo):
    (repo / "lessons" / "late.md").write_text("# Someone else's\n")
    with pytest.raises(
        new_lesson.LessonError, match=r"lessons/late\.md already exists"
    ):
        new_lesson.create("late", "Late", repo)
    assert (repo / "lessons" / "late.md").read_text() == "# Someone else's\n"


def test_a_lesson_the_toc_lists_already_is_refused_naming_the_argument(repo, capsys):
    (repo / "_toc.yml").write_text(TOC + "\n  - file: lessons/ghost\n")  # no file
    with pytest.raises(SystemExit) as stopped:
        new_lesson.main(["ghost"], root=repo)
    assert stopped.value.code == 2
    assert "_toc.yml already lists lessons/ghost" in capsys.readouterr().err
    assert not (repo / "lessons" / "ghost.md").exists()


def test_a_toc_where_the_last_lesson_is_listed_twice_is_left_to_a_person():
    toc = TOC + "\n- caption: Again\n  chapters:\n  - file: lessons/first\n"
    assert yaml.safe_load(toc)["parts"][0]["numbered"]
    with pytest.raises(new_lesson.LessonError, match="cannot find the one line"):
        new_lesson.add_to_toc(toc, "lessons/new")
