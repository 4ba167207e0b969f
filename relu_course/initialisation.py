"""Initialising relu stacks: the weight variances of He, Xavier and PyTorch's
default, and what each does to the signal and the gradient through depth.

A stack is `depth` square layers z_l = h_{l-1} W_l^T + b_l, h_l = f(z_l),
many networks at once: weights of shape (networks, depth, width, width).
`depth_profile` measures, per network and layer, the mean square of the
pre-activations z_l (the signal), of the gradient that reaches them from the
top (the backward signal), and how many units are on.

Introduced in the lesson "Initialising ReLU networks".
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
from numpy.typing import NDArray

__all__ = [
    "INITS",
    "DepthProfile",
    "depth_profile",
    "kaiming_variance",
    "stacked_weights",
    "weight_variance",
]

INITS = ("He", "Xavier", "PyTorch")  # the initialisations weight_variance knows

Array = NDArray[np.float64]


def kaiming_variance(fan: int, a: float = 0.0) -> float:
    """He's Var(w) = 2 / ((1 + a^2) fan), for a leaky relu of negative slope a.

    ``torch.nn.Linear`` draws its weights with ``kaiming_uniform_(a=sqrt(5))``,
    which gives a third of 1/fan:

    >>> kaiming_variance(100)
    0.02
    >>> round(kaiming_variance(100, a=math.sqrt(5)) * 3 * 100, 12)
    1.0
    """
    if not (isinstance(fan, int) and fan > 0):
        raise ValueError(f"fan must be a positive int, got {fan!r}")
    return 2.0 / ((1.0 + a * a) * fan)


def weight_variance(init: str, fan_in: int, fan_out: int) -> float:
    """Var(w) of one of INITS for a layer of these fans.

    He: 2 / fan_in. Xavier (Glorot's normalised initialisation, gain 1):
    2 / (fan_in + fan_out). PyTorch: nn.Linear's default, 1 / (3 fan_in).

    >>> [round(weight_variance(init, 100, 300) * 3000, 9) for init in INITS]
    [60.0, 15.0, 10.0]
    """
    if init not in INITS:
        raise ValueError(f"init must be one of {INITS}, got {init!r}")
    for name, fan in (("fan_in", fan_in), ("fan_out", fan_out)):
        if not (isinstance(fan, int) and fan > 0):
            raise ValueError(f"{name} must be a positive int, got {fan!r}")
    if init == "He":
        return kaiming_variance(fan_in)
    if init == "Xavier":
        return 2.0 / (fan_in + fan_out)
    return kaiming_variance(fan_in, a=math.sqrt(5.0))


def stacked_weights(
    init: str,
    n_nets: int,
    depth: int,
    width: int,
    generator: torch.Generator,
    dtype: torch.dtype = torch.float32,
) -> torch.Tensor:
    """Weights of n_nets stacks of depth square layers: (n_nets, depth, width, width).

    Normal with weight_variance for He and Xavier; uniform on +-sqrt(3 Var),
    which is +-1/sqrt(width), for PyTorch, as nn.Linear draws them.

    >>> w = stacked_weights("PyTorch", 2, 3, 4, torch.Generator().manual_seed(0))
    >>> tuple(w.shape), bool(w.abs().max() <= 1 / 2)
    ((2, 3, 4, 4), True)
    """
    for name, size in (("n_nets", n_nets), ("depth", depth), ("width", width)):
        if not (isinstance(size, int) and size > 0):
            raise ValueError(f"{name} must be a positive int, got {size!r}")
    std = math.sqrt(weight_variance(init, width, width))
    shape = (n_nets, depth, width, width)
    if init == "PyTorch":
        bound = math.sqrt(3.0) * std  # a uniform on +-c has variance c^2 / 3
        unit = torch.rand(shape, generator=generator, dtype=dtype)
        return (2.0 * unit - 1.0) * bound
    return std * torch.randn(shape, generator=generator, dtype=dtype)


@dataclass(frozen=True)
class DepthProfile:
    """Per network (rows) and layer (columns, 1 = next to the input)."""

    signal: Array  # mean square of the pre-activations z_l
    gradient: Array  # mean square of the gradient at z_l, sent back from the top
    active: Array  # share of (unit, input) pairs with z_l > 0
    fixed: Array  # share of units on for every input or for none

    @property
    def signal_factor(self) -> Array:
        """Per network: the factor by which a layer multiplies the signal.

        The geometric mean over the layers, (signal_L / signal_1)^(1/(L - 1)).
        """
        return _per_layer(self.signal[:, -1] / self.signal[:, 0], self.signal)

    @property
    def gradient_factor(self) -> Array:
        """Per network: the factor by which a layer multiplies the gradient
        on its way back, (gradient_1 / gradient_L)^(1/(L - 1))."""
        return _per_layer(self.gradient[:, 0] / self.gradient[:, -1], self.gradient)


def _per_layer(ratio: Array, columns: Array) -> Array:
    """The geometric mean factor per step of a ratio over all of a stack's layers."""
    steps = columns.shape[1] - 1
    if steps < 1:
        raise ValueError("a factor per layer needs a stack of at least two layers")
    result: Array = ratio ** (1.0 / steps)
    return result


def depth_profile(
    weights: torch.Tensor,
    inputs: torch.Tensor,
    upstream: torch.Tensor,
    biases: torch.Tensor | None = None,
    activation: Callable[[torch.Tensor], torch.Tensor] = torch.relu,
) -> DepthProfile:
    """Signal, gradient and active units per layer of many stacks at once.

    weights: (nets, depth, width, width); inputs and upstream: (nets, batch,
    width), the inputs and the gradient at the last layer's pre-activations
    (the loss is the sum of upstream * z_depth, so the gradient is upstream);
    biases: (nets, depth, width), or None for zero biases.

    >>> gen = torch.Generator().manual_seed(0)
    >>> w = stacked_weights("He", 2, 3, 4, gen)
    >>> x, up = torch.randn(2, 2, 5, 4, generator=gen)
    >>> profile = depth_profile(w, x, up)
    >>> profile.signal.shape, bool((profile.gradient[:, -1] > 0).all())
    ((2, 3), True)
    """
    depth = _check_shapes(weights, inputs, upstream, biases)
    w = weights.detach()
    b = None if biases is None else biases.detach()
    pre: list[torch.Tensor] = []
    with torch.enable_grad():
        # the inputs require a gradient only so that autograd records the stack
        h = inputs.detach().clone().requires_grad_(True)
        for layer in range(depth):
            z = torch.einsum("nbi,noi->nbo", h, w[:, layer])
            if b is not None:
                z = z + b[:, layer, None, :]
            pre.append(z)
            h = activation(z)
        grads = torch.autograd.grad((pre[-1] * upstream.detach()).sum(), pre)
    with torch.no_grad():
        on = [z > 0 for z in pre]
        share_on = [a.to(torch.float64).mean(dim=1) for a in on]  # per unit
        fixed = [((s == 0) | (s == 1)).to(torch.float64).mean(dim=1) for s in share_on]
        columns = {
            "signal": [_mean_square(z) for z in pre],
            "gradient": [_mean_square(g) for g in grads],
            "active": [a.to(torch.float64).mean(dim=(1, 2)) for a in on],
            "fixed": fixed,
        }
    return DepthProfile(
        **{key: torch.stack(cols, dim=1).numpy() for key, cols in columns.items()}
    )


def _mean_square(t: torch.Tensor) -> torch.Tensor:
    """Per network (first axis): the mean of t^2, in float64."""
    return t.detach().to(torch.float64).pow(2).mean(dim=(1, 2))


def _check_shapes(
    weights: torch.Tensor,
    inputs: torch.Tensor,
    upstream: torch.Tensor,
    biases: torch.Tensor | None,
) -> int:
    """The stacks' depth, after a clear error for any shape that does not fit."""
    if weights.ndim != 4 or weights.shape[2] != weights.shape[3]:
        raise ValueError(
            "weights must have shape (nets, depth, width, width), "
            f"got {tuple(weights.shape)}"
        )
    nets, depth, width, _ = weights.shape
    for name, t in (("inputs", inputs), ("upstream", upstream)):
        if t.ndim != 3 or t.shape[0] != nets or t.shape[2] != width:
            raise ValueError(
                f"{name} must have shape ({nets}, batch, {width}), got {tuple(t.shape)}"
            )
    if upstream.shape != inputs.shape:
        raise ValueError(
            f"upstream must have the shape of inputs, {tuple(inputs.shape)}, "
            f"got {tuple(upstream.shape)}"
        )
    if biases is not None and tuple(biases.shape) != (nets, depth, width):
        raise ValueError(
            f"biases must have shape ({nets}, {depth}, {width}) or be None, "
            f"got {tuple(biases.shape)}"
        )
    return int(depth)
