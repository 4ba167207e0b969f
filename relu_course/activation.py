"""Activation functions: relu for numbers, arrays and tensors, its variants, and
the reshaped relus the lessons plot.

Every function here accepts a Python number, a NumPy array or a torch tensor
and returns the same kind of thing. torch is never imported by this module: a
tensor can only reach it once the caller has imported torch.

Introduced in the lesson "What is ReLU?".
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable
from numbers import Real
from typing import Any, TypeAlias

import numpy as np

# A number, a numpy array or a torch tensor (torch is typed loosely on purpose).
ArrayLike: TypeAlias = Any

__all__ = [
    "elu",
    "gelu",
    "leaky_relu",
    "positive_part",
    "prelu",
    "relu",
    "relu_python",
    "reshaped_relu",
    "sigmoid",
    "silu",
    "tanh",
]


def relu_python(z: float) -> float:
    """Pure-Python reference: relu(z) = z if z > 0 else 0.

    Kept for teaching; it works on one number at a time. NaN > 0 is False,
    so NaN maps to 0 here, unlike NumPy and PyTorch, which keep the NaN.

    >>> relu_python(3.5), relu_python(-2), relu_python(0.0)
    (3.5, 0, 0.0)
    """
    if isinstance(z, bool) or not isinstance(z, Real):
        raise TypeError(f"z must be a real number, got {type(z).__name__}")
    return z if z > 0 else type(z)(0)


def _torch_tensor_type() -> type | None:
    """torch.Tensor if torch has been imported, else None (no import here)."""
    torch = sys.modules.get("torch")
    return None if torch is None else torch.Tensor


def _kind(z: object, name: str = "z") -> str:
    """Classify z as 'number', 'numpy' or 'torch'; anything else is a TypeError."""
    tensor = _torch_tensor_type()
    if tensor is not None and isinstance(z, tensor):
        return "torch"
    if isinstance(z, np.ndarray | np.generic) and not isinstance(z, np.bool_):
        if not np.issubdtype(z.dtype, np.number):
            raise TypeError(f"{name} must hold numbers, got dtype {z.dtype}")
        return "numpy"
    if isinstance(z, Real) and not isinstance(z, bool):
        return "number"
    hint = " (wrap it with numpy.asarray)" if isinstance(z, list | tuple) else ""
    raise TypeError(
        f"{name} must be a number, a numpy array or a torch tensor, "
        f"got {type(z).__name__}{hint}"
    )


def relu(z: ArrayLike) -> ArrayLike:
    """relu(z) = max(0, z), elementwise, for numbers, numpy arrays and tensors.

    >>> import numpy as np
    >>> relu(np.array([-2.0, 0.0, 3.0]))
    array([0., 0., 3.])
    >>> relu(-4)
    0
    """
    kind = _kind(z)
    if kind == "torch":
        return z.relu()
    if kind == "numpy":
        # np.maximum propagates NaN, like torch.relu; 0 keeps the array's dtype.
        return np.maximum(z, 0)
    return relu_python(z)


def _as_float_array(z: ArrayLike, name: str = "z") -> tuple[Any, str]:
    """Return z as a float array or tensor, and its kind (to convert back)."""
    kind = _kind(z, name)
    if kind == "torch":
        return (z if z.is_floating_point() else z.double()), kind
    if kind == "number":
        # NumPy 2 treats a Python float as weakly typed: ask for float64 outright.
        return np.asarray(z, dtype=np.float64), kind
    return np.asarray(z, dtype=np.result_type(z, np.float32)), kind


def _back(out: Any, kind: str) -> ArrayLike:
    """Return a 0-d result as a Python float when the input was a number."""
    return float(out) if kind == "number" else out


def leaky_relu(z: ArrayLike, slope: float = 0.01) -> ArrayLike:
    """leaky_relu(z) = z if z > 0 else slope * z.

    >>> leaky_relu(-2.0, slope=0.1)
    -0.2
    """
    if not 0 <= slope < 1:
        raise ValueError(f"slope must be in [0, 1), got {slope}")
    return prelu(z, slope)


def prelu(z: ArrayLike, a: ArrayLike) -> ArrayLike:
    """prelu(z) = max(0, z) + a * min(0, z), with a learned (here: given) slope a.

    >>> prelu(-3.0, 0.25)
    -0.75
    """
    x, kind = _as_float_array(z)
    # where() picks one branch, so the gradient at z = 0 is a, as in torch's own
    # prelu; adding two clamps would pass both gradients there (1 + a).
    if kind == "torch":
        return x.where(x > 0, a * x)
    # a takes the array's dtype, so a float32 array stays float32.
    return _back(np.where(x > 0, x, np.asarray(a, dtype=x.dtype) * x), kind)


def elu(z: ArrayLike, alpha: float = 1.0) -> ArrayLike:
    """elu(z) = z if z > 0 else alpha * (exp(z) - 1).

    >>> round(elu(-1.0), 4)
    -0.6321
    """
    if alpha <= 0:
        raise ValueError(f"alpha must be > 0, got {alpha}")
    x, kind = _as_float_array(z)
    if kind == "torch":
        # exp of the clamped input: the branch where() discards cannot overflow
        # to inf and poison the gradient with inf * 0 = nan.
        return x.where(x > 0, alpha * x.clamp(max=0).expm1())
    return _back(np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0))), kind)


def sigmoid(z: ArrayLike) -> ArrayLike:
    """sigmoid(z) = 1 / (1 + exp(-z)).

    >>> sigmoid(0.0)
    0.5
    """
    x, kind = _as_float_array(z)
    if kind == "torch":
        return x.sigmoid()
    # Written with tanh, which cannot overflow for large |z|.
    return _back(0.5 * (1.0 + np.tanh(0.5 * x)), kind)


def tanh(z: ArrayLike) -> ArrayLike:
    """tanh(z) = (exp(z) - exp(-z)) / (exp(z) + exp(-z)).

    >>> round(tanh(1.0), 4)
    0.7616
    """
    x, kind = _as_float_array(z)
    return x.tanh() if kind == "torch" else _back(np.tanh(x), kind)


_erf = np.frompyfunc(math.erf, 1, 1)


def gelu(z: ArrayLike) -> ArrayLike:
    """gelu(z) = z * Phi(z), Phi the standard normal CDF (exact erf form).

    >>> round(gelu(1.0), 4)
    0.8413
    """
    x, kind = _as_float_array(z)
    if kind == "torch":
        return 0.5 * x * (1.0 + (x / math.sqrt(2.0)).erf())
    phi = 0.5 * (1.0 + np.asarray(_erf(x / math.sqrt(2.0)), dtype=x.dtype))
    return _back(x * phi, kind)


def silu(z: ArrayLike) -> ArrayLike:
    """silu(z) = z * sigmoid(z), also called swish.

    >>> round(silu(1.0), 4)
    0.7311
    """
    x, kind = _as_float_array(z)
    return x * x.sigmoid() if kind == "torch" else _back(x * sigmoid(x), kind)


def positive_part(f: Callable[[ArrayLike], ArrayLike]) -> Callable[..., ArrayLike]:
    """f+(x) = max(f(x), 0): the positive part of f, i.e. relu(f(x)).

    >>> square_minus_one = positive_part(lambda x: x * x - 1)
    >>> square_minus_one(0.5), square_minus_one(2)
    (0.0, 3)
    """
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")

    def f_plus(x: ArrayLike) -> ArrayLike:
        return relu(f(x))

    f_plus.__name__ = f"{getattr(f, '__name__', 'f')}_plus"
    return f_plus


def reshaped_relu(
    z: ArrayLike,
    w: float = 1.0,
    b: float = 0.0,
    scale: float = 1.0,
    offset: float = 0.0,
) -> ArrayLike:
    """scale * relu(w * z + b) + offset: flip (w or scale = -1), slope, shifts.

    relu(-z) is w=-1, -relu(z) is scale=-1, relu(z + b) shifts inside (the kink
    moves to z = -b/w), relu(z) + offset shifts outside.

    >>> reshaped_relu(2.0, w=-1.0), reshaped_relu(2.0, scale=-1.0)
    (0.0, -2.0)
    >>> reshaped_relu(-1.0, b=1.5), reshaped_relu(-1.0, offset=1.5)
    (0.5, 1.5)
    """
    for name, value in {"w": w, "b": b, "scale": scale, "offset": offset}.items():
        if not math.isfinite(value):
            raise ValueError(f"{name} must be a finite number, got {value}")
    x, kind = _as_float_array(z)
    return _back(scale * relu(w * x + b) + offset, kind)
