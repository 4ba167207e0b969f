"""Unit tests of relu_course.data: the data sets of the source articles."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import relu_course as rc


def test_cubic_data_is_x_cubed_on_an_even_float32_grid():
    x, y = rc.cubic_data()
    assert x.shape == y.shape == (300,)
    assert x.dtype == y.dtype == np.float32
    assert (x[0], x[-1]) == (-10.0, 10.0)
    np.testing.assert_allclose(np.diff(x), 20 / 299, rtol=1e-4)
    np.testing.assert_allclose(y, x.astype(np.float64) ** 3, rtol=1e-6, atol=1e-6)


def test_cubic_data_takes_its_size_and_range():
    x, y = rc.cubic_data(11, low=-1.0, high=1.0)
    np.testing.assert_allclose(x, np.linspace(-1, 1, 11), rtol=1e-6, atol=1e-7)
    np.testing.assert_allclose(y, np.linspace(-1, 1, 11) ** 3, rtol=1e-5, atol=1e-7)


def test_cubic_data_is_the_same_on_every_call():
    a, b = rc.cubic_data(), rc.cubic_data()
    np.testing.assert_array_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def _article_noisy_quadratic(seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Tony Phung's recipe, written as in the article (global NumPy seed)."""
    state = np.random.get_state()  # noqa: NPY002 - restored below
    try:
        np.random.seed(seed)  # noqa: NPY002 - the article's own calls
        x = torch.linspace(-2, 2, 20)
        y = 3 * x**2 + 2 * x + 1
        y = y + y * np.random.normal(scale=0.15, size=20)  # noqa: NPY002
        y = y + np.random.normal(scale=1.5, size=20)  # noqa: NPY002
    finally:
        np.random.set_state(state)  # noqa: NPY002
    return x.numpy(), np.asarray(y)


# The article multiplies a tensor by a NumPy array, which NumPy 2 warns about.
ARRAY_WRAP = "ignore:__array_wrap__ must accept context:DeprecationWarning"


@pytest.mark.filterwarnings(ARRAY_WRAP)
@pytest.mark.parametrize("seed", [42, 7])
def test_noisy_quadratic_data_reproduces_the_article_recipe(seed):
    x, y = rc.noisy_quadratic_data(seed)
    x_article, y_article = _article_noisy_quadratic(seed)
    np.testing.assert_array_equal(x, x_article)
    np.testing.assert_allclose(y, y_article, rtol=1e-12, atol=1e-12)


def test_noisy_quadratic_data_shapes_dtypes_and_determinism():
    x, y = rc.noisy_quadratic_data()
    assert x.shape == y.shape == (20,)
    assert x.dtype == np.float32
    assert y.dtype == np.float64
    np.testing.assert_allclose(x, np.linspace(-2, 2, 20), rtol=1e-6, atol=1e-7)
    _, y2 = rc.noisy_quadratic_data()
    np.testing.assert_array_equal(y, y2)
    assert not np.array_equal(y, rc.noisy_quadratic_data(seed=43)[1])


def test_noisy_quadratic_data_does_not_touch_the_global_numpy_stream():
    np.random.seed(0)  # noqa: NPY002
    expected = np.random.rand()  # noqa: NPY002
    np.random.seed(0)  # noqa: NPY002
    rc.noisy_quadratic_data()
    assert np.random.rand() == expected  # noqa: NPY002


def test_wiggly_data_reproduces_the_article_recipe():
    state = np.random.get_state()  # noqa: NPY002
    try:
        np.random.seed(42)  # noqa: NPY002
        x = np.random.rand(200, 1)  # noqa: NPY002
        y = np.cos(6 * x) + np.random.randn(200, 1) * 0.08  # noqa: NPY002
    finally:
        np.random.set_state(state)  # noqa: NPY002
    x_package, y_package = rc.wiggly_data()
    np.testing.assert_array_equal(x_package, x[:, 0])
    np.testing.assert_array_equal(y_package, y[:, 0])


def test_wiggly_data_shapes_dtypes_range_and_determinism():
    x, y = rc.wiggly_data(n=50, seed=1, noise=0.0)
    assert x.shape == y.shape == (50,)
    assert x.dtype == y.dtype == np.float64
    assert ((x >= 0) & (x < 1)).all()
    np.testing.assert_allclose(y, np.cos(6 * x), rtol=1e-15)
    np.testing.assert_array_equal(x, rc.wiggly_data(n=50, seed=1)[0])
    assert not np.array_equal(x, rc.wiggly_data(n=50, seed=2)[0])
