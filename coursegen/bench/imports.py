"""What `import relu_course` and its first uses cost a lesson (fresh interpreters)."""

from __future__ import annotations

import subprocess
import sys
from typing import NamedTuple

from coursegen.bench.rows import med

IMPORTS = {  # the table's label: the code a lesson runs
    "`import relu_course`": "import relu_course as rc",
    "... and `rc.relu(0.5)`": "import relu_course as rc; rc.relu(0.5)",
    "... and `rc.Regressor(7)`": "import relu_course as rc; rc.Regressor(7)",
}
HEAVY = ("numpy", "torch", "matplotlib")


class Imported(NamedTuple):
    seconds: list[float]  # one a run
    loaded: str  # the HEAVY modules the code loaded, separated by spaces


def _timed(code: str) -> tuple[float, str]:
    """Seconds code takes in a fresh interpreter, and the heavy modules it loads."""
    # Timed inside the interpreter: its own start-up varies more between runs
    # than the package's import takes.
    report = (
        "took = time.perf_counter() - start; import sys; "
        f"print(took, *[m for m in {HEAVY!r} if m in sys.modules])"
    )
    program = f"import time; start = time.perf_counter(); {code}; {report}"
    done = subprocess.run(
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    )
    took, _, loaded = done.stdout.strip().partition(" ")
    return float(took), loaded


def bench_imports(runs: int) -> dict[str, Imported]:
    """Each import of IMPORTS timed, with the heavy modules it loads."""
    results = {}
    for label, code in IMPORTS.items():
        seconds = []
        for _ in range(max(runs, 5)):  # a second or less each: more runs are cheap
            took, loaded = _timed(code)
            seconds.append(took)
        results[label] = Imported(seconds, loaded)
    return results


def import_rows(results: dict[str, Imported]) -> list[str]:
    """A row for each import; the first, the package alone, must load none."""
    rows = []
    for k, (label, imported) in enumerate(results.items()):
        loaded = imported.loaded.replace(" ", ", ")
        milliseconds = [1000 * t for t in imported.seconds]
        target, mark = "", ""
        if k == 0:  # the package itself must not load what a lesson may not need
            target, mark = "loads none of them", "**missed**" if loaded else "met"
        rows.append(
            f"| {label}: loads {loaded or 'none of ' + ', '.join(HEAVY)} "
            f"| {med(milliseconds, 'ms', 0)} | {target} | {mark} |"
        )
    return rows
