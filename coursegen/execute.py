"""The course's one executor: lessons side by side, into the cache or tests/expected.

Every lesson is read by one reader (myst-nb's, so the code is exactly what
Sphinx looks up in the cache) and executed by one client (`notebook_client`:
the lesson's folder, the course's cell timeout, a kernel on IPC transport), as
many at a time as there are cores, longest first. What differs is where the
executed notebook goes, its destination:

- `Cache` (`make book`): the lessons missing from the execution cache run and
  are stored in jupyter-cache exactly as myst-nb stores them, so Sphinx finds
  every lesson cached and only renders (myst-nb itself would run them one
  after another, on one core). A report of each run (kernel start, the
  imports cell, the other cells, the kernel's peak memory) goes beside the
  cache, for `make bench`.
- `coursegen.expected.ExpectedOutputs` (`make expected`): the named lessons
  run and are written to tests/expected/NAME.ipynb.

A lesson that fails stops the run with its name and traceback.

    python -m coursegen execute _build/.jupyter_cache [--jobs N] [LESSON ...]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import re
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol

import nbformat
from nbclient import NotebookClient
from nbformat import NotebookNode

from coursegen import forkserver
from coursegen.course import cell_timeout, cores, toc_lessons
from coursegen.kernels import CourseKernelManager

CORES = cores()  # lessons at a time: kernels are single-threaded


@dataclass
class Run:
    """One lesson executed: where its time went and the kernel's peak memory."""

    lesson: str
    kernel_start: float  # seconds until the kernel answered
    imports: float  # the first code cell that imports: the lesson's imports
    other_cells: float  # every other code cell
    peak_mb: float  # the kernel's peak resident memory (VmHWM)
    error: str | None = None  # the traceback when a cell failed

    @property
    def execution(self) -> float:
        """Seconds in the lesson's cells, imports included (not kernel start)."""
        return self.imports + self.other_cells


def read_lesson(path: Path) -> NotebookNode:
    """The lesson at path as a notebook, read as myst-nb reads it for the book."""
    from myst_nb.core.read import myst_nb_reader_plugin

    nb: NotebookNode = myst_nb_reader_plugin(str(path))
    return nb


# An import statement at the start of a line: `from a.b import c`, `import a as b, c`.
IMPORT = re.compile(
    r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import\b|import[ \t]+([^#\n;]+))", re.M
)


def imported(lessons: list[Path]) -> set[str]:
    """The top-level modules the lessons (MyST, or notebooks: their code cells)
    import, read before any is executed: what their kernels' server imports."""
    return set().union(*(imported_by(_code(path)) for path in lessons))


def _code(path: Path) -> str:
    if path.suffix != ".ipynb":
        return path.read_text()  # MyST: prose read as an import costs only time
    return "\n".join(code_of(nbformat.read(path, as_version=4)))


def imported_by(text: str) -> set[str]:
    """The top-level modules imported by statements that start a line of text.

    >>> sorted(imported_by("import numpy as np, torch.nn\\nfrom myst_nb import glue"))
    ['myst_nb', 'numpy', 'torch']
    """
    names = set()
    for source, listed in IMPORT.findall(text):
        for name in [source] if source else listed.split(","):
            top = name.split()[0].split(".")[0] if name.strip() else ""
            if top:  # not `from . import x`
                names.add(top)
    return names


def code_of(nb: NotebookNode) -> list[str]:
    """The sources of a notebook's code cells."""
    return [cell["source"] for cell in nb["cells"] if cell["cell_type"] == "code"]


def notebook_client(nb: NotebookNode, lesson: Path, **hooks: Any) -> NotebookClient:
    """The one way the course executes a lesson's notebook, whatever it is for.

    In the lesson's folder, with the cell timeout of _config.yml, a kernel on IPC
    transport, no timings in the cells (they would change the cache key and the
    expected outputs), and the kernel stopped at once when the outputs are in (a
    graceful stop costs ~0.6 s).
    """
    return NotebookClient(
        nb,
        kernel_manager_class=CourseKernelManager,  # IPC: no port race, no warning
        timeout=cell_timeout(),  # the course's, wherever the lesson lies
        allow_errors=False,
        record_timing=False,
        shutdown_kernel="immediate",
        resources={"metadata": {"path": str(lesson.parent)}},
        **hooks,
    )


def _kernel_pid(client: NotebookClient) -> int | None:
    """The process id of the client's kernel (None once it is gone)."""
    process = getattr(getattr(client.km, "provisioner", None), "process", None)
    pid: int | None = getattr(process, "pid", None)
    return None if pid is None else forkserver.kernel_pid(pid)


def _peak_mb(pid: int | None) -> float:
    """Peak resident memory of a process, from /proc (0 where there is none)."""
    if pid is None:
        return 0.0
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def execute(path: Path) -> tuple[NotebookNode, Run]:
    """Execute one lesson in its folder; the executed notebook and its Run."""
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = read_lesson(path)
    marks: dict[str, float] = {}
    cells: list[float] = []  # seconds per code cell but the imports cell

    def cell_done(cell: NotebookNode, **_: object) -> None:
        seconds = time.perf_counter() - marks["cell"]
        lines = cell["source"].splitlines()
        if "imports" not in marks and any(
            line.startswith(("import ", "from ")) for line in lines
        ):
            marks["imports"] = seconds
        else:
            cells.append(seconds)
        # Read while the kernel lives: VmHWM is its peak so far.
        marks["peak"] = _peak_mb(_kernel_pid(client))

    client = notebook_client(
        nb,
        path,
        on_notebook_start=lambda **_: marks.setdefault("started", time.perf_counter()),
        on_cell_execute=lambda **_: marks.__setitem__("cell", time.perf_counter()),
        on_cell_executed=cell_done,
    )
    begin, error = time.perf_counter(), None
    try:
        client.execute()
    except (CellExecutionError, CellTimeoutError) as err:
        error = f"{type(err).__name__}: {err}"
    run = Run(
        lesson=path.stem,
        kernel_start=marks.get("started", begin) - begin,
        imports=marks.get("imports", 0.0),
        other_cells=sum(cells),
        peak_mb=marks.get("peak", 0.0),
        error=error,
    )
    return nb, run


class Destination(Protocol):
    """Where executed lessons go: the execution cache or the expected outputs."""

    report: Path | None  # where the runs' report is written (None: nowhere)

    def wanted(self, nb: NotebookNode) -> bool:
        """True when the lesson (as read) must run."""
        ...

    def store(self, path: Path, nb: NotebookNode, run: Run) -> str:
        """Keep the executed lesson; a line saying where it went."""
        ...


class Cache:
    """The book's execution cache: jupyter-cache, keyed as myst-nb keys a lesson."""

    def __init__(self, folder: Path) -> None:
        from jupyter_cache import get_cache

        self.folder = folder
        self.cache = get_cache(str(folder))
        self.report: Path | None = folder.with_name(folder.name + ".runs.json")

    def key(self, nb: NotebookNode) -> str:
        """The key myst-nb looks the lesson up by (a hash of its code)."""
        key: str = self.cache.create_hashed_notebook(nb)[1]
        return key

    def wanted(self, nb: NotebookNode) -> bool:
        try:
            self.cache.match_cache_notebook(nb)
        except KeyError:
            return True
        return False

    def put(self, path: Path, nb: NotebookNode, key: str, **data: object) -> None:
        """Store nb as the lesson at path, refused unless its key is still key."""
        from jupyter_cache.base import CacheBundleIn

        if self.key(nb) != key:
            raise RuntimeError(f"the outputs given to {path} changed its cache key")
        bundle = CacheBundleIn(nb, str(path), data=data)
        self.cache.cache_notebook_bundle(bundle, check_validity=False, overwrite=True)

    def store(self, path: Path, nb: NotebookNode, run: Run) -> str:
        self.put(path, nb, self.key(nb), execution_seconds=run.execution)
        return (
            f"  {path.name}: kernel {run.kernel_start:.1f} s, imports "
            f"{run.imports:.1f} s, rest {run.other_cells:.1f} s, "
            f"peak {run.peak_mb:.0f} MB"
        )

    def take_outputs(self, lessons: list[Path], folder: Path) -> list[Path]:
        """Cache each lesson with the outputs of folder/NAME.ipynb, run nothing.

        Returns the lessons whose code differs from their notebook's (left out).
        """
        stale = []
        for path in lessons:
            nb = read_lesson(path)
            key = self.key(nb)
            if with_outputs_of(nb, folder / f"{path.stem}.ipynb") is None:
                stale.append(path)
            else:
                self.put(path, nb, key, outputs_from=str(folder))
        return stale


def with_outputs_of(nb: NotebookNode, executed_path: Path) -> NotebookNode | None:
    """nb with the outputs of the notebook at executed_path; None unless same code."""
    if not executed_path.is_file():
        return None
    executed = nbformat.read(executed_path, as_version=4)
    if code_of(executed) != code_of(nb):
        return None
    cells = [c for c in nb.cells if c.cell_type == "code"]
    done = [c for c in executed.cells if c.cell_type == "code"]
    for cell, ran in zip(cells, done, strict=True):
        cell.outputs, cell.execution_count = ran.outputs, ran.execution_count
    if "language_info" in executed.metadata:  # as executing would set it
        nb.metadata["language_info"] = executed.metadata["language_info"]
    return nb


def _longest_first(report: Path | None) -> Callable[[Path], float]:
    """Sort key: a lesson's seconds in the last report, else its file size.

    Longest first, so that the cores finish together.
    """
    last = json.loads(report.read_text()) if report and report.is_file() else {}

    def seconds(path: Path) -> float:
        run = last.get("lessons", {}).get(path.stem)
        return Run(**run).execution if run else path.stat().st_size

    return seconds


def run(lessons: list[Path], destination: Destination, jobs: int) -> int:
    """Execute the lessons the destination wants, jobs at a time; 1 if one failed."""
    futures: dict[Future[tuple[NotebookNode, Run]], Path] = {}
    start = time.perf_counter()
    # Workers are spawned, never forked: a fork copies a caller's threads' state
    # without the threads (jupyter_core's event-loop runner, a watcher's server),
    # and a lesson's kernel start then waits forever on a runner that is gone
    # (seen in make test: make watch's test hung in nbclient's start). Spawn is
    # also what macOS does; it costs each worker ~0.3 s of imports.
    spawn = multiprocessing.get_context("spawn")
    # The kernels are forked from a process that has imported what lessons import
    # (coursegen/forkserver.py): ~2.5 s of CPU less per lesson.
    imports = imported(lessons)
    with forkserver.serving(imports):  # before the pool: its workers inherit it
        pool = ProcessPoolExecutor(max_workers=jobs, mp_context=spawn)  # none yet
        try:
            # A lesson starts as soon as it is found wanted, its kernel starting while
            # the other lessons are read.
            for path in sorted(
                lessons, key=_longest_first(destination.report), reverse=True
            ):
                if destination.wanted(read_lesson(path)):
                    if not futures:  # the kernels' server imports meanwhile
                        forkserver.prestart()
                    futures[pool.submit(execute, path)] = path
            if not futures:
                print(f"execute lessons: all {len(lessons)} in the cache")
                return 0
            jobs = min(jobs, len(futures))
            print(
                f"execute lessons: {len(futures)} of {len(lessons)} to run, "
                f"{jobs} at a time"
            )
            runs, failed = _collect(futures, destination)
        finally:
            pool.shutdown()
    wall = time.perf_counter() - start
    if destination.report:
        report = {"jobs": jobs, "wall": wall, "lessons": runs}
        destination.report.write_text(json.dumps(report, indent=1) + "\n")
    print(f"execute lessons: {len(futures) - len(failed)} ran in {wall:.1f} s")
    if failed:
        print(f"execute lessons: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _collect(
    futures: dict[Future[tuple[NotebookNode, Run]], Path], destination: Destination
) -> tuple[dict[str, dict[str, Any]], list[str]]:
    """Store each lesson as it finishes; the runs by lesson and the failed lessons."""
    runs: dict[str, dict[str, Any]] = {}
    failed = []
    for future in as_completed(futures):
        path = futures[future]
        nb, run = future.result()
        runs[run.lesson] = asdict(run)
        if run.error:
            failed.append(path.name)
            print(f"FAILED lesson {path}\n{run.error}", file=sys.stderr)
        else:
            print(destination.store(path, nb, run), flush=True)
    return runs, failed


def lessons_argument(parser: argparse.ArgumentParser, given: list[Path]) -> list[Path]:
    """The lessons named on a command line (default: _toc.yml's); errors name them."""
    lessons = [p.resolve() for p in given] or toc_lessons()
    missing = [str(p) for p in lessons if not p.is_file()]
    if missing:
        parser.error(f"no such lesson: {', '.join(missing)}")
    return lessons


def _at_least_one(text: str) -> int:
    """A --jobs value: a whole number, 1 or more."""
    try:
        jobs = int(text)
    except ValueError:
        jobs = 0
    if jobs < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number >= 1, got {text!r}")
    return jobs


def jobs_argument(parser: argparse.ArgumentParser) -> None:
    """The --jobs option of every command that executes lessons."""
    parser.add_argument(
        "--jobs",
        type=_at_least_one,
        default=CORES,
        help="lessons executed at a time (default: the cores)",
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("cache", type=Path, help="the jupyter-cache folder")
    parser.add_argument("lessons", nargs="*", type=Path, help="default: _toc.yml's")
    jobs_argument(parser)
    args = parser.parse_args(argv)
    lessons = lessons_argument(parser, args.lessons)
    return run(lessons, Cache(args.cache), args.jobs)


if __name__ == "__main__":
    sys.exit(main())
