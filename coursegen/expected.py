"""Regenerate the expected-output notebooks tests/expected/<lesson>.ipynb.

Each lesson in lessons/<lesson>.md is read with jupytext, executed by the same
client as the book's cache (coursegen.execute.notebook_client), given stable ids and
written out with its outputs. nbval compares a fresh run against these files,
so regenerate them only when a change of output is meant, and say so in the
commit message.

    python -m coursegen expected               # every lesson (make expected)
    python -m coursegen expected derivative    # only lessons/derivative.md
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import jupytext
import nbformat

from coursegen.course import ROOT, pin_execution_env, toc_lessons
from coursegen.execute import notebook_client

EXPECTED = Path("tests") / "expected"  # relative to the course's root


def expected_path(lesson: Path) -> Path:
    """Where the expected-output notebook of lessons/NAME.md lives."""
    return lesson.parents[1] / EXPECTED / f"{lesson.stem}.ipynb"


def generate(lesson: Path) -> Path:
    """Execute one lesson and write its expected-output notebook."""
    nb = jupytext.read(lesson)
    # Figures vanish when a non-inline backend is forced: with MPLBACKEND=Agg,
    # plt.show() draws nothing into the notebook.
    os.environ.pop("MPLBACKEND", None)
    notebook_client(nb, lesson).execute()  # as the book's cache is filled
    for number, cell in enumerate(nb.cells):
        cell.id = f"cell-{number}"  # stable ids: no random diffs between runs
        cell.metadata.pop("execution", None)  # timestamps
    nb.metadata.pop("jupytext", None)
    nb.metadata["relu_course"] = {"generated_from": f"lessons/{lesson.name}"}
    out = expected_path(lesson)
    out.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, out)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("lessons", nargs="*", help="lesson names (default: all)")
    names = parser.parse_args(argv).lessons
    lessons = {path.stem: path for path in toc_lessons()}
    unknown = sorted(set(names) - set(lessons))
    if unknown:
        parser.error(f"unknown lesson(s) {unknown}; valid names: {sorted(lessons)}")
    pin_execution_env()
    for name in names or lessons:
        start = time.perf_counter()
        out = generate(lessons[name])
        seconds = time.perf_counter() - start
        print(f"{out.relative_to(ROOT)}  ({seconds:.1f} s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
