"""Shared test configuration: how nbval checks the lessons, and the kernel sets.

nbval re-runs each expected-output notebook in tests/expected and compares its
text outputs; this file adds three things to that comparison:
- figures, compared with their expected PNGs within an RMS tolerance;
- numbers within a tolerance, for the cells whose metadata asks for one;
- `--kernels all` (or names): run each notebook under each CPU kernel set of
  KERNEL_SETS, so that `make test` shows the course is true on other machines.
"""

from __future__ import annotations

import base64
import contextlib
import math
import os
import platform
import re
from pathlib import Path

import matplotlib
import nbval.kernel
import pytest
from matplotlib.testing.compare import compare_images
from matplotlib.testing.exceptions import ImageComparisonFailure
from nbval.plugin import IPyNbCell, IPyNbFile

from coursegen import forkserver
from coursegen.course import pin_execution_env
from coursegen.execute import imported
from coursegen.kernels import CourseKernelManager

matplotlib.use("Agg")  # tests draw off-screen; lessons keep the inline backend

ROOT = Path(__file__).resolve().parents[1]
# nbval's kernels on IPC transport, like every kernel the course starts
# (coursegen/kernels.py: no port race between parallel starts, no TCP warning).
nbval.kernel.KernelManager = CourseKernelManager

# Root-mean-square difference allowed between an expected and a fresh figure, in
# grey levels out of 255. The same numbers give identical pixels; the slack
# absorbs anti-aliasing noise, while a moved line or a changed label is far above
# it (tests/test_expected_outputs.py proves both).
FIGURE_RMS_TOLERANCE = 2.0
# A cell whose figure draws measured curves that move by a fraction of a pixel
# between CPUs may state a larger one, `tolerance: {figure_rms: 3}`, and no more
# than this: one changed letter of a small figure's legend is still above it
# (tests/test_expected_outputs.py).
FIGURE_RMS_MOST = 3.0
DIFFS = ROOT / "_build" / "figure-diffs"

# Lessons run by nbval (and the nbval runs of the tests) get the execution
# environment of tools/execution.env, as under `make`, where it is unset.
pin_execution_env()


# --- kernel sets ----------------------------------------------------------------


def _generic_kernels() -> dict[str, str]:
    """The environment that makes NumPy, PyTorch, MKL and oneDNN use the code
    paths every CPU of this architecture has, none of its vector extensions."""
    from numpy._core import _multiarray_umath as numpy_simd

    env = {
        # PyTorch's kernels without AVX2/AVX-512 (or SVE): valid on every CPU.
        "ATEN_CPU_CAPABILITY": "default",
        # NumPy: switch off every feature it dispatches at run time, so only its
        # baseline remains (X86_V2 on x86-64, NEON on ARM64).
        "NPY_DISABLE_CPU_FEATURES": " ".join(numpy_simd.__cpu_dispatch__),
    }
    if platform.machine().lower() in {"x86_64", "amd64"}:  # only x86 has these
        env |= {"MKL_CBWR": "COMPATIBLE", "ONEDNN_MAX_CPU_ISA": "SSE41"}
    return env


def _two_threads() -> dict[str, str]:
    """Two threads: PyTorch and MKL split their sums, so they add in another order.
    Waiting threads sleep instead of spinning (speed only: two lessons of two
    threads each share two cores; spinning made that 4x slower than sleeping)."""
    return {"OMP_NUM_THREADS": "2", "OMP_WAIT_POLICY": "PASSIVE"}


# Each set is an environment for the kernels nbval starts. `make test` runs every
# lesson under each, against the same expected outputs.
KERNEL_SETS = {
    # This machine's own kernels (AVX2 or AVX-512 on x86), one thread as in the book.
    "native": dict,
    # Another machine: the oldest kernels of the architecture, as an older or a
    # different CPU rounds, and two threads, as a reader's Jupyter without the
    # book's one-thread pin sums. One set for both (they were two until make
    # test's time budget): a lesson true under native and this is true under each.
    "other": lambda: _generic_kernels() | _two_threads(),
}
# Each change of "other" alone, to find which one moves a lesson that fails under
# it: `make nbval LESSONS=x KERNELS=generic,threads2`. Not in `--kernels all`.
ONE_CHANGE = {"generic": _generic_kernels, "threads2": _two_threads}


def _kernel_sets(value: str) -> list[str]:
    """The names of `--kernels`: one set, several separated by commas, or all."""
    names = list(KERNEL_SETS) if value == "all" else value.split(",")
    known = KERNEL_SETS | ONE_CHANGE
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise ValueError(f"unknown kernel sets {unknown}; choose from {list(known)}")
    return names


def pytest_addoption(parser):
    parser.addoption(
        "--kernels",
        help="run each notebook once under each of these CPU kernel sets: "
        "'all' (the sets make test uses: "
        f"{', '.join(KERNEL_SETS)}), or names separated by commas among "
        f"{', '.join(KERNEL_SETS | ONE_CHANGE)} "
        "(default: the environment as it is)",
    )


def pytest_configure(config):
    if config.getoption("kernels", default=None):
        config.option.kernels = _kernel_sets(config.option.kernels)
    # nbval's kernels are forked from a server per kernel set that has imported
    # what lessons import (coursegen/forkserver.py). Set before xdist starts its
    # workers, which inherit it and share the servers; lessons never edit the
    # modules a server holds, so nothing it imported goes stale in a session.
    config.forkservers = contextlib.ExitStack()
    if config.getoption("nbval", default=False):
        imports = _imported(config.args)
        config.forkservers.enter_context(forkserver.serving(imports))


def _imported(args: list[str]) -> set[str] | None:
    """The top-level modules the notebooks named on the command line import (None
    if it names none): what their kernels' servers need to import ahead."""
    notebooks: list[Path] = []
    for arg in args:
        path = Path(arg.split("::")[0])
        notebooks += sorted(path.glob("*.ipynb")) if path.is_dir() else [path]
    notebooks = [nb for nb in notebooks if nb.suffix == ".ipynb" and nb.is_file()]
    return imported(notebooks) if notebooks else None


def pytest_unconfigure(config):
    config.forkservers.close()


def pytest_report_header(config):
    names = config.getoption("kernels", default=None)
    if names:
        known = KERNEL_SETS | ONE_CHANGE
        return [f"lesson kernels {name}: {known[name]()}" for name in names]
    return None


class KernelSetNotebook(IPyNbFile):
    """A notebook whose kernel starts in the environment of one kernel set."""

    kernel_set = "native"

    def setup(self):
        saved = dict(os.environ)
        os.environ.update((KERNEL_SETS | ONE_CHANGE)[self.kernel_set]())
        try:
            super().setup()  # starts the kernel, which inherits the environment
        finally:
            os.environ.clear()
            os.environ.update(saved)


@pytest.hookimpl(wrapper=True)
def pytest_collect_file(file_path, parent):
    """With --kernels, collect each notebook once per kernel set, as
    `notebook.ipynb[set]`, so that one session spreads them all over its workers."""
    collected = yield
    names = parent.config.getoption("kernels", default=None)
    if not names:
        return collected
    result = []
    for node in collected:
        if type(node) is not IPyNbFile:
            result.append(node)
            continue
        for name in names:
            notebook = KernelSetNotebook.from_parent(
                parent,
                path=file_path,
                name=f"{file_path.name}[{name}]",
                nodeid=f"{node.nodeid or file_path.name}[{name}]",
            )
            notebook.kernel_set = name
            result.append(notebook)
    return result


# --- numbers within a tolerance -------------------------------------------------
# A code cell may state how far its printed numbers may move between machines,
# in its metadata (in the lesson, the cell's YAML header: `tolerance: {rtol: 0.01}`).
# Every number of its text outputs is then compared within
#     |fresh - expected| <= atol + rtol * |expected| + last_digit * unit
# where unit is one unit of the number's last printed digit (0.1 for "2464.5",
# 1000 for "2.6e+04"): `last_digit: 1` lets a value that sits on a rounding
# boundary print either way, and nothing more. The words between the numbers
# must be the same (spacing aside). Cells without it are compared exactly.
# `tolerance: {machine_specific: true}` is for a cell that shows what this
# machine's kernels do (the prose says so): its numbers are not compared at all,
# only its words; its checks must hold on any machine.

TOLERANCES = ("rtol", "atol", "last_digit")
FIGURE_RMS = "figure_rms"  # the cell's figures' tolerance, not its numbers'
MACHINE_SPECIFIC = {"machine_specific": True}
NUMBER = re.compile(
    r"[-+]?(?:\d{1,3}(?:,\d{3})+|\d+)(?:\.\d*)?(?:[eE][-+]?\d+)?"
    r"|[-+]?\.\d+(?:[eE][-+]?\d+)?"
)


def _tolerance(metadata) -> dict[str, float] | None:
    """rtol, atol and last_digit from a cell's metadata, or None if it states none."""
    stated = metadata.get("tolerance")
    if stated is None:
        return None
    if stated == MACHINE_SPECIFIC:
        return {"rtol": 0.0, "atol": math.inf, "last_digit": 0.0}
    if (
        not isinstance(stated, dict)
        or not stated
        or set(stated) - {*TOLERANCES, FIGURE_RMS}
    ):
        raise ValueError(
            f"cell metadata 'tolerance' takes {', '.join(TOLERANCES)}, "
            f"{FIGURE_RMS}, or only machine_specific: true; got {stated!r}"
        )
    stated = {name: value for name, value in stated.items() if name != FIGURE_RMS}
    if not stated:  # a figure's tolerance only: the numbers are compared exactly
        return None
    tolerance = {name: float(stated.get(name, 0)) for name in TOLERANCES}
    if not (0 <= tolerance["rtol"] < 1 and min(tolerance.values()) >= 0):
        raise ValueError(
            f"tolerance needs 0 <= rtol < 1, atol and last_digit >= 0: {stated}"
        )
    return tolerance


def _last_digit(number: str) -> float:
    """One unit of the last printed digit of a number: 0.01 for '4.34'."""
    mantissa, _, exponent = number.lower().partition("e")
    decimals = len(mantissa.partition(".")[2])
    return 10.0 ** (int(exponent or 0) - decimals)


def _split(text: str) -> tuple[list[str], list[str]]:
    """The words between the numbers (spacing collapsed) and the numbers."""
    return [" ".join(part.split()) for part in NUMBER.split(text)], NUMBER.findall(text)


def _value(number: str) -> float:
    return float(number.replace(",", ""))


def numbers_within(
    fresh: str, expected: str, rtol: float = 0, atol: float = 0, last_digit: float = 0
) -> tuple[bool, list[str]]:
    """Whether two texts say the same within the tolerance, and what differs."""
    fresh_words, fresh_numbers = _split(fresh)
    expected_words, expected_numbers = _split(expected)
    if fresh_words != expected_words:
        return False, ["the words between the numbers differ"]
    outside = []
    for got, want in zip(fresh_numbers, expected_numbers, strict=True):
        unit = max(_last_digit(got), _last_digit(want))
        allowed = atol + rtol * abs(_value(want)) + last_digit * unit
        if abs(_value(got) - _value(want)) > allowed * (1 + 1e-9):
            outside.append(f"{got} against {want}")
    return not outside, outside


def _texts(output) -> dict[str, tuple[dict, str]]:
    """Every text of a notebook output that may hold numbers: name -> (box, key)."""
    if output.get("output_type") == "stream":
        return {f"stream {output.get('name')}": (output, "text")}
    data = output.get("data", {})
    return {
        key: (data, key)
        for key in data
        if key.startswith(("text/", "application/papermill.record/text/"))
    }


_compare_exactly = IPyNbCell.compare_outputs


def _compare_within_tolerance(self, test, ref, skip_compare=None):
    """nbval's comparison, after accepting numbers within the cell's tolerance."""
    tolerance = _tolerance(self.cell.metadata)
    outside = []
    if tolerance is not None and len(test) == len(ref):
        for fresh, expected in zip(test, ref, strict=True):
            expected_texts = _texts(expected)
            for name, (box, key) in _texts(fresh).items():
                if name not in expected_texts or not isinstance(box[key], str):
                    continue
                expected_box, expected_key = expected_texts[name]
                # Sanitized first, as nbval compares: an id hashed from numbers
                # that move within the tolerance (an explorable's) moves too.
                same, differences = numbers_within(
                    self.sanitize(box[key]),
                    self.sanitize(expected_box[expected_key]),
                    **tolerance,
                )
                if same:  # then nbval sees the expected text itself
                    box[key] = expected_box[expected_key]
                outside += differences
    matches = _compare_exactly(self, test, ref, skip_compare)
    if not matches and outside:
        stated = ", ".join(f"{k} {v:g}" for k, v in tolerance.items() if v)
        self.comparison_traceback.append(
            f"outside the cell's tolerance ({stated}): " + "; ".join(outside)
        )
    return matches


IPyNbCell.compare_outputs = _compare_within_tolerance


# --- figures --------------------------------------------------------------------


def _pngs(outputs: list) -> list[bytes]:
    return [
        base64.b64decode(out["data"]["image/png"])
        for out in outputs or []
        if "image/png" in out.get("data", {})
    ]


def _figure_tolerance(metadata) -> float:
    """The RMS a cell's figures may differ by: FIGURE_RMS_TOLERANCE, or what the
    cell states, between that and FIGURE_RMS_MOST."""
    stated = metadata.get("tolerance")
    if not isinstance(stated, dict) or FIGURE_RMS not in stated:
        return FIGURE_RMS_TOLERANCE
    rms = float(stated[FIGURE_RMS])
    if not FIGURE_RMS_TOLERANCE <= rms <= FIGURE_RMS_MOST:
        raise ValueError(
            f"tolerance {FIGURE_RMS} must be between {FIGURE_RMS_TOLERANCE} and "
            f"{FIGURE_RMS_MOST} grey levels; got {stated[FIGURE_RMS]!r}"
        )
    return rms


def _check_figures(item) -> None:
    """Compare each PNG a lesson cell drew with the one in its expected output."""
    expected, actual = _pngs(item.cell.outputs), _pngs(item.test_outputs)
    name = f"{item.parent.name.replace('.ipynb', '')}-cell{item.cell_num}"
    if len(expected) != len(actual):
        pytest.fail(f"{name}: drew {len(actual)} figures, expected {len(expected)}")
    tolerance = _figure_tolerance(item.cell.metadata)
    DIFFS.mkdir(parents=True, exist_ok=True)
    for number, (want, got) in enumerate(zip(expected, actual, strict=True)):
        stem = DIFFS / f"{name}-{number}"
        paths = [
            stem.with_name(f"{stem.name}-{kind}.png") for kind in ("expected", "actual")
        ]
        for path, data in zip(paths, (want, got), strict=True):
            path.write_bytes(data)
        try:
            error = compare_images(*map(str, paths), tol=tolerance)
        except ImageComparisonFailure as failure:  # raised for a different size
            error = str(failure)
        if error is not None:
            pytest.fail(
                f"{name}: figure {number} differs from its expected image "
                f"(tolerance RMS {tolerance:g}); see {DIFFS}: {error}"
            )
        for path in paths:
            path.unlink()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After nbval has run and compared a cell's text, compare its figures too."""
    result = yield
    if isinstance(item, IPyNbCell) and item.test_outputs is not None:
        _check_figures(item)
    return result


# --- unit tests (tests/test_*.py) ----------------------------------------------
# Only what the unit tests share. torch is already imported by relu_course.


@pytest.fixture(autouse=True, scope="session")
def _one_torch_thread():
    """Run torch on one thread: the unit tests' tensors are tiny, and on a busy
    2-core machine torch's spinning worker threads make each step ~100x slower."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def cubic():
    """The course's cubic data set (relu_course.data.cubic_data), default size."""
    import relu_course as rc

    return rc.cubic_data()


@pytest.fixture(scope="module")
def trained(cubic):
    """A short full-batch run on `cubic`: 25 epochs, a snapshot every 10."""
    import relu_course as rc

    x, y = cubic
    model, history = rc.train(x, y, epochs=25, snapshot_every=10, n_hidden=6)
    return model, history


@pytest.fixture
def small_renders():
    """Figures rendered at a low resolution (fast), and none left open after."""
    import matplotlib.pyplot as plt

    with matplotlib.rc_context({"savefig.dpi": 30}):
        yield
    plt.close("all")


@pytest.fixture(scope="module")
def training_run():
    """cubic data on 40 points, shuffled, and a 20-epoch history of a 3-unit
    regressor (3 snapshots): what the animation tests animate."""
    import numpy as np

    import relu_course as rc

    x, y = rc.cubic_data(40)
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    _, history = rc.train(x, y, epochs=20, snapshot_every=10, n_hidden=3)
    assert [s.epoch for s in history.snapshots] == [0, 10, 20]
    return x, y, history


@pytest.fixture
def animate(training_run):
    """Make training animations of `training_run`; every one left unrendered is
    drawn once at the end (matplotlib warns about an animation deleted unrendered,
    and warnings are errors)."""
    import relu_course as rc

    made = []

    def make(**kwargs):
        x, y, history = training_run
        anim = rc.training_animation(history, x, y, **kwargs)
        made.append(anim)
        return anim

    yield make
    for anim in made:
        if not getattr(anim, "_draw_was_started", True):
            anim._fig.canvas.draw()  # one real render; starts the animation


# --- end of the unit-test block ------------------------------------------------
