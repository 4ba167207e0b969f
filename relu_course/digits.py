"""The handwritten digits scikit-learn ships, read without importing scikit-learn.

``sklearn.datasets.load_digits`` costs over a second of imports (scikit-learn
and SciPy); the file it reads is 58 kB of CSV, which NumPy parses in
milliseconds. ``load_digits`` here reads that same file, found on disk through
the import system, so the data are scikit-learn's exactly.

Introduced in the lesson "Why ReLU won".
"""

from __future__ import annotations

import gzip
import importlib.util
from pathlib import Path

import numpy as np

__all__ = ["digits_file", "load_digits"]

PACKAGE = "scikit-learn"  # the name pip installs; its module is sklearn
RELATIVE = Path("datasets", "data", "digits.csv.gz")  # inside the sklearn package
N_PIXELS = 64  # 8 x 8 pixels, then one column for the digit


def digits_file() -> Path:
    """The path of scikit-learn's ``digits.csv.gz``, without importing scikit-learn.

    >>> digits_file().name
    'digits.csv.gz'
    """
    spec = importlib.util.find_spec("sklearn")
    places = list(spec.submodule_search_locations or []) if spec else []
    for place in places:
        path = Path(place) / RELATIVE
        if path.is_file():
            return path
    if not places:
        raise ModuleNotFoundError(
            f"the digits data ship with {PACKAGE}, which is not installed: "
            f"install it with `pip install {PACKAGE}`"
        )
    raise FileNotFoundError(
        f"{PACKAGE} is installed in {places} but has no {RELATIVE.as_posix()}: "
        f"reinstall it with `pip install --force-reinstall {PACKAGE}`"
    )


def load_digits(images: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 digits as (X, y): pixels 0..16 as float32, digits as int64.

    X has shape (1797, 64), one row of 8 x 8 pixels per digit, row by row, or
    (1797, 8, 8) with ``images=True``; the same values, order and dtype of
    target as ``sklearn.datasets.load_digits()`` (whose data are float64).

    >>> x, y = load_digits(); x.shape, x.dtype, y[:5].tolist()
    ((1797, 64), dtype('float32'), [0, 1, 2, 3, 4])
    >>> load_digits(images=True)[0].shape
    (1797, 8, 8)
    """
    if not isinstance(images, bool):
        raise TypeError(f"images must be True or False, got {images!r}")
    with gzip.open(digits_file(), "rt", encoding="utf-8") as file:
        table = np.loadtxt(file, delimiter=",", dtype=np.int64, ndmin=2)
    if table.shape[1] != N_PIXELS + 1:
        raise ValueError(
            f"{digits_file()} should have {N_PIXELS + 1} columns, has {table.shape[1]}"
        )
    x = table[:, :N_PIXELS].astype(np.float32)
    return (x.reshape(-1, 8, 8) if images else x), table[:, N_PIXELS]
