"""The data sets of the source articles, and the checks that turn the x and y
a lesson passes into the float32 columns a regressor trains on.

Introduced in the lesson "Training a ReLU regressor".
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch

__all__ = ["cubic_data", "noisy_quadratic_data", "wiggly_data"]


def cubic_data(
    n: int = 300, low: float = -10.0, high: float = 10.0
) -> tuple[np.ndarray, np.ndarray]:
    """MLDawn's target: x evenly spaced on [low, high], y = x^3 (float32).

    >>> x, y = cubic_data(); x.shape, float(y[-1])
    ((300,), 1000.0)
    """
    x = np.linspace(low, high, n, dtype=np.float32)
    return x, x**3


def noisy_quadratic_data(seed: int = 42) -> tuple[np.ndarray, np.ndarray]:
    """Tony Phung's data: y = 3x^2 + 2x + 1 on 20 x in [-2, 2], noise added twice.

    y += y * N(0, 0.15) (relative noise), then y += N(0, 1.5) (absolute noise).

    Reproduces the article's draws (np.random.seed(seed), then two normal draws).

    >>> x, y = noisy_quadratic_data(); x.shape, y.dtype
    ((20,), dtype('float64'))
    """
    x = torch.linspace(-2, 2, steps=20)  # float32, as in the article
    y = (3 * x**2 + 2 * x + 1).numpy().astype(np.float64)
    rng = np.random.RandomState(seed)  # the legacy stream np.random.seed uses
    y = y + y * rng.normal(scale=0.15, size=y.shape)
    y = y + rng.normal(scale=1.5, size=y.shape)
    return x.numpy(), y


def wiggly_data(
    n: int = 200, seed: int = 42, noise: float = 0.08
) -> tuple[np.ndarray, np.ndarray]:
    """Aditya Sharma's data: x ~ U[0, 1), y = cos(6x) + N(0, noise), n points.

    >>> x, y = wiggly_data(); x.shape, round(float(x.min()), 4)
    ((200,), 0.0055)
    """
    rng = np.random.RandomState(seed)  # npr.seed(42); npr.rand; npr.randn
    x = rng.rand(n, 1)
    y = np.cos(6 * x) + rng.randn(n, 1) * noise
    return x[:, 0], y[:, 0]


def as_column(values: Any, name: str) -> torch.Tensor:
    """A finite float32 column (N, 1) from a 1-D or (N, 1) array or tensor.

    >>> as_column(np.array([1, 2]), "x").shape
    torch.Size([2, 1])
    """
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    if not isinstance(values, np.ndarray):
        raise TypeError(
            f"{name} must be a numpy array or torch tensor, got {type(values).__name__}"
        )
    if not np.issubdtype(values.dtype, np.number) or np.issubdtype(
        values.dtype, np.complexfloating
    ):
        raise TypeError(f"{name} must hold real numbers, got dtype {values.dtype}")
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1 or values.size == 0:
        raise ValueError(
            f"{name} must have shape (N,) or (N, 1) with N >= 1, got {values.shape}"
        )
    if not np.isfinite(values).all():
        bad = int((~np.isfinite(values)).sum())
        raise ValueError(f"{name} must be finite, found {bad} NaN or inf values")
    return torch.as_tensor(values, dtype=torch.float32).reshape(-1, 1)


def training_data(
    x: Any, y: Any, batch_size: int | None
) -> tuple[torch.Tensor, torch.Tensor]:
    """x and y as float32 columns, refused unless they pair up and fit the batch.

    >>> xs, ys = training_data(*cubic_data(10), batch_size=None); ys[-1]
    tensor([1000.])
    """
    xs, ys = as_column(x, "x"), as_column(y, "y")
    if len(xs) != len(ys):
        raise ValueError(
            f"x and y must have the same length, got {len(xs)} and {len(ys)}"
        )
    if batch_size is not None and batch_size > len(xs):
        raise ValueError(f"batch_size must be <= len(x) = {len(xs)}, got {batch_size}")
    return xs, ys
