"""What `import relu_course` costs, and what a lesson's kernel costs before its cells.

The package's `__init__` imports every module (lazy loading saved a lesson
nothing: every lesson imports torch and matplotlib itself), so the row that
matters is the second: what the package adds to a lesson's imports. The last
two rows time a lesson kernel from its start to the end of a lesson's imports
cell, started fresh and forked from a fork server (coursegen/forkserver.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from typing import NamedTuple
from unittest import mock

from coursegen import forkserver
from coursegen.bench.rows import med
from coursegen.kernels import CourseKernelManager

LESSON_IMPORTS = "import numpy, torch, matplotlib.pyplot"  # every lesson's own
IMPORTS = {  # the table's label: (code run first, untimed; the code timed)
    "`import relu_course` in a fresh interpreter": ("", "import relu_course"),
    "... after a lesson's own imports": (
        LESSON_IMPORTS,
        "import relu_course",
    ),
}
HEAVY = ("numpy", "torch", "matplotlib")
# A lesson's imports cell, as the lessons write it (training's, for one).
IMPORTS_CELL = (
    "import matplotlib.pyplot as plt\nimport numpy as np\nimport torch\n"
    "import torch.nn.functional as F\nfrom myst_nb import glue\n"
    "import relu_course as rc"
)
KERNELS = {  # the table's label: whether the kernel is forked
    "a lesson kernel, started fresh, until its imports cell is done": False,
    "... forked from the fork server (its own start not counted)": True,
}


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


def _kernel_until_imported() -> float:
    """Seconds from a kernel's start until IMPORTS_CELL has run in it."""
    start = time.perf_counter()
    manager = CourseKernelManager()
    manager.start_kernel()
    client = manager.client()
    try:
        client.start_channels()
        client.wait_for_ready(timeout=120)
        reply = client.execute_interactive(
            IMPORTS_CELL, timeout=120, output_hook=lambda _: None
        )
        if reply["content"]["status"] != "ok":
            raise RuntimeError(f"the imports cell failed: {reply['content']}")
        return time.perf_counter() - start
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def bench_kernels(runs: int) -> dict[str, list[float]]:
    """Each way of KERNELS timed runs times (the fork server started beforehand)."""
    results = {}
    for label, forked in KERNELS.items():
        way = {} if forked else {forkserver.FOLDER: forkserver.OFF}
        with mock.patch.dict(os.environ, way), forkserver.serving():
            if forked:
                _kernel_until_imported()  # starts the server: not a kernel's cost
            results[label] = [_kernel_until_imported() for _ in range(runs)]
    return results


def kernel_rows(results: dict[str, list[float]]) -> list[str]:
    """A row for each way of starting a lesson's kernel."""
    return [f"| {label} | {med(seconds)} | | |" for label, seconds in results.items()]
