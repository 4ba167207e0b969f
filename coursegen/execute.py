"""Execute the lessons side by side into the execution cache, before Sphinx reads them.

myst-nb executes a book's notebooks one after another, while Sphinx reads
them, so a cold build of the course used one of the machine's cores. `make
book` runs this first: every lesson that is not in the cache runs in its own
kernel, as many at a time as there are cores (--jobs), and is stored in
jupyter-cache exactly as myst-nb stores it (the same reader, the same hash of
the code cells). Sphinx then finds every lesson cached and only renders.

It prints which lessons ran and writes a report of each run (kernel start,
the imports cell, the other cells, peak memory of the kernel) beside the cache, for
`make bench`. A lesson that fails stops the build with its name and traceback.

With --outputs-from DIR, a lesson whose code is exactly that of DIR/NAME.ipynb
is cached with that notebook's outputs instead of running. `make test` builds
the book for its browser tests this way from tests/expected, right after nbval
has run every one of those notebooks and found the same outputs: running every
lesson a second time would only repeat that.

    python -m coursegen execute _build/.jupyter_cache [--jobs N]
        [--outputs-from DIR] [LESSON ...]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import asdict, dataclass
from pathlib import Path

from coursegen.course import cell_timeout, toc_lessons

CORES = len(os.sched_getaffinity(0))  # lessons at a time: kernels are single-threaded


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


def _peak_mb(pid: int) -> float:
    """Peak resident memory of a process, from /proc (0 where there is none)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def notebook_client(nb: object, lesson: Path, **hooks: object) -> object:
    """The one way the course executes a lesson's notebook, whatever it is for.

    In the lesson's folder, with the cell timeout of _config.yml, a kernel on IPC
    transport, no timings in the cells (they would change the cache key and the
    expected outputs), and the kernel stopped at once when the outputs are in (a
    graceful stop costs ~0.6 s). The book's cache and tests/expected both use it.
    """
    from nbclient import NotebookClient

    from coursegen.kernels import CourseKernelManager

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


def execute(path: Path) -> tuple[object, Run]:
    """Execute one lesson as myst-nb would (in its folder); the notebook and its Run."""
    from myst_nb.core.read import myst_nb_reader_plugin
    from nbclient.exceptions import CellExecutionError, CellTimeoutError

    nb = myst_nb_reader_plugin(str(path))
    marks: dict[str, float] = {}
    cells: list[float] = []  # seconds per code cell but the imports cell

    def cell_done(cell: dict, **_: object) -> None:
        seconds = time.perf_counter() - marks["cell"]
        lines = cell["source"].splitlines()
        if "imports" not in marks and any(
            line.startswith(("import ", "from ")) for line in lines
        ):
            marks["imports"] = seconds
        else:
            cells.append(seconds)
        # Read while the kernel lives: VmHWM is its peak so far.
        marks["peak"] = _peak_mb(client.km.provisioner.process.pid)

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


def code_of(nb: dict) -> list[str]:
    """The sources of a notebook's code cells."""
    return [cell["source"] for cell in nb["cells"] if cell["cell_type"] == "code"]


def with_outputs_of(nb, executed_path: Path):
    """nb with the outputs of the notebook at executed_path; None unless same code."""
    import nbformat

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


def run(
    lessons: list[Path], cache_dir: Path, jobs: int, outputs_from: Path | None = None
) -> int:
    """Execute the lessons missing from the cache, jobs at a time; 1 if one failed.

    A lesson with the same code as outputs_from/NAME.ipynb takes its outputs.
    """
    from jupyter_cache import get_cache
    from jupyter_cache.base import CacheBundleIn
    from myst_nb.core.read import myst_nb_reader_plugin

    cache = get_cache(str(cache_dir))
    report_file = cache_dir.with_name(cache_dir.name + ".runs.json")
    last = json.loads(report_file.read_text()) if report_file.is_file() else {}

    def expected(path: Path) -> float:
        run = last.get("lessons", {}).get(path.stem)
        return Run(**run).execution if run else path.stat().st_size

    def store(nb, path: Path, **data: object) -> None:
        if cache.create_hashed_notebook(nb)[1] != keys[path]:
            raise RuntimeError(f"the outputs given to {path} changed its cache key")
        cache.cache_notebook_bundle(
            CacheBundleIn(nb, str(path), data=data),
            check_validity=False,
            overwrite=True,
        )

    # Longest first (times of the last runs, else file size), so the cores finish
    # together; a lesson starts as soon as it is found missing from the cache, its
    # kernel starting while the other lessons are checked.
    keys: dict[Path, str] = {}
    futures = {}
    start = time.perf_counter()
    pool = ProcessPoolExecutor(max_workers=jobs)  # no process until a submit
    try:
        for path in sorted(lessons, key=expected, reverse=True):
            nb = myst_nb_reader_plugin(str(path))  # as myst-nb reads it: same key
            try:
                cache.match_cache_notebook(nb)
                continue
            except KeyError:
                keys[path] = cache.create_hashed_notebook(nb)[1]
            done = outputs_from / f"{path.stem}.ipynb" if outputs_from else None
            if done and with_outputs_of(nb, done) is not None:
                store(nb, path, outputs_from=str(outputs_from))
                print(f"  {path.name}: the outputs of {done}")
            else:
                futures[pool.submit(execute, path)] = path
        if not futures:
            print(f"execute lessons: all {len(lessons)} in the cache")
            return 0
        jobs = min(jobs, len(futures))
        print(
            f"execute lessons: {len(futures)} of {len(lessons)} to run, "
            f"{jobs} at a time"
        )
        runs: dict[str, dict] = {}
        failed = []
        for future in as_completed(futures):
            path = futures[future]
            nb, run = future.result()
            runs[run.lesson] = asdict(run)
            if run.error:
                failed.append(path.name)
                print(f"FAILED lesson {path}\n{run.error}", file=sys.stderr)
                continue
            store(nb, path, execution_seconds=run.execution)
            print(
                f"  {path.name}: kernel {run.kernel_start:.1f} s, imports "
                f"{run.imports:.1f} s, rest {run.other_cells:.1f} s, "
                f"peak {run.peak_mb:.0f} MB"
            )
    finally:
        pool.shutdown()
    wall = time.perf_counter() - start
    report = {"jobs": jobs, "wall": wall, "lessons": runs}
    report_file.write_text(json.dumps(report, indent=1) + "\n")
    print(f"execute lessons: {len(futures) - len(failed)} ran in {wall:.1f} s")
    if failed:
        print(f"execute lessons: failed: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("cache", type=Path, help="the jupyter-cache folder")
    parser.add_argument("lessons", nargs="*", type=Path, help="default: _toc.yml's")
    parser.add_argument("--jobs", type=int, default=CORES, help="default: the cores")
    parser.add_argument(
        "--outputs-from",
        type=Path,
        metavar="DIR",
        help="take a lesson's outputs from DIR/NAME.ipynb when its code is the same",
    )
    args = parser.parse_args(argv)
    if args.jobs < 1:
        parser.error(f"--jobs must be >= 1, got {args.jobs}")
    lessons = [p.resolve() for p in args.lessons] or toc_lessons()
    missing = [str(p) for p in lessons if not p.is_file()]
    if missing:
        parser.error(f"no such lesson: {', '.join(missing)}")
    if args.outputs_from and not args.outputs_from.is_dir():
        parser.error(f"--outputs-from: no folder {args.outputs_from}")
    return run(lessons, args.cache, args.jobs, args.outputs_from)


if __name__ == "__main__":
    sys.exit(main())
