"""Shared test configuration: figure checks for the nbval runs of the lessons."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import matplotlib
import pytest
from matplotlib.testing.compare import compare_images
from matplotlib.testing.exceptions import ImageComparisonFailure

matplotlib.use("Agg")  # tests draw off-screen; lessons keep the inline backend

ROOT = Path(__file__).resolve().parents[1]
# Root-mean-square difference allowed between an expected and a fresh figure, in
# grey levels out of 255. Same pins give identical pixels; the slack absorbs
# anti-aliasing noise, while a moved line or a changed label is far above it.
FIGURE_RMS_TOLERANCE = 2.0
DIFFS = ROOT / "_build" / "figure-diffs"

# Lessons run by nbval (and the nbval runs of the tests) get the pinned threads
# and CPU kernels of tools/execution.env, as under `make`, when those are unset.
_ENV = ROOT / "tools" / "execution.env"
for _line in _ENV.read_text().splitlines() if _ENV.exists() else []:
    if _line and not _line.startswith("#"):
        _name, _, _value = _line.partition("=")
        os.environ.setdefault(_name, _value)


def _pngs(outputs: list) -> list[bytes]:
    return [
        base64.b64decode(out["data"]["image/png"])
        for out in outputs or []
        if "image/png" in out.get("data", {})
    ]


def _check_figures(item) -> None:
    """Compare each PNG a lesson cell drew with the one in its expected output."""
    expected, actual = _pngs(item.cell.outputs), _pngs(item.test_outputs)
    name = f"{Path(item.parent.path).stem}-cell{item.cell_num}"
    if len(expected) != len(actual):
        pytest.fail(f"{name}: drew {len(actual)} figures, expected {len(expected)}")
    DIFFS.mkdir(parents=True, exist_ok=True)
    for number, (want, got) in enumerate(zip(expected, actual, strict=True)):
        stem = DIFFS / f"{name}-{number}"
        paths = [
            stem.with_name(f"{stem.name}-{kind}.png") for kind in ("expected", "actual")
        ]
        for path, data in zip(paths, (want, got), strict=True):
            path.write_bytes(data)
        try:
            error = compare_images(*map(str, paths), tol=FIGURE_RMS_TOLERANCE)
        except ImageComparisonFailure as failure:  # raised for a different size
            error = str(failure)
        if error is not None:
            pytest.fail(
                f"{name}: figure {number} differs from its expected image "
                f"(tolerance RMS {FIGURE_RMS_TOLERANCE}); see {DIFFS}: {error}"
            )
        for path in paths:
            path.unlink()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    """After nbval has run and compared a cell's text, compare its figures too."""
    result = yield
    if type(item).__name__ == "IPyNbCell" and item.test_outputs is not None:
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


# --- end of the unit-test block ------------------------------------------------
