"""Unit tests of relu_course.digits: scikit-learn's digits, read without sklearn."""

from __future__ import annotations

import gzip
import importlib.util
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import relu_course as rc
from relu_course import digits


def test_load_digits_equals_scikit_learns_data_and_target_exactly():
    from sklearn.datasets import load_digits

    expected = load_digits()
    x, y = rc.load_digits()
    np.testing.assert_array_equal(x, expected.data)
    np.testing.assert_array_equal(y, expected.target)
    assert y.dtype == expected.target.dtype
    assert x.dtype == np.float32


def test_load_digits_gives_scikit_learns_images_with_images_true():
    from sklearn.datasets import load_digits

    images, _ = rc.load_digits(images=True)
    np.testing.assert_array_equal(images, load_digits().images)


def test_the_digits_are_integer_pixels_0_to_16_of_ten_classes():
    x, y = rc.load_digits()
    assert x.shape == (1797, 64)
    assert np.array_equal(x, np.round(x))
    assert (x.min(), x.max()) == (0, 16)
    assert sorted(set(y.tolist())) == list(range(10))


def test_digits_file_is_inside_the_installed_sklearn_package():
    spec = importlib.util.find_spec("sklearn")
    assert spec is not None
    assert spec.submodule_search_locations
    place = Path(next(iter(spec.submodule_search_locations)))
    assert rc.digits_file() == place / "datasets" / "data" / "digits.csv.gz"


def test_loading_the_digits_does_not_import_scikit_learn_or_scipy():
    code = (
        "import sys; from relu_course.digits import load_digits; load_digits(); "
        "print(sorted(m for m in ('sklearn', 'scipy') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"


def test_a_missing_scikit_learn_is_named_with_how_to_install_it(monkeypatch):
    monkeypatch.setattr(digits.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModuleNotFoundError, match=r"scikit-learn.*pip install"):
        rc.load_digits()


def test_a_scikit_learn_without_the_file_is_named(monkeypatch, tmp_path):
    spec = importlib.util.spec_from_loader("sklearn", loader=None, is_package=True)
    assert spec is not None
    assert spec.submodule_search_locations is not None
    spec.submodule_search_locations.append(str(tmp_path))
    monkeypatch.setattr(digits.importlib.util, "find_spec", lambda name: spec)
    with pytest.raises(FileNotFoundError, match=r"digits\.csv\.gz"):
        rc.digits_file()


def test_a_file_of_the_wrong_width_is_refused(monkeypatch, tmp_path):
    path = tmp_path / "digits.csv.gz"
    with gzip.open(path, "wt") as file:
        file.write("0,1,2\n3,4,5\n")
    monkeypatch.setattr(digits, "digits_file", lambda: path)
    with pytest.raises(ValueError, match="65 columns, has 3"):
        rc.load_digits()


def test_images_must_be_a_bool():
    with pytest.raises(TypeError, match="images must be True or False"):
        rc.load_digits(images=1)  # type: ignore[arg-type]
