"""Unit tests of relu_course.activation: relu, its variants and the reshaped relus.

Values and gradients are compared with torch.nn.functional on random arrays that
always hold exact zeros and negative zeros; number inputs with the math module.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import relu_course as rc

FAST = settings(deadline=None, max_examples=40, database=None)

ZEROS = st.sampled_from([0.0, -0.0])


def finite_floats(width: int = 64) -> st.SearchStrategy[float]:
    """Floats of moderate size (no NaN, inf or subnormals), mixed with +-0.0."""
    floats = st.floats(-30.0, 30.0, allow_nan=False, allow_subnormal=False, width=width)
    return st.one_of(floats, ZEROS)


def float_arrays(dtype: type = np.float64, elements=None) -> st.SearchStrategy:
    """Arrays of 1 or 2 dimensions whose elements mix floats and exact zeros."""
    width = 32 if dtype == np.float32 else 64
    return hnp.arrays(
        dtype,
        hnp.array_shapes(min_dims=1, max_dims=2, max_side=6),
        elements=elements if elements is not None else finite_floats(width),
    )


NONZERO_FLOATS = st.one_of(
    st.floats(1e-3, 30.0, allow_subnormal=False),
    st.floats(-30.0, -1e-3, allow_subnormal=False),
)

# The zeros of both signs, and one value on each side, as an explicit example.
WITH_ZEROS = np.array([-1.5, -0.0, 0.0, 2.0])


def _torch_prelu(t: torch.Tensor, a: float) -> torch.Tensor:
    return F.prelu(t, torch.tensor([a], dtype=t.dtype))


# name -> (function of the package, the same function written with torch)
TORCH_REFERENCES = {
    "relu": (rc.relu, F.relu),
    "leaky_relu": (
        functools.partial(rc.leaky_relu, slope=0.1),
        functools.partial(F.leaky_relu, negative_slope=0.1),
    ),
    "prelu": (
        functools.partial(rc.prelu, a=0.25),
        functools.partial(_torch_prelu, a=0.25),
    ),
    "elu": (
        functools.partial(rc.elu, alpha=1.5),
        functools.partial(F.elu, alpha=1.5),
    ),
    "gelu": (rc.gelu, functools.partial(F.gelu, approximate="none")),
    "silu": (rc.silu, F.silu),
    "sigmoid": (rc.sigmoid, torch.sigmoid),
    "tanh": (rc.tanh, torch.tanh),
    "reshaped_relu": (
        functools.partial(rc.reshaped_relu, w=-2.0, b=0.5, scale=3.0, offset=-1.0),
        lambda t: 3.0 * F.relu(-2.0 * t + 0.5) - 1.0,
    ),
}
NAMES = sorted(TORCH_REFERENCES)

# name -> the function written with the math module, for one Python float.
MATH_REFERENCES = {
    "relu": lambda v: max(v, 0.0),
    "leaky_relu": lambda v: v if v > 0 else 0.1 * v,
    "prelu": lambda v: v if v > 0 else 0.25 * v,
    "elu": lambda v: v if v > 0 else 1.5 * math.expm1(v),
    "gelu": lambda v: 0.5 * v * (1.0 + math.erf(v / math.sqrt(2.0))),
    "silu": lambda v: v / (1.0 + math.exp(-v)),
    "sigmoid": lambda v: 1.0 / (1.0 + math.exp(-v)),
    "tanh": math.tanh,
    "reshaped_relu": lambda v: 3.0 * max(-2.0 * v + 0.5, 0.0) - 1.0,
}

TOLERANCES = {
    np.float64: {"rtol": 1e-10, "atol": 1e-12},
    np.float32: {"rtol": 1e-5, "atol": 1e-6},
}


def _package_and_torch(name: str):
    return TORCH_REFERENCES[name]


# --- relu_python ---------------------------------------------------------------


@pytest.mark.parametrize("z", [-2, -0.5, -1e-300])
def test_relu_python_of_a_negative_number_is_zero(z):
    assert rc.relu_python(z) == 0


@pytest.mark.parametrize("z", [3, 0.25, 1e-300, 1e300])
def test_relu_python_of_a_positive_number_is_the_number_itself(z):
    assert rc.relu_python(z) == z


def test_relu_python_keeps_the_type_of_an_integer_input():
    assert type(rc.relu_python(-7)) is int
    assert type(rc.relu_python(7)) is int


def test_relu_python_maps_nan_to_zero_unlike_numpy_and_torch():
    assert rc.relu_python(math.nan) == 0.0
    assert np.isnan(rc.relu(np.array([math.nan]))[0])
    assert torch.isnan(torch.relu(torch.tensor([math.nan])))[0]


@pytest.mark.parametrize(
    ("bad", "kind"), [(True, "bool"), ("1.0", "str"), ([1.0], "list"), (None, "None")]
)
def test_relu_python_rejects_anything_but_a_real_number_naming_z(bad, kind):
    with pytest.raises(TypeError, match=rf"^z must be a real number, got {kind}"):
        rc.relu_python(bad)


# --- relu on numbers, arrays and tensors --------------------------------------


def test_relu_of_a_negative_number_is_zero():
    assert rc.relu(-1.5) == 0.0
    assert rc.relu(-4) == 0


def test_relu_of_zero_of_either_sign_is_zero():
    assert rc.relu(0.0) == 0.0
    assert rc.relu(-0.0) == 0.0


def test_relu_of_a_positive_number_is_the_number_itself():
    assert rc.relu(2.5) == 2.5


def test_relu_of_a_python_int_returns_a_python_int():
    assert type(rc.relu(-4)) is int
    assert type(rc.relu(5)) is int
    assert rc.relu(5) == 5


@FAST
@given(z=float_arrays(np.float64))
@example(z=WITH_ZEROS)
def test_relu_of_a_numpy_array_equals_torch_relu_exactly(z):
    out = rc.relu(z)
    assert isinstance(out, np.ndarray)
    assert out.dtype == z.dtype
    np.testing.assert_array_equal(out, F.relu(torch.from_numpy(z)).numpy())


def test_relu_keeps_integer_arrays_integer():
    z = np.array([-3, 0, 5], dtype=np.int64)
    out = rc.relu(z)
    assert out.dtype == np.int64
    np.testing.assert_array_equal(out, [0, 0, 5])


def test_relu_keeps_integer_tensors_integer_and_equal_to_torch_relu():
    z = torch.tensor([-3, 0, 5])
    out = rc.relu(z)
    assert out.dtype == torch.int64
    assert torch.equal(out, torch.relu(z))


@FAST
@given(
    z=float_arrays(np.float64, elements=st.one_of(finite_floats(), st.just(math.nan)))
)
def test_relu_of_an_array_keeps_nan_where_torch_keeps_it(z):
    out = rc.relu(z)
    np.testing.assert_array_equal(np.isnan(out), np.isnan(z))
    np.testing.assert_array_equal(out, torch.relu(torch.from_numpy(z)).numpy())


# --- every activation against torch -------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@FAST
@given(z=float_arrays(np.float64))
@example(z=WITH_ZEROS)
def test_activation_of_a_float64_array_matches_torch(name, z):
    f, reference = _package_and_torch(name)
    out = f(z)
    assert isinstance(out, np.ndarray)
    assert out.shape == z.shape
    expected = reference(torch.from_numpy(z)).numpy()
    np.testing.assert_allclose(out, expected, **TOLERANCES[np.float64])


@pytest.mark.parametrize("name", NAMES)
@FAST
@given(z=float_arrays(np.float32))
@example(z=WITH_ZEROS.astype(np.float32))
def test_activation_of_a_float32_array_keeps_float32_and_matches_torch(name, z):
    f, reference = _package_and_torch(name)
    out = f(z)
    assert out.dtype == np.float32
    expected = reference(torch.from_numpy(z)).numpy()
    np.testing.assert_allclose(out, expected, **TOLERANCES[np.float32])


@pytest.mark.parametrize("name", NAMES)
@FAST
@given(z=float_arrays(np.float64))
def test_activation_of_a_float32_array_matches_torch_in_value(name, z):
    # The values agree even where the dtype is not kept (see the test above).
    z = z.astype(np.float32)
    f, reference = _package_and_torch(name)
    expected = reference(torch.from_numpy(z)).numpy()
    np.testing.assert_allclose(f(z), expected, **TOLERANCES[np.float32])


@pytest.mark.parametrize("name", NAMES)
@FAST
@given(z=float_arrays(np.float32))
def test_activation_of_a_float32_tensor_returns_a_float32_tensor_like_torch(name, z):
    f, reference = _package_and_torch(name)
    t = torch.from_numpy(z)
    out = f(t)
    assert isinstance(out, torch.Tensor)
    assert out.dtype == torch.float32
    assert out.shape == t.shape
    torch.testing.assert_close(out, reference(t), rtol=1e-5, atol=1e-6)


def _gradient(f, z: np.ndarray, weights: np.ndarray) -> torch.Tensor:
    """d/dz of sum(weights * f(z)), by autograd, for a float64 leaf tensor."""
    t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
    out = f(t)
    assert out.requires_grad
    (grad,) = torch.autograd.grad((out * torch.from_numpy(weights)).sum(), t)
    return grad


@pytest.mark.parametrize("name", NAMES)
@FAST
@given(data=st.data())
def test_activation_gradient_away_from_zero_equals_torch_gradient(name, data):
    z = data.draw(float_arrays(np.float64, elements=NONZERO_FLOATS), label="z")
    weights = data.draw(hnp.arrays(np.float64, z.shape, elements=st.floats(-2, 2)))
    f, reference = _package_and_torch(name)
    torch.testing.assert_close(
        _gradient(f, z, weights),
        _gradient(reference, z, weights),
        rtol=1e-10,
        atol=1e-12,
    )


@pytest.mark.parametrize("name", NAMES)
@FAST
@given(z=float_arrays(np.float64))
@example(z=WITH_ZEROS)
def test_activation_gradient_with_exact_zeros_equals_torch_gradient(name, z):
    f, reference = _package_and_torch(name)
    weights = np.ones_like(z)
    torch.testing.assert_close(
        _gradient(f, z, weights),
        _gradient(reference, z, weights),
        rtol=1e-10,
        atol=1e-12,
    )


@pytest.mark.parametrize("slope", [0.01, 0.2])
def test_leaky_relu_gradient_at_zero_is_the_slope_as_in_torch(slope):
    z = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    rc.leaky_relu(z, slope=slope).sum().backward()
    # Any value in [slope, 1] is a valid sub-gradient; torch picks the slope.
    expected = torch.full_like(z, slope)
    torch.testing.assert_close(z.grad, expected, rtol=0, atol=0)


def test_relu_of_a_tensor_keeps_the_autograd_graph_and_gives_zero_grad_below_zero():
    z = torch.tensor([-2.0, 3.0], requires_grad=True)
    rc.relu(z).sum().backward()
    assert torch.equal(z.grad, torch.tensor([0.0, 1.0]))


# --- numbers in, numbers out ----------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("z", [-2.5, -0.3, 0.0, 0.1, 1.7])
def test_activation_of_a_python_float_is_a_python_float_close_to_math(name, z):
    f, _ = _package_and_torch(name)
    out = f(z)
    assert type(out) is float
    # float32-level agreement; see the next test for double precision.
    assert out == pytest.approx(MATH_REFERENCES[name](z), rel=1e-6, abs=1e-7)


@pytest.mark.parametrize("name", NAMES)
def test_activation_of_a_python_float_is_computed_in_double_precision(name):
    f, _ = _package_and_torch(name)
    z = 0.1  # not a float32 number: rounding it to float32 moves it by ~1.5e-9
    assert f(z) == pytest.approx(MATH_REFERENCES[name](z), rel=1e-13, abs=1e-15)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "relu"])
def test_activation_of_a_python_int_is_a_float(name):
    f, _ = _package_and_torch(name)
    out = f(-2)
    assert type(out) is float
    assert out == pytest.approx(MATH_REFERENCES[name](-2.0), rel=1e-6)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "relu"])
def test_activation_of_an_integer_array_equals_that_of_the_float64_array(name):
    z = np.array([-3, -1, 0, 2, 4])
    f, _ = _package_and_torch(name)
    out = f(z)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, f(z.astype(np.float64)), rtol=1e-12)


@pytest.mark.parametrize("name", [n for n in NAMES if n != "relu"])
def test_activation_of_an_integer_tensor_equals_that_of_the_float64_tensor(name):
    z = torch.tensor([-3, -1, 0, 2, 4])
    f, _ = _package_and_torch(name)
    out = f(z)
    assert out.dtype == torch.float64
    torch.testing.assert_close(out, f(z.double()))


@pytest.mark.parametrize("name", NAMES)
def test_activation_of_an_array_propagates_nan(name):
    z = np.array([math.nan, -1.0, 0.0, 1.0, math.nan])
    f, _ = _package_and_torch(name)
    np.testing.assert_array_equal(np.isnan(f(z)), np.isnan(z))


# --- what is refused ------------------------------------------------------------


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ([1.0, -1.0], r"^z must be a number, .* got list \(wrap it with numpy"),
        ((1.0,), r"^z must be a number, .* got tuple \(wrap it with numpy"),
        ("1.0", r"^z must be a number, a numpy array or a torch tensor, got str$"),
        (True, r"^z must be a number, a numpy array or a torch tensor, got bool$"),
        (None, r"^z must be a number, .* got NoneType$"),
        (np.array([True, False]), r"^z must hold numbers, got dtype bool$"),
        (np.array(["a"]), r"^z must hold numbers, got dtype <U1$"),
    ],
)
def test_activation_rejects_non_numeric_input_with_a_type_error_naming_z(
    name, bad, message
):
    f, _ = _package_and_torch(name)
    with pytest.raises(TypeError, match=message):
        f(bad)


@pytest.mark.parametrize("slope", [-0.1, 1.0, 2.0])
def test_leaky_relu_rejects_a_slope_outside_zero_to_one(slope):
    with pytest.raises(ValueError, match=r"slope must be in \[0, 1\)"):
        rc.leaky_relu(np.zeros(2), slope=slope)


@pytest.mark.parametrize("alpha", [0.0, -1.0])
def test_elu_rejects_a_non_positive_alpha(alpha):
    with pytest.raises(ValueError, match="alpha must be > 0"):
        rc.elu(1.0, alpha=alpha)


# --- prelu with an array of slopes -------------------------------------------------


def test_prelu_applies_one_slope_per_element_like_torch():
    z = np.array([-2.0, -1.0, 0.0, 3.0])
    a = np.array([0.1, 0.5, 0.9, 0.2])
    expected = np.array([v if v > 0 else s * v for v, s in zip(z, a, strict=True)])
    np.testing.assert_allclose(rc.prelu(z, a), expected, rtol=1e-15)


def test_prelu_with_a_learned_slope_tensor_gets_a_gradient_for_the_slope():
    z = torch.tensor([-2.0, -0.5, 1.0])
    a = torch.tensor(0.3, requires_grad=True)
    rc.prelu(z, a).sum().backward()
    # d/da sum(a * min(z, 0)) = sum of the negative inputs.
    assert a.grad == pytest.approx(-2.5)


# --- positive_part and reshaped_relu ----------------------------------------------


def square_minus_one(x):
    return x * x - 1


@pytest.mark.parametrize("x", [-3.0, -1.0, -0.5, 0.0, 0.5, 1.0, 2.0])
def test_positive_part_is_the_function_where_positive_and_zero_elsewhere(x):
    f_plus = rc.positive_part(square_minus_one)
    assert f_plus(x) == max(x * x - 1, 0.0)


def test_positive_part_works_elementwise_on_arrays():
    x = np.linspace(-2, 2, 9)
    np.testing.assert_array_equal(
        rc.positive_part(square_minus_one)(x), np.clip(x * x - 1, 0, None)
    )


def test_positive_part_is_named_after_the_function():
    assert rc.positive_part(square_minus_one).__name__ == "square_minus_one_plus"
    assert rc.positive_part(lambda x: x).__name__ == "<lambda>_plus"


def test_positive_part_of_a_callable_without_a_name_is_called_f_plus():
    nameless = functools.partial(square_minus_one)
    assert not hasattr(nameless, "__name__")
    assert rc.positive_part(nameless).__name__ == "f_plus"


def test_positive_part_rejects_a_non_callable():
    with pytest.raises(TypeError, match="f must be callable, got int"):
        rc.positive_part(3)


@FAST
@given(
    z=float_arrays(np.float64),
    w=st.floats(-3, 3).filter(lambda v: v != 0),
    b=st.floats(-3, 3),
    scale=st.floats(-3, 3),
    offset=st.floats(-3, 3),
)
def test_reshaped_relu_is_scale_times_relu_of_w_z_plus_b_plus_offset(
    z, w, b, scale, offset
):
    out = rc.reshaped_relu(z, w=w, b=b, scale=scale, offset=offset)
    expected = scale * F.relu(w * torch.from_numpy(z) + b) + offset
    np.testing.assert_allclose(out, expected.numpy(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize(("w", "b"), [(1.0, 1.5), (-2.0, 1.0), (0.5, -1.0)])
def test_reshaped_relu_has_its_kink_at_minus_b_over_w(w, b):
    kink = -b / w
    h = 1e-3
    f = functools.partial(rc.reshaped_relu, w=w, b=b, scale=2.0, offset=0.5)
    assert f(kink) == pytest.approx(0.5, abs=1e-6)
    slopes = [(f(kink + h) - f(kink)) / h, (f(kink) - f(kink - h)) / h]
    # One side is flat, the other has slope scale * w.
    assert sorted(slopes, key=abs) == pytest.approx([0.0, 2.0 * w], abs=1e-3)


@pytest.mark.parametrize("name", ["w", "b", "scale", "offset"])
@pytest.mark.parametrize("value", [math.inf, -math.inf, math.nan])
def test_reshaped_relu_rejects_a_non_finite_parameter_by_name(name, value):
    with pytest.raises(ValueError, match=rf"^{name} must be a finite number"):
        rc.reshaped_relu(1.0, **{name: value})
