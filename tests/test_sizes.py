"""Sizes a reader can hold: no source file over 400 lines, no function over 60.

Every .py file of relu_course and coursegen (the tests are not held to it).
A function counts from its `def` line to its last line, docstring and
comments included; a nested function counts inside its parent and on its own.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("relu_course", "coursegen")
MAX_FILE_LINES = 400
MAX_FUNCTION_LINES = 60
SOURCES = sorted(path for name in PACKAGES for path in (ROOT / name).rglob("*.py"))
IDS = [str(path.relative_to(ROOT)) for path in SOURCES]


def function_lengths(source: str) -> dict[str, int]:
    """Lines of each function and method (Class.method, outer.inner), by name."""
    lengths: dict[str, int] = {}

    def visit(node: ast.AST, prefix: str) -> None:
        for child in ast.iter_child_nodes(node):
            name = prefix
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                name = f"{prefix}{child.name}"
                assert child.end_lineno is not None  # set by ast.parse
                lengths[f"{name} (line {child.lineno})"] = (
                    child.end_lineno - child.lineno + 1
                )
                name += "."
            elif isinstance(child, ast.ClassDef):
                name = f"{prefix}{child.name}."
            visit(child, name)

    visit(ast.parse(source), "")
    return lengths


def test_the_packages_have_sources_to_measure():
    for name in PACKAGES:
        assert (ROOT / name / "__init__.py") in SOURCES, name


def test_a_function_counts_from_its_def_to_its_last_line_nested_ones_too():
    source = (
        "@decorator\n"
        "def outer():\n"
        "    '''Doc.'''\n"
        "    def inner():\n"
        "        return 1\n"
        "\n"
        "    return inner\n"
        "\n"
        "class Thing:\n"
        "    async def method(self):\n"
        "        pass\n"
    )
    assert function_lengths(source) == {
        "outer (line 2)": 6,
        "outer.inner (line 4)": 2,
        "Thing.method (line 10)": 2,
    }


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_a_source_file_has_at_most_400_lines(path: Path):
    lines = len(path.read_text().splitlines())
    assert lines <= MAX_FILE_LINES, (
        f"{path.relative_to(ROOT)} has {lines} lines (at most {MAX_FILE_LINES})"
    )


@pytest.mark.parametrize("path", SOURCES, ids=IDS)
def test_every_function_of_a_source_file_has_at_most_60_lines(path: Path):
    lengths = function_lengths(path.read_text())
    too_long = {name: n for name, n in lengths.items() if n > MAX_FUNCTION_LINES}
    assert not too_long, (
        f"{path.relative_to(ROOT)}: functions over {MAX_FUNCTION_LINES} lines "
        f"(name: lines): {too_long}"
    )
