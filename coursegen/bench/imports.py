"""What `import relu_course` costs, alone and after a lesson's own imports.

The package's `__init__` imports every module (lazy loading saved a lesson
nothing: every lesson imports torch and matplotlib itself), so the row that
matters is the second: what the package adds to a lesson's imports.
"""

from __future__ import annotations

import subprocess
import sys
from typing import NamedTuple

from coursegen.bench.rows import med

LESSON_IMPORTS = "import numpy, torch, matplotlib.pyplot"  # every lesson's own
IMPORTS = {  # the table's label: (code run first, untimed; the code timed)
    "`import relu_course` in a fresh interpreter": ("", "import relu_course"),
    "... after a lesson's own imports": (
        LESSON_IMPORTS,
        "import relu_course",
    ),
}
HEAVY = ("numpy", "torch", "matplotlib")


class Imported(NamedTuple):
    seconds: list[float]  # one a run
    loaded: str  # the HEAVY modules the code loaded, separated by spaces


def _timed(code: str, before: str = "") -> tuple[float, str]:
    """Seconds code takes in a fresh interpreter after before, and what it loaded."""
    # Timed inside the interpreter: its own start-up varies more between runs
    # than the package's import takes.
    report = (
        "took = time.perf_counter() - start; import sys; "
        f"print(took, *[m for m in {HEAVY!r} if m in sys.modules])"
    )
    program = f"{before}\nimport time; start = time.perf_counter(); {code}; {report}"
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    took, _, loaded = done.stdout.strip().partition(" ")
    return float(took), loaded


def bench_imports(runs: int) -> dict[str, Imported]:
    """Each import of IMPORTS timed, with the heavy modules it loads."""
    results = {}
    for label, (before, code) in IMPORTS.items():
        seconds = []
        for _ in range(max(runs, 5)):  # a few seconds each: more runs are cheap
            took, loaded = _timed(code, before)
            seconds.append(took)
        results[label] = Imported(seconds, loaded)
    return results


def import_rows(results: dict[str, Imported]) -> list[str]:
    """A row for each import: its time, and which heavy modules were loaded by then."""
    rows = []
    for label, imported in results.items():
        loaded = imported.loaded.replace(" ", ", ") or "none of them"
        milliseconds = [1000 * t for t in imported.seconds]
        rows.append(f"| {label} ({loaded} loaded) | {med(milliseconds, 'ms', 0)} | | |")
    return rows
