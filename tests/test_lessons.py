"""Every lesson has the shape CONTRIBUTING.md describes.

The checks read each lessons/*.md as text (the MyST directives) and as a
notebook through jupytext (its front matter and code cells). A lesson made by
`make lesson` from tools/lesson_template.md passes them as it is.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import jupytext
import nbformat
import pytest

from coursegen import course
from coursegen.execute import read_lesson

ROOT = Path(__file__).resolve().parents[1]
LESSONS = sorted((ROOT / "lessons").glob("*.md"))
SETTINGS = "# Settings a reader may change"
EXERCISE = re.compile(r"^:::\{exercise\}[^\n]*\n(?P<options>(?::[^\n]*\n)*)", re.M)
SOLUTION = re.compile(
    r"^:::\{solution-(?P<kind>start|end)\}[ \t]*(?P<label>\S*)[^\n]*\n"
    r"(?P<options>(?::[^\n]*\n)*)",
    re.M,
)
TEACHER_NOTE = re.compile(
    r"^:::\{admonition\} For teachers\n:class: teacher-note\n", re.M
)
IN_THIS_LESSON = re.compile(
    r"^:::\{admonition\} In this lesson\n:class: tip\n(?P<body>.*?)^:::$",
    re.M | re.S,
)


@cache
def notebook(lesson: Path) -> nbformat.NotebookNode:
    """The lesson as jupytext reads it (read once; the tests only look)."""
    return jupytext.read(lesson)


def markdown(lesson: Path) -> str:
    """The lesson's prose and directives, without its code cells."""
    return "\n".join(
        cell.source for cell in notebook(lesson).cells if cell.cell_type == "markdown"
    )


def code_cells(lesson: Path) -> list[str]:
    return [cell.source for cell in notebook(lesson).cells if cell.cell_type == "code"]


def option(options: str, name: str) -> str | None:
    """The value of `:name: value` among a directive's option lines."""
    found = re.search(rf"^:{name}:[ \t]*(.*)$", options, re.M)
    return found.group(1).strip() if found else None


def exercise_labels(text: str) -> list[str | None]:
    return [option(m["options"], "label") for m in EXERCISE.finditer(text)]


def solution_code(lesson: Path) -> list[str]:
    """The code cells that sit between a solution-start and its solution-end."""
    inside, code = False, []
    for cell in notebook(lesson).cells:
        if cell.cell_type == "code":
            if inside:
                code.append(cell.source)
            continue
        for match in SOLUTION.finditer(cell.source):
            inside = match["kind"] == "start"
    return code


def lessons(function):
    """Run a test once per lesson, named by the lesson's file name."""
    return pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)(function)


def test_there_are_lessons_to_check():
    assert LESSONS, "no lessons found in lessons/"


@lessons
def test_lesson_is_listed_in_the_table_of_contents(lesson):
    listed = {path.stem for path in course.toc_lessons()}
    assert lesson.stem in listed, (
        f"_toc.yml does not list lessons/{lesson.stem}; add '- file: "
        f"lessons/{lesson.stem}' to a part"
    )


@lessons
def test_front_matter_has_the_python3_kernelspec(lesson):
    kernelspec = notebook(lesson).metadata.get("kernelspec", {})
    assert kernelspec.get("name") == "python3", kernelspec
    assert kernelspec.get("language") == "python", kernelspec


@lessons
def test_lesson_label_comes_right_before_the_title(lesson):
    lines = [line for line in markdown(lesson).splitlines() if line.strip()]
    titles = [n for n, line in enumerate(lines) if line.startswith("# ")]
    assert titles, f"lessons/{lesson.name} has no '# ' title"
    before = lines[titles[0] - 1] if titles[0] else None
    assert before == f"(lesson-{lesson.stem})=", (
        f"lessons/{lesson.name}: put '(lesson-{lesson.stem})=' on the line before "
        f"its title '{lines[titles[0]]}'"
    )


@lessons
def test_in_this_lesson_box_says_what_you_will_do_learn_and_need(lesson):
    box = IN_THIS_LESSON.search(lesson.read_text())
    assert box, f"lessons/{lesson.name} has no ':::{{admonition}} In this lesson' box"
    for lead in ("**You will**", "**You will learn**", "**You need**"):
        assert lead in box["body"], f"the 'In this lesson' box lacks {lead}"


@lessons
def test_lesson_has_exactly_one_teacher_note(lesson):
    text = lesson.read_text()
    notes = TEACHER_NOTE.findall(text)
    assert len(notes) == 1, (
        f"lessons/{lesson.name} has {len(notes)} ':::{{admonition}} For teachers' "
        "blocks with ':class: teacher-note'; expected one"
    )
    assert text.count(":class: teacher-note") == 1


@lessons
def test_settings_cell_is_the_first_code_cell_and_the_only_one(lesson):
    code = code_cells(lesson)
    settings = [n for n, source in enumerate(code) if source.startswith(SETTINGS)]
    assert settings == [0], (
        f"lessons/{lesson.name}: code cells {settings} start with '{SETTINGS}'; "
        "expected exactly one, the first code cell"
    )


@lessons
def test_lesson_has_at_least_two_exercises_each_with_a_label(lesson):
    labels = exercise_labels(markdown(lesson))
    assert len(labels) >= 2, f"lessons/{lesson.name} has {len(labels)} exercises"
    assert None not in labels, f"lessons/{lesson.name}: an exercise has no :label:"
    assert len(set(labels)) == len(labels), f"repeated exercise labels: {labels}"


@lessons
def test_every_exercise_has_a_solution(lesson):
    text = markdown(lesson)
    solved = {m["label"] for m in SOLUTION.finditer(text) if m["kind"] == "start"}
    unsolved = [label for label in exercise_labels(text) if label not in solved]
    assert not unsolved, (
        f"lessons/{lesson.name}: no ':::{{solution-start}} <label>' for {unsolved}"
    )


@lessons
def test_every_solution_is_a_dropdown_closed_by_a_solution_end(lesson):
    sequence = [(m["kind"], m) for m in SOLUTION.finditer(markdown(lesson))]
    kinds = [kind for kind, _ in sequence]
    assert kinds == ["start", "end"] * (len(kinds) // 2), (
        f"lessons/{lesson.name}: solution-start and solution-end do not alternate: "
        f"{kinds}"
    )
    for kind, match in sequence:
        if kind == "start":
            assert option(match["options"], "class") == "dropdown", (
                f"solution of {match['label']} lacks ':class: dropdown'"
            )


@lessons
def test_a_solution_checks_its_answer_with_an_assert(lesson):
    code = solution_code(lesson)
    assert any(re.search(r"^\s*assert\b", source, re.M) for source in code), (
        f"lessons/{lesson.name}: no solution's code has an `assert`, so a wrong "
        "solution would still build; check one answer in its code cell"
    )


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_jupyterlab_and_the_book_read_the_same_code_cells_from_the_lesson(lesson):
    # The book (myst-nb's reader, coursegen.execute.read_lesson) executes and caches
    # what JupyterLab, Binder and Colab users run (jupytext's reader).
    def cells(nb: nbformat.NotebookNode) -> list[tuple[str, dict]]:
        return [(c.source, c.metadata) for c in nb.cells if c.cell_type == "code"]

    assert cells(read_lesson(lesson)) == cells(notebook(lesson))
