"""Unit tests of relu_course.derivative: one-sided derivatives, the
sub-differential, conventions at 0, expected sub-gradients, finite differences
and the torch relu with a chosen gradient at 0.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import example, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import relu_course as rc

FAST = settings(deadline=None, max_examples=40, database=None)

ZEROS = st.sampled_from([0.0, -0.0])
ELEMENTS = st.one_of(
    st.floats(-10.0, 10.0, allow_nan=False, allow_subnormal=False), ZEROS
)
ARRAYS = hnp.arrays(
    np.float64,
    hnp.array_shapes(min_dims=1, max_dims=2, max_side=6),
    elements=ELEMENTS,
)
WITH_ZEROS = np.array([-1.5, -0.0, 0.0, 2.0, 0.0])
CONVENTIONS = [0.0, 0.5, 1.0]
INVALID_CONVENTIONS = [1.5, -0.1, "half", math.nan, True, None]


def relu_slope(v: float, at_zero: float) -> float:
    """The slope of relu at one number, by cases."""
    if v > 0:
        return 1.0
    if v < 0:
        return 0.0
    return at_zero


# --- one-sided derivatives and the sub-differential ---------------------------


@pytest.mark.parametrize("z", [-3.0, -1e-12, -1])
def test_both_one_sided_derivatives_are_zero_for_a_negative_number(z):
    assert rc.relu_left_derivative(z) == 0.0
    assert rc.relu_right_derivative(z) == 0.0
    assert rc.subdifferential(z) == rc.Interval(0.0, 0.0)


@pytest.mark.parametrize("z", [2.0, 1e-12, 5])
def test_both_one_sided_derivatives_are_one_for_a_positive_number(z):
    assert rc.relu_left_derivative(z) == 1.0
    assert rc.relu_right_derivative(z) == 1.0
    assert rc.subdifferential(z) == rc.Interval(1.0, 1.0)


@pytest.mark.parametrize("z", [0.0, -0.0, 0])
def test_at_zero_the_left_derivative_is_zero_and_the_right_one_is_one(z):
    assert rc.relu_left_derivative(z) == 0.0
    assert rc.relu_right_derivative(z) == 1.0
    assert rc.subdifferential(z) == rc.Interval(low=0.0, high=1.0)


@pytest.mark.parametrize("z", [-2.0, -0.25, 0.0, 0.25, 2.0])
def test_one_sided_derivatives_are_the_limits_of_one_sided_quotients(z):
    def relu(v):
        return max(v, 0.0)

    for h in (1e-3, 1e-6):
        left = (relu(z) - relu(z - h)) / h
        right = (relu(z + h) - relu(z)) / h
        assert rc.relu_left_derivative(z) == pytest.approx(left, abs=1e-9)
        assert rc.relu_right_derivative(z) == pytest.approx(right, abs=1e-9)


@FAST
@given(
    z=st.one_of(st.floats(-5, 5), ZEROS),
    y=st.floats(-5, 5),
    t=st.floats(0, 1),
)
def test_every_element_of_the_subdifferential_is_a_subgradient(z, y, t):
    low, high = rc.subdifferential(z)
    g = low + t * (high - low)
    assert max(y, 0.0) >= max(z, 0.0) + g * (y - z) - 1e-12


@pytest.mark.parametrize("g", [-0.1, 1.1])
def test_a_slope_outside_zero_to_one_is_not_a_subgradient_at_zero(g):
    low, high = rc.subdifferential(0.0)
    assert not low <= g <= high
    # The sub-gradient inequality fails at y = 1 or y = -1.
    assert any(max(y, 0.0) < g * y for y in (-1.0, 1.0))


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_one_sided_derivatives_reject_a_non_finite_number(bad):
    for f in (rc.relu_left_derivative, rc.relu_right_derivative, rc.subdifferential):
        with pytest.raises(ValueError, match="z must be a finite real number"):
            f(bad)


def test_one_sided_derivatives_reject_an_array():
    with pytest.raises(ValueError, match="z must be a finite real number"):
        rc.relu_left_derivative(np.array([1.0, 2.0]))


@pytest.mark.parametrize("bad", [[0.0], "0", True])
def test_one_sided_derivatives_reject_non_numbers_with_a_type_error(bad):
    with pytest.raises(TypeError, match=r"^z must be"):
        rc.relu_right_derivative(bad)


@pytest.mark.parametrize("z", [np.float64(0.0), np.float32(2.0), np.int64(-1)])
def test_one_sided_derivatives_accept_numpy_scalars(z):
    assert rc.subdifferential(z) == rc.subdifferential(float(z))


# --- relu_derivative and its conventions at 0 -----------------------------------


@pytest.mark.parametrize("at_zero", CONVENTIONS)
@FAST
@given(z=ARRAYS)
@example(z=WITH_ZEROS)
def test_relu_derivative_is_one_above_zero_zero_below_and_the_convention_at_zero(
    at_zero, z
):
    grad = rc.relu_derivative(z, at_zero=at_zero)
    expected = np.array([relu_slope(v, at_zero) for v in z.ravel()]).reshape(z.shape)
    assert grad.dtype == np.float64
    np.testing.assert_array_equal(grad, expected)


@pytest.mark.parametrize("at_zero", CONVENTIONS)
@FAST
@given(z=ARRAYS)
@example(z=WITH_ZEROS)
def test_relu_derivative_equals_torch_relu_autograd_away_from_zero(at_zero, z):
    t = torch.tensor(z, requires_grad=True)
    torch.relu(t).sum().backward()
    grad = rc.relu_derivative(z, at_zero=at_zero)
    nonzero = z != 0
    np.testing.assert_array_equal(grad[nonzero], t.grad.numpy()[nonzero])


def test_relu_derivative_accepts_a_list_and_a_tensor():
    np.testing.assert_array_equal(
        rc.relu_derivative([-1.0, 0.0, 2.0], at_zero=1.0), [0.0, 1.0, 1.0]
    )
    np.testing.assert_array_equal(
        rc.relu_derivative(torch.tensor([-1.0, 0.0, 2.0]), at_zero=0.5),
        [0.0, 0.5, 1.0],
    )


@pytest.mark.parametrize(("z", "expected"), [(0.0, 0.5), (-2.0, 0.0), (3.0, 1.0)])
def test_relu_derivative_of_a_single_number_uses_the_convention(z, expected):
    assert float(rc.relu_derivative(z, at_zero=0.5)) == expected


@FAST
@given(z=ARRAYS, seed=st.integers(0, 2**32 - 1))
@example(z=WITH_ZEROS, seed=0)
def test_random_convention_draws_each_zero_slope_from_zero_to_one(z, seed):
    grad = rc.relu_derivative(z, at_zero="random", seed=seed)
    zero = z == 0
    assert ((grad[zero] >= 0.0) & (grad[zero] <= 1.0)).all()
    np.testing.assert_array_equal(grad[z > 0], 1.0)
    np.testing.assert_array_equal(grad[z < 0], 0.0)


def test_random_convention_is_reproducible_with_a_seed():
    z = np.zeros(50)
    first = rc.relu_derivative(z, at_zero="random", seed=7)
    np.testing.assert_array_equal(first, rc.relu_derivative(z, "random", seed=7))
    assert not np.array_equal(first, rc.relu_derivative(z, "random", seed=8))


def test_random_convention_draws_a_different_slope_for_each_zero():
    grad = rc.relu_derivative(np.zeros(200), at_zero="random", seed=1)
    assert len(np.unique(grad)) == 200
    # Uniform on [0, 1]: the mean is 1/2 within a few standard errors.
    assert abs(grad.mean() - 0.5) < 5 * math.sqrt(1 / 12 / 200)


@pytest.mark.parametrize("at_zero", INVALID_CONVENTIONS)
def test_relu_derivative_rejects_a_convention_outside_the_subdifferential(at_zero):
    with pytest.raises(ValueError, match=r"sub-differential \[0, 1\] or 'random'"):
        rc.relu_derivative(np.zeros(2), at_zero=at_zero)


def test_relu_derivative_rejects_nan():
    with pytest.raises(ValueError, match="must not contain NaN"):
        rc.relu_derivative(np.array([0.0, math.nan]))


# --- expected sub-gradients -----------------------------------------------------


def beta_mean_by_integration(a: float, b: float, n: int = 200_000) -> float:
    """E[X] for X ~ Beta(a, b), by the midpoint rule on the density (no scipy)."""
    x = (np.arange(n) + 0.5) / n
    log_norm = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    density = np.exp(log_norm + (a - 1) * np.log(x) + (b - 1) * np.log1p(-x))
    return float(np.sum(x * density) / n)


def test_expected_subgradient_of_the_uniform_distribution_at_zero_is_one_half():
    assert rc.expected_subgradient() == 0.5
    assert rc.expected_subgradient(0.0, a=1, b=1) == 0.5


@pytest.mark.parametrize(("a", "b"), [(1.0, 1.0), (3.0, 1.0), (2.0, 5.0), (4, 2.5)])
def test_expected_subgradient_at_zero_is_the_beta_mean(a, b):
    assert rc.expected_subgradient(0.0, a, b) == pytest.approx(a / (a + b), rel=1e-15)
    assert rc.expected_subgradient(0.0, a, b) == pytest.approx(
        beta_mean_by_integration(a, b), abs=1e-6
    )


@pytest.mark.parametrize(("z", "slope"), [(-2.0, 0.0), (3.0, 1.0)])
@pytest.mark.parametrize(("a", "b"), [(1.0, 1.0), (0.5, 4.0)])
def test_expected_subgradient_away_from_zero_is_the_derivative(z, slope, a, b):
    assert rc.expected_subgradient(z, a, b) == slope


@pytest.mark.parametrize(("a", "b"), [(1.0, 1.0), (3.0, 1.0), (0.5, 0.5), (2.0, 5.0)])
def test_monte_carlo_subgradient_agrees_with_the_expectation_within_its_error(a, b):
    n = 20_000
    mean = a / (a + b)
    variance = a * b / ((a + b) ** 2 * (a + b + 1))
    standard_error = math.sqrt(variance / n)
    estimate = rc.monte_carlo_subgradient(n, 0.0, a, b, seed=3)
    assert abs(estimate - rc.expected_subgradient(0.0, a, b)) < 5 * standard_error
    assert abs(estimate - mean) < 5 * standard_error


def test_monte_carlo_subgradient_is_reproducible_with_a_seed():
    first = rc.monte_carlo_subgradient(1000, seed=5)
    assert first == rc.monte_carlo_subgradient(1000, seed=5)
    assert first != rc.monte_carlo_subgradient(1000, seed=6)


@pytest.mark.parametrize(("z", "slope"), [(-1.0, 0.0), (1.0, 1.0)])
def test_monte_carlo_subgradient_away_from_zero_is_exactly_the_derivative(z, slope):
    assert rc.monte_carlo_subgradient(100, z=z, a=2.0, b=3.0) == slope


@pytest.mark.parametrize("n", [0, -5, 1.5, True, "10"])
def test_monte_carlo_subgradient_rejects_a_bad_sample_size(n):
    with pytest.raises(ValueError, match="n must be an integer >= 1"):
        rc.monte_carlo_subgradient(n)


@pytest.mark.parametrize(("a", "b"), [(0.0, 1.0), (1.0, 0.0), (-1.0, 2.0)])
def test_beta_parameters_must_be_positive(a, b):
    with pytest.raises(ValueError, match="a and b must be > 0"):
        rc.expected_subgradient(0.0, a, b)
    with pytest.raises(ValueError, match="a and b must be > 0"):
        rc.monte_carlo_subgradient(10, 0.0, a, b)


# --- finite differences ----------------------------------------------------------

SMOOTH = [
    (math.sin, math.cos),
    (math.exp, math.exp),
    (lambda v: v**3, lambda v: 3 * v**2),
    (math.atan, lambda v: 1 / (1 + v * v)),
]


@pytest.mark.parametrize(("f", "df"), SMOOTH)
@pytest.mark.parametrize("z", [-1.3, 0.0, 0.7, 2.0])
def test_central_difference_approximates_a_smooth_derivative(f, df, z):
    assert rc.finite_difference(f, z, h=1e-5) == pytest.approx(df(z), abs=1e-8)


@pytest.mark.parametrize("kind", ["forward", "backward"])
@pytest.mark.parametrize(("f", "df"), SMOOTH)
@pytest.mark.parametrize("z", [-1.3, 0.0, 0.7])
def test_one_sided_differences_approximate_a_smooth_derivative(kind, f, df, z):
    estimate = rc.finite_difference(f, z, h=1e-7, kind=kind)
    assert estimate == pytest.approx(df(z), abs=1e-5)


def test_one_sided_differences_have_errors_of_opposite_sign_on_a_convex_function():
    # exp is convex: the forward quotient overshoots and the backward undershoots.
    forward = rc.finite_difference(math.exp, 0.0, h=1e-3, kind="forward")
    backward = rc.finite_difference(math.exp, 0.0, h=1e-3, kind="backward")
    assert backward < 1.0 < forward


@pytest.mark.parametrize("h", [1e-1, 1e-6, 1e-9])
def test_finite_differences_of_relu_at_zero_are_one_half_one_and_zero(h):
    assert rc.finite_difference(rc.relu, 0.0, h=h) == 0.5
    assert rc.finite_difference(rc.relu, 0.0, h=h, kind="forward") == 1.0
    assert rc.finite_difference(rc.relu, 0.0, h=h, kind="backward") == 0.0


@pytest.mark.parametrize("kind", ["central", "forward", "backward"])
@pytest.mark.parametrize("z", [-2.0, 3.0])
def test_finite_differences_of_relu_away_from_zero_are_the_derivative(kind, z):
    estimate = rc.finite_difference(rc.relu, z, kind=kind)
    assert estimate == pytest.approx(rc.relu_right_derivative(z), abs=1e-6)


@pytest.mark.parametrize("h", [0.0, -1e-3, math.nan])
def test_finite_difference_rejects_a_step_that_is_not_positive(h):
    with pytest.raises(ValueError, match="h must be > 0"):
        rc.finite_difference(math.sin, 0.0, h=h)


def test_finite_difference_rejects_an_unknown_kind_listing_the_valid_ones():
    with pytest.raises(
        ValueError, match="kind must be one of 'central', 'forward', 'backward'"
    ):
        rc.finite_difference(math.sin, 0.0, kind="symmetric")


def test_finite_difference_rejects_a_non_finite_point():
    with pytest.raises(ValueError, match="z must be a finite real number"):
        rc.finite_difference(math.sin, math.inf)


# --- relu_with_convention -----------------------------------------------------------


@pytest.mark.parametrize("at_zero", CONVENTIONS)
@FAST
@given(z=ARRAYS)
@example(z=WITH_ZEROS)
def test_relu_with_convention_forward_equals_torch_relu_and_backward_the_convention(
    at_zero, z
):
    # Distinct non-zero upstream gradients: +1, -2, +3, -4, ...
    weights = ((-1.0) ** np.arange(z.size) * np.arange(1, z.size + 1)).reshape(z.shape)
    t = torch.tensor(z, requires_grad=True)
    out = rc.relu_with_convention(t, at_zero=at_zero)
    torch.testing.assert_close(out, torch.relu(t), rtol=0, atol=0)

    (grad,) = torch.autograd.grad((out * torch.from_numpy(weights)).sum(), t)
    slopes = np.array([relu_slope(v, at_zero) for v in z.ravel()]).reshape(z.shape)
    np.testing.assert_array_equal(grad.numpy(), weights * slopes)

    # Away from 0 the gradient is torch.relu's.
    reference = t.detach().clone().requires_grad_(True)
    (torch_grad,) = torch.autograd.grad(
        (torch.relu(reference) * torch.from_numpy(weights)).sum(), reference
    )
    nonzero = z != 0
    np.testing.assert_array_equal(grad.numpy()[nonzero], torch_grad.numpy()[nonzero])


def test_relu_with_convention_keeps_a_float32_tensor_float32():
    t = torch.tensor([-1.0, 0.0, 1.0], requires_grad=True)
    out = rc.relu_with_convention(t, at_zero=1.0)
    out.sum().backward()
    assert out.dtype == torch.float32
    assert t.grad.dtype == torch.float32
    assert torch.equal(t.grad, torch.tensor([0.0, 1.0, 1.0]))


def test_relu_with_random_convention_draws_zero_slopes_in_zero_to_one_reproducibly():
    z = torch.tensor([-1.0, 0.0, 0.0, 0.0, 2.0], requires_grad=True)

    def grad_with_seed(seed: int) -> torch.Tensor:
        torch.manual_seed(seed)
        (g,) = torch.autograd.grad(rc.relu_with_convention(z, "random").sum(), z)
        return g

    grad = grad_with_seed(0)
    assert grad[0] == 0.0
    assert grad[-1] == 1.0
    assert ((grad[1:4] >= 0) & (grad[1:4] <= 1)).all()
    assert len(set(grad[1:4].tolist())) == 3
    assert torch.equal(grad, grad_with_seed(0))
    assert not torch.equal(grad, grad_with_seed(1))


@pytest.mark.parametrize("at_zero", INVALID_CONVENTIONS)
def test_relu_with_convention_rejects_a_convention_outside_zero_to_one(at_zero):
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        rc.relu_with_convention(torch.zeros(2), at_zero=at_zero)
    with pytest.raises(ValueError, match=r"\[0, 1\]"):
        rc.ReLUWithConvention(at_zero)


def test_relu_with_convention_needs_a_tensor():
    with pytest.raises(TypeError, match="z must be a torch tensor, got ndarray"):
        rc.relu_with_convention(np.zeros(2))


# --- ReLUWithConvention in a model -------------------------------------------------


@pytest.mark.parametrize("at_zero", CONVENTIONS)
def test_relu_with_convention_module_sets_the_gradient_at_zero_inside_a_model(
    at_zero,
):
    model = torch.nn.Sequential(
        torch.nn.Linear(1, 2), rc.ReLUWithConvention(at_zero), torch.nn.Linear(2, 1)
    )
    with torch.no_grad():
        model[0].weight.copy_(torch.tensor([[1.0], [2.0]]))
        model[0].bias.copy_(torch.tensor([0.0, -2.0]))
        model[2].weight.copy_(torch.tensor([[3.0, -5.0]]))
    x = torch.tensor([[0.0], [1.0]])
    # Pre-activations: x = 0 -> (0, -2), x = 1 -> (1, 0): two exact zeros.
    model(x).sum().backward()
    slopes = [[relu_slope(0.0, at_zero), relu_slope(-2.0, at_zero)]]
    slopes.append([relu_slope(1.0, at_zero), relu_slope(0.0, at_zero)])
    w1 = [3.0, -5.0]
    expected = [w1[j] * (slopes[0][j] + slopes[1][j]) for j in range(2)]
    assert model[0].bias.grad.tolist() == pytest.approx(expected)


def test_relu_with_convention_module_matches_nn_relu_on_a_regressor_off_zero():
    torch.manual_seed(0)
    plain = rc.Regressor(5)
    custom = rc.Regressor(5, activation=rc.ReLUWithConvention(0.5))
    custom.load_state_dict(plain.state_dict())
    x = torch.linspace(-3, 3, 17).reshape(-1, 1) + 0.01
    for model in (plain, custom):
        model(x).pow(2).mean().backward()
    torch.testing.assert_close(custom(x), plain(x))
    for p, q in zip(custom.parameters(), plain.parameters(), strict=True):
        torch.testing.assert_close(p.grad, q.grad)


def test_relu_with_convention_module_shows_its_convention():
    assert repr(rc.ReLUWithConvention(0.5)) == "ReLUWithConvention(at_zero=0.5)"
    assert repr(rc.ReLUWithConvention("random")) == (
        "ReLUWithConvention(at_zero='random')"
    )


# --- measure_grad_at_zero -------------------------------------------------------------


def _independent_grad_at_zero(expression) -> float:
    z = torch.zeros((), requires_grad=True)
    (grad,) = torch.autograd.grad(expression(z), z)
    return float(grad)


INDEPENDENT_WAYS = {
    "torch.relu(z)": lambda z: torch.relu(z),
    "F.relu(z)": lambda z: torch.nn.functional.relu(z),
    "nn.ReLU()(z)": lambda z: torch.nn.ReLU()(z),
    "z.clamp(min=0)": lambda z: torch.clamp(z, min=0.0),
    "torch.maximum(z, 0)": lambda z: torch.maximum(z, torch.tensor(0.0)),
    "torch.where(z > 0, z, 0)": lambda z: torch.where(z > 0, z, torch.tensor(0.0)),
    "z * (z > 0)": lambda z: z * (z > 0).to(z.dtype),
}


def test_measure_grad_at_zero_covers_every_way_of_writing_relu():
    assert set(rc.measure_grad_at_zero()) == set(INDEPENDENT_WAYS)


@pytest.mark.parametrize("name", sorted(INDEPENDENT_WAYS))
def test_measure_grad_at_zero_matches_an_independent_autograd_computation(name):
    measured = rc.measure_grad_at_zero()[name]
    assert isinstance(measured, float)
    assert measured == _independent_grad_at_zero(INDEPENDENT_WAYS[name])


@pytest.mark.parametrize("name", sorted(INDEPENDENT_WAYS))
def test_every_measured_gradient_at_zero_is_a_subgradient(name):
    low, high = rc.subdifferential(0.0)
    assert low <= rc.measure_grad_at_zero()[name] <= high


def test_the_three_library_relus_agree_at_zero():
    grads = rc.measure_grad_at_zero()
    assert grads["torch.relu(z)"] == grads["F.relu(z)"] == grads["nn.ReLU()(z)"]
