"""Where the course lives and how its lessons run: one owner for each of these facts.

- ROOT, the repository the generator builds;
- the lessons, in book order, from `_toc.yml`;
- the execution environment of every lesson kernel, from `tools/execution.env`;
- how long one cell may run, from `execute.timeout` in `_config.yml`;
- what each edition shows (EDITIONS): the pages, the downloads and the launch
  buttons of an edition, or of a class built as one, all read this table.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
EXECUTION_ENV = Path("tools") / "execution.env"  # relative to the course's root
# myst-nb's execution cache, shared by every edition of `make book`.
CACHE = ROOT / "_build" / ".jupyter_cache"


def cores() -> int:
    """The CPUs this process may use: its affinity on Linux, the machine's elsewhere."""
    if hasattr(os, "sched_getaffinity"):  # Linux: a container may allow fewer
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1  # macOS, Windows


def toc_pages(root: Path = ROOT) -> list[Path]:
    """Every page of _toc.yml (its root first), in book order."""
    toc = yaml.safe_load((root / "_toc.yml").read_text())
    files: list[str] = [toc["root"]] if isinstance(toc.get("root"), str) else []

    def walk(node: object) -> None:
        if isinstance(node, dict):
            if isinstance(node.get("file"), str):
                files.append(node["file"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(toc)
    paths = [root / (f if f.endswith(".md") else f + ".md") for f in files]
    return [p for p in paths if p.is_file()]


def toc_lessons(root: Path = ROOT) -> list[Path]:
    """The lessons (lessons/*.md) in _toc.yml, in book order."""
    return [p for p in toc_pages(root) if p.parent == root / "lessons"]


def execution_env(root: Path = ROOT) -> dict[str, str]:
    """The variables tools/execution.env sets for every lesson kernel."""
    pairs = {}
    for line in (root / EXECUTION_ENV).read_text().splitlines():
        if line.strip() and not line.startswith("#"):
            name, _, value = line.partition("=")
            pairs[name.strip()] = value.strip()
    return pairs


def pin_execution_env(root: Path = ROOT) -> None:
    """Set how lesson kernels run: tools/execution.env where unset, no MPLBACKEND.

    Every command of `python -m coursegen` and every test session calls it; the
    kernels they start inherit it.
    """
    for name, value in execution_env(root).items():
        os.environ.setdefault(name, value)
    # A forced backend (MPLBACKEND=Agg, as on many CI machines) replaces the
    # notebook's inline one: plt.show() then draws nothing into the lesson.
    os.environ.pop("MPLBACKEND", None)


def cell_timeout(root: Path = ROOT) -> int:
    """Seconds one cell may run before its lesson fails (_config.yml)."""
    return int(yaml.safe_load((root / "_config.yml").read_text())["execute"]["timeout"])


@dataclass(frozen=True)
class Edition:
    """What one edition of the course shows."""

    solutions: str  # "collapsed" (a dropdown), "open", or "none" (left out everywhere)
    teacher_notes: bool  # the lessons' "For teachers" boxes
    binder: bool  # Binder opens the repository, solutions included


EDITIONS = {
    "public": Edition(solutions="collapsed", teacher_notes=False, binder=True),
    "student": Edition(solutions="none", teacher_notes=False, binder=False),
    "teacher": Edition(solutions="open", teacher_notes=True, binder=True),
}


def edition(name: str) -> Edition:
    """The edition called name, or an error that lists the editions."""
    if name not in EDITIONS:
        raise ValueError(f"edition must be one of {list(EDITIONS)}, got {name!r}")
    return EDITIONS[name]
