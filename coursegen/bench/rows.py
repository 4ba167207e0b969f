"""Rows of the `make bench` table: median (min-max), the target, met or not."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def med(values: Sequence[float], unit: str = "s", digits: int = 1) -> str:
    """Median (min-max) of values."""
    m, lo, hi = statistics.median(values), min(values), max(values)
    if len(values) == 1:
        return f"{m:.{digits}f} {unit}"
    return f"{m:.{digits}f} {unit} ({lo:.{digits}f}-{hi:.{digits}f})"


def verdict(value: float, limit: float, at_least: bool = False) -> str:
    """Whether value is within limit: at most limit, or at least with at_least."""
    ok = value >= limit if at_least else value <= limit
    return "met" if ok else "**missed**"


def row(name: str, seconds: Sequence[float], limit: float | None = None) -> str:
    """A row of seconds, with its target (at most limit) when it has one."""
    target = f"<= {limit:g} s" if limit is not None else ""
    mark = verdict(statistics.median(seconds), limit) if limit is not None else ""
    return f"| {name} | {med(seconds)} | {target} | {mark} |"
