"""Where the course lives and how its lessons run: one owner for each of these facts.

- ROOT, the repository the generator builds;
- the lessons, in book order, from `_toc.yml`;
- the execution environment of every lesson kernel, from `tools/execution.env`;
- how long one cell may run, from `execute.timeout` in `_config.yml`.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXECUTION_ENV = Path("tools") / "execution.env"  # relative to the course's root


def toc_lessons(root: Path = ROOT) -> list[Path]:
    """The lessons (lessons/*.md) in _toc.yml, in book order."""
    files: list[str] = []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(yaml.safe_load((root / "_toc.yml").read_text()))
    paths = [root / (f if f.endswith(".md") else f + ".md") for f in files]
    return [p for p in paths if p.parent == root / "lessons" and p.is_file()]


def execution_env(root: Path = ROOT) -> dict[str, str]:
    """The variables tools/execution.env sets for every lesson kernel."""
    pairs = {}
    for line in (root / EXECUTION_ENV).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def pin_execution_env(root: Path = ROOT) -> None:
    """Set the variables of tools/execution.env that the environment lacks."""
    for name, value in execution_env(root).items():
        os.environ.setdefault(name, value)


def cell_timeout(root: Path = ROOT) -> int:
    """Seconds one cell may run before its lesson fails (_config.yml)."""
    return int(yaml.safe_load((root / "_config.yml").read_text())["execute"]["timeout"])
