"""The derivative of relu: one-sided derivatives, the sub-differential, the
conventions at 0, expected sub-gradients and a torch relu with a chosen
convention.

Introduced in the lesson "The derivative and its sub-gradients".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Real
from typing import Any, Literal, NamedTuple

import numpy as np
import torch

from relu_course.activation import ArrayLike, _kind

__all__ = [
    "Interval",
    "ReLUWithConvention",
    "expected_subgradient",
    "finite_difference",
    "measure_grad_at_zero",
    "monte_carlo_subgradient",
    "relu_derivative",
    "relu_left_derivative",
    "relu_right_derivative",
    "relu_with_convention",
    "subdifferential",
]

# What may stand for the slope at z = 0: a number in [0, 1] or "random".
Convention = float | Literal["random"]


class Interval(NamedTuple):
    """A closed interval [low, high]."""

    low: float
    high: float


def _real(z: object, name: str = "z") -> float:
    """z as a float, with a clear error for anything but a finite real number."""
    # A numpy scalar (np.float32(2.0), np.int64(-1)) is a number here too.
    if _kind(z, name) == "numpy" and isinstance(z, np.ndarray | np.generic):
        z = z.item() if z.ndim == 0 else z
    if _kind(z, name) != "number" or not isinstance(z, Real) or not math.isfinite(z):
        raise ValueError(f"{name} must be a finite real number, got {z!r}")
    return float(z)


def relu_left_derivative(z: float) -> float:
    """relu'(z-) = lim_{h->0+} (relu(z) - relu(z - h)) / h: 1 if z > 0 else 0.

    >>> relu_left_derivative(0.0), relu_left_derivative(2.0)
    (0.0, 1.0)
    """
    return 1.0 if _real(z) > 0 else 0.0


def relu_right_derivative(z: float) -> float:
    """relu'(z+) = lim_{h->0+} (relu(z + h) - relu(z)) / h: 1 if z >= 0 else 0.

    >>> relu_right_derivative(0.0), relu_right_derivative(-2.0)
    (1.0, 0.0)
    """
    return 1.0 if _real(z) >= 0 else 0.0


def subdifferential(z: float) -> Interval:
    """The sub-differential of relu at z: {0} for z < 0, {1} for z > 0, [0, 1] at 0.

    Every g in it satisfies relu(y) >= relu(z) + g * (y - z) for all y.

    >>> subdifferential(0.0)
    Interval(low=0.0, high=1.0)
    """
    return Interval(relu_left_derivative(z), relu_right_derivative(z))


def _check_convention(at_zero: Convention) -> None:
    if at_zero == "random":
        return
    if (
        isinstance(at_zero, bool)
        or not isinstance(at_zero, Real)
        or not 0.0 <= at_zero <= 1.0
    ):
        raise ValueError(
            "at_zero must be a number in the sub-differential [0, 1] or 'random', "
            f"got {at_zero!r}"
        )


def relu_derivative(
    z: ArrayLike, at_zero: Convention = 0.0, seed: int | None = None
) -> np.ndarray:
    """relu'(z) = 1 if z > 0, 0 if z < 0, and `at_zero` (from [0, 1]) at z = 0.

    With at_zero="random", each exact zero draws its own slope uniformly from
    [0, 1] (seeded by `seed`).

    >>> relu_derivative([-1.0, 0.0, 2.0], at_zero=0.5)
    array([0. , 0.5, 1. ])
    """
    _check_convention(at_zero)
    x = np.asarray(z, dtype=float)
    if np.isnan(x).any():
        raise ValueError("z must not contain NaN: relu has no derivative there")
    # np.where gives a writable array even for a 0-d input (astype gives a scalar).
    grad = np.where(x > 0, 1.0, 0.0)
    zero = x == 0
    if at_zero == "random":
        grad[zero] = np.random.default_rng(seed).uniform(0.0, 1.0, zero.sum())
    else:
        grad[zero] = at_zero
    return grad


def expected_subgradient(z: float = 0.0, a: float = 1.0, b: float = 1.0) -> float:
    """E[g] for g = low + (high - low) * Beta(a, b) on the sub-differential at z.

    The uniform distribution is Beta(1, 1): E[g] = low + (high - low) / 2,
    which is 0.5 at z = 0.

    >>> expected_subgradient(), expected_subgradient(a=3, b=1)
    (0.5, 0.75)
    """
    if a <= 0 or b <= 0:
        raise ValueError(f"a and b must be > 0, got a={a}, b={b}")
    low, high = subdifferential(z)
    return low + (high - low) * a / (a + b)


def monte_carlo_subgradient(
    n: int, z: float = 0.0, a: float = 1.0, b: float = 1.0, seed: int = 0
) -> float:
    """Mean of n draws of g = low + (high - low) * Beta(a, b): estimates E[g].

    >>> round(monte_carlo_subgradient(100_000, seed=0), 2)
    0.5
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be an integer >= 1, got {n!r}")
    expected_subgradient(z, a, b)  # validates a and b
    low, high = subdifferential(z)
    draws = np.random.default_rng(seed).beta(a, b, size=n)
    return float(np.mean(low + (high - low) * draws))


def finite_difference(
    f: Callable[[float], float],
    z: float,
    h: float = 1e-6,
    kind: Literal["central", "forward", "backward"] = "central",
) -> float:
    """(f(z + h) - f(z - h)) / 2h, or the one-sided forward or backward quotient.

    >>> from relu_course.activation import relu
    >>> finite_difference(relu, 0.0), finite_difference(relu, 0.0, kind="forward")
    (0.5, 1.0)
    """
    if not h > 0:
        raise ValueError(f"h must be > 0, got {h}")
    z = _real(z)
    if kind == "central":
        return (f(z + h) - f(z - h)) / (2 * h)
    if kind == "forward":
        return (f(z + h) - f(z)) / h
    if kind == "backward":
        return (f(z) - f(z - h)) / h
    raise ValueError(
        f"kind must be one of 'central', 'forward', 'backward', got {kind!r}"
    )


class _ReLUAtZero(torch.autograd.Function):
    """relu whose backward uses a chosen slope where the input is exactly 0."""

    @staticmethod
    def forward(ctx: Any, z: torch.Tensor, at_zero: Convention) -> torch.Tensor:
        ctx.save_for_backward(z)
        ctx.at_zero = at_zero
        return z.clamp(min=0)

    @staticmethod
    def backward(ctx: Any, grad_out: torch.Tensor) -> tuple[torch.Tensor, None]:
        (z,) = ctx.saved_tensors
        if ctx.at_zero == "random":
            slope_at_zero = torch.rand_like(z)
        else:
            slope_at_zero = torch.full_like(z, float(ctx.at_zero))
        slope = torch.where(z > 0, 1.0, torch.where(z == 0, slope_at_zero, 0.0))
        return grad_out * slope, None


def relu_with_convention(z: torch.Tensor, at_zero: Convention = 0.0) -> torch.Tensor:
    """relu(z) whose gradient at z = 0 is `at_zero` (a number in [0, 1] or "random").

    >>> z = torch.zeros(2, requires_grad=True)
    >>> relu_with_convention(z, at_zero=0.5).sum().backward()
    >>> z.grad
    tensor([0.5000, 0.5000])
    """
    if not isinstance(z, torch.Tensor):
        raise TypeError(f"z must be a torch tensor, got {type(z).__name__}")
    _check_convention(at_zero)
    # Function.apply is unannotated in torch: what it returns is forward's result.
    out: torch.Tensor = _ReLUAtZero.apply(z, at_zero)  # type: ignore[no-untyped-call]
    return out


class ReLUWithConvention(torch.nn.Module):
    """nn.ReLU with an explicit gradient at 0, to drop into a model.

    >>> ReLUWithConvention(1.0)
    ReLUWithConvention(at_zero=1.0)
    """

    def __init__(self, at_zero: Convention = 0.0) -> None:
        super().__init__()
        _check_convention(at_zero)
        self.at_zero = at_zero

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return relu_with_convention(z, self.at_zero)

    def extra_repr(self) -> str:
        return f"at_zero={self.at_zero!r}"


def _grad_at_zero(f: Callable[[torch.Tensor], torch.Tensor]) -> float:
    """d f / d z at z = 0, as PyTorch's autograd computes it."""
    z = torch.zeros((), requires_grad=True)
    torch.autograd.backward(f(z))  # f(z).backward(), which torch leaves unannotated
    assert z.grad is not None
    return float(z.grad)


def measure_grad_at_zero() -> dict[str, float]:
    """Run autograd at z = 0 through each way PyTorch offers to write relu.

    >>> sorted(measure_grad_at_zero())[:2]
    ['F.relu(z)', 'nn.ReLU()(z)']
    """
    zero = torch.zeros(())
    ways: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
        "torch.relu(z)": torch.relu,
        "F.relu(z)": torch.nn.functional.relu,
        "nn.ReLU()(z)": torch.nn.ReLU(),
        "z.clamp(min=0)": lambda z: z.clamp(min=0),
        "torch.maximum(z, 0)": lambda z: torch.maximum(z, zero),
        "torch.where(z > 0, z, 0)": lambda z: torch.where(z > 0, z, zero),
        "z * (z > 0)": lambda z: z * (z > 0),
    }
    return {name: _grad_at_zero(f) for name, f in ways.items()}
