"""Initialising relu stacks: the weight variances of He, Xavier and PyTorch's
default, and what each does to the signal and the gradient through depth.

A stack is `depth` layers z_l = h_{l-1} W_l^T + b_l, h_l = f(z_l), many
networks at once: weights of shape (networks, depth, width, width) for square
layers, or one (networks, n_out, n_in) tensor per layer for any widths.
`depth_profile` measures, per network and layer, the mean square of the
pre-activations z_l (the signal), of the gradient that reaches them from the
top (the backward signal), how many units are on, and how alike the layer
makes the outputs of different inputs.

Introduced in the lesson "Initialising ReLU networks".
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
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
    cosine: Array  # mean cosine between the outputs h_l of two different inputs

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


Weights = torch.Tensor | Sequence[torch.Tensor]


def depth_profile(
    weights: Weights,
    inputs: torch.Tensor,
    upstream: torch.Tensor,
    biases: Weights | None = None,
    activation: Callable[[torch.Tensor], torch.Tensor] = torch.relu,
) -> DepthProfile:
    """Signal, gradient, active units and cosines per layer of many stacks at once.

    weights: (nets, depth, width, width), or a sequence of one (nets, n_out,
    n_in) tensor per layer; inputs: (nets, batch, n_in of the first layer);
    upstream: (nets, batch, n_out of the last), the gradient at the last
    layer's pre-activations (the loss is the sum of upstream * z_depth);
    biases: (nets, depth, width) or one (nets, n_out) per layer, or None for
    zero biases. An output h_l of all zeros counts as cosine 0.

    >>> gen = torch.Generator().manual_seed(0)
    >>> w = stacked_weights("He", 2, 3, 4, gen)
    >>> x, up = torch.randn(2, 2, 5, 4, generator=gen)
    >>> profile = depth_profile(w, x, up)
    >>> profile.signal.shape, bool((profile.gradient[:, -1] > 0).all())
    ((2, 3), True)
    >>> wide = [torch.randn(2, 8, 4), torch.randn(2, 4, 8)]  # 4 -> 8 -> 4 units
    >>> depth_profile(wide, x, up).cosine.shape
    (2, 2)
    """
    layers = _per_layer_tensors(weights)
    layer_biases = None if biases is None else _per_layer_tensors(biases)
    _check_shapes(layers, inputs, upstream, layer_biases)
    pre: list[torch.Tensor] = []
    outputs: list[torch.Tensor] = []
    with torch.enable_grad():
        # the inputs require a gradient only so that autograd records the stack
        h = inputs.detach().clone().requires_grad_(True)
        for layer, w in enumerate(layers):
            z = torch.einsum("nbi,noi->nbo", h, w.detach())
            if layer_biases is not None:
                z = z + layer_biases[layer].detach()[:, None, :]
            pre.append(z)
            h = activation(z)
            outputs.append(h)
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
            "cosine": [_mean_cosine(h) for h in outputs],
        }
    return DepthProfile(
        **{key: torch.stack(cols, dim=1).numpy() for key, cols in columns.items()}
    )


def _mean_square(t: torch.Tensor) -> torch.Tensor:
    """Per network (first axis): the mean of t^2, in float64."""
    return t.detach().to(torch.float64).pow(2).mean(dim=(1, 2))


def _mean_cosine(h: torch.Tensor) -> torch.Tensor:
    """Per network: the mean cosine over all pairs of different rows of h[n]."""
    h = h.detach().to(torch.float64)
    unit = h / h.norm(dim=2, keepdim=True).clamp_min(torch.finfo(h.dtype).tiny)
    gram = unit @ unit.transpose(1, 2)
    batch = h.shape[1]
    off_diagonal = gram.sum(dim=(1, 2)) - gram.diagonal(dim1=1, dim2=2).sum(dim=1)
    mean: torch.Tensor = off_diagonal / (batch * (batch - 1))
    return mean


def _per_layer_tensors(stack: Weights) -> list[torch.Tensor]:
    """A stacked (nets, depth, ...) tensor or a sequence as one tensor per layer."""
    if isinstance(stack, torch.Tensor):
        if stack.ndim < 3:
            return [stack]  # wrong, and _check_shapes says how
        return list(stack.unbind(dim=1))
    return list(stack)


def _check_shapes(
    layers: list[torch.Tensor],
    inputs: torch.Tensor,
    upstream: torch.Tensor,
    biases: list[torch.Tensor] | None,
) -> None:
    """A clear error for any shape that does not fit."""
    nets = layers[0].shape[0] if layers else 0
    if not layers or any(w.ndim != 3 or w.shape[0] != nets for w in layers):
        raise ValueError(
            "weights must have shape (nets, depth, width, width) or be a "
            "sequence of (nets, n_out, n_in) tensors, "
            f"got {[tuple(w.shape) for w in layers]}"
        )
    for layer in range(1, len(layers)):
        if layers[layer].shape[2] != layers[layer - 1].shape[1]:
            raise ValueError(
                f"weights of layer {layer + 1} must take "
                f"{layers[layer - 1].shape[1]} inputs, the units of the layer "
                f"before, got shape {tuple(layers[layer].shape)}"
            )
    for name, t, width in (
        ("inputs", inputs, layers[0].shape[2]),
        ("upstream", upstream, layers[-1].shape[1]),
    ):
        if t.ndim != 3 or t.shape[0] != nets or t.shape[2] != width:
            raise ValueError(
                f"{name} must have shape ({nets}, batch, {width}), got {tuple(t.shape)}"
            )
    if upstream.shape[1] != inputs.shape[1] or inputs.shape[1] < 2:
        raise ValueError(
            "inputs and upstream must have the same batch of at least two "
            f"(for the cosines), got {inputs.shape[1]} and {upstream.shape[1]}"
        )
    if biases is None:
        return
    wanted = [(nets, w.shape[1]) for w in layers]
    got = [tuple(b.shape) for b in biases]
    if got != wanted:
        raise ValueError(
            f"biases must have shape ({nets}, depth, width) or be one (nets, "
            f"n_out) per layer, {wanted}, or None; got {got}"
        )
