"""Regenerate the expected-output notebooks tests/expected/<lesson>.ipynb.

The course's one executor (coursegen.execute) runs each lesson, side by side,
exactly as it fills the book's cache; this destination gives the cells stable ids
and writes the notebook with its outputs. nbval compares a fresh run against
these files, so regenerate them only when a change of output is meant, and say
so in the commit message.

    python -m coursegen expected               # every lesson (make expected)
    python -m coursegen expected derivative    # only lessons/derivative.md
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from coursegen import execute
from coursegen.course import ROOT, toc_lessons

EXPECTED = Path("tests") / "expected"  # relative to the course's root


def expected_path(lesson: Path) -> Path:
    """Where the expected-output notebook of lessons/NAME.md lives."""
    return lesson.parents[1] / EXPECTED / f"{lesson.stem}.ipynb"


def merged_streams(outputs: list[NotebookNode]) -> list[NotebookNode]:
    """The outputs with each run of prints to one stream merged into one output.

    How many pieces a cell's prints arrive in depends on timing, not on the lesson.
    """
    merged: list[NotebookNode] = []
    for output in outputs:
        last = merged[-1] if merged else None
        if (
            last is not None
            and output.output_type == last.output_type == "stream"
            and output.name == last.name
        ):
            last.text += output.text
        else:
            merged.append(output)
    return merged


def normalised(nb: NotebookNode, lesson: Path) -> NotebookNode:
    """The executed lesson as tests/expected keeps it: nothing that varies by run."""
    for number, cell in enumerate(nb.cells):
        cell.id = f"cell-{number}"  # stable ids: no random diffs between runs
        cell.metadata.pop("execution", None)  # timestamps
        if cell.cell_type == "code":
            cell.outputs = merged_streams(cell.outputs)
    for reader_only in ("jupytext", "source_map"):  # the reader's, not the lesson's
        nb.metadata.pop(reader_only, None)
    nb.metadata["relu_course"] = {"generated_from": f"lessons/{lesson.name}"}
    return nb


class ExpectedOutputs:
    """The executor's destination for `make expected`: tests/expected/NAME.ipynb."""

    report: Path | None = None  # `make bench` reads the book's runs, not these

    def wanted(self, nb: NotebookNode) -> bool:
        return True  # asked for by name: always runs

    def store(self, path: Path, nb: NotebookNode, run: execute.Run) -> str:
        out = expected_path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(normalised(nb, path), out)
        return f"  {out.relative_to(path.parents[1])} ({run.execution:.1f} s)"


class LessonFailed(RuntimeError):
    """A lesson whose cell raised or ran out of time."""


def generate(lesson: Path) -> Path:
    """Execute one lesson here and write its expected output; a failure raises."""
    nb, run = execute.execute(lesson)
    if run.error:
        raise LessonFailed(f"lessons/{lesson.name} failed:\n{run.error}")
    ExpectedOutputs().store(lesson, nb, run)
    return expected_path(lesson)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lesson names (default: all)")
    execute.jobs_argument(parser)
    args = parser.parse_args(argv)
    lessons = {path.stem: path for path in toc_lessons(ROOT)}
    unknown = sorted(set(args.lessons) - set(lessons))
    if unknown:
        parser.error(f"unknown lesson(s) {unknown}; valid names: {sorted(lessons)}")
    chosen = [lessons[name] for name in args.lessons or lessons]
    return execute.run(chosen, ExpectedOutputs(), args.jobs)


if __name__ == "__main__":
    sys.exit(main())
