"""The dying-relu experiment: train the same regressor from many seeds and
count the hidden units that end dead, with any activation.

A unit is dead on the data when the slope of its activation, taken at its
pre-activation w0 x + b0, is at most `tol` in size for every x: then almost no
gradient reaches its w0 and b0. With relu and tol = 0 this is `dead_units`.

Introduced in the lesson "Dying ReLU"; "Variants of ReLU" repeats it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch

from relu_course.batched import train_many
from relu_course.data import as_column
from relu_course.loop import TrainingDivergedError
from relu_course.regressor import History, Regressor
from relu_course.training import TrainConfig, set_seed, train

__all__ = ["DyingRun", "activation_slopes", "dead_mask", "dying_experiment", "nudge"]


@dataclass(frozen=True)
class DyingRun:
    """One seed of the experiment: dead units before and after, final loss."""

    seed: int
    dead_at_start: int  # dead units right after initialisation
    dead_at_end: int  # dead units after training (-1 when training diverged)
    final_loss: float  # loss on all the data after training (NaN when diverged)
    model: Regressor | None  # the trained model (None when training diverged)

    @property
    def diverged(self) -> bool:
        """Whether the loss became NaN or infinite during training."""
        return self.model is None


def activation_slopes(model: Regressor, x: Any) -> np.ndarray:
    """f'(w0 x + b0) for every unit, by autograd: shape (len(x), n_hidden).

    >>> model = Regressor(2)
    >>> with torch.no_grad():
    ...     _ = model.hidden.weight.fill_(1.0), model.hidden.bias.copy_(
    ...         torch.tensor([0.0, -5.0]))
    >>> activation_slopes(model, np.array([-1.0, 2.0]))
    array([[0., 0.],
           [1., 0.]], dtype=float32)
    """
    if not isinstance(model, Regressor):
        raise TypeError(f"model must be a Regressor, got {type(model).__name__}")
    xs = as_column(x, "x").to(model.hidden.weight.device)
    with torch.no_grad():
        z = model.hidden(xs)
    return _slopes(model.activation, z).cpu().numpy()


def _slopes(activation: torch.nn.Module, z: torch.Tensor) -> torch.Tensor:
    """activation'(z) at every element of z, by autograd."""
    z = z.detach().requires_grad_(True)
    (slopes,) = torch.autograd.grad(activation(z).sum(), z)
    return slopes


def dead_mask(model: Regressor, x: Any, tol: float = 0.0) -> np.ndarray:
    """True for each unit whose activation slope satisfies |f'| <= tol on every x.

    >>> model = Regressor(2)
    >>> with torch.no_grad():
    ...     _ = model.hidden.weight.fill_(1.0), model.hidden.bias.copy_(
    ...         torch.tensor([0.0, -5.0]))
    >>> dead_mask(model, np.array([-1.0, 2.0]))
    array([False,  True])
    """
    _check_tol(tol)
    dead: np.ndarray = (np.abs(activation_slopes(model, x)) <= tol).all(axis=0)
    return dead


def _check_tol(tol: float) -> None:
    if not (math.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")


def _dead_counts(models: list[Regressor], x: Any, tol: float) -> list[int]:
    """dead_mask(model, x, tol).sum() of each model, in one tensor computation
    when they share an activation without parameters (a PReLU's are its own).

    >>> models = [Regressor(3), Regressor(3)]
    >>> x = np.linspace(-1.0, 1.0, 5)
    >>> _dead_counts(models, x, 0.0) == [int(dead_mask(m, x).sum()) for m in models]
    True
    """
    if not models:
        return []
    activation = models[0].activation
    if any(True for _ in activation.parameters()) or any(
        repr(m.activation) != repr(activation) for m in models
    ):
        return [int(dead_mask(model, x, tol).sum()) for model in models]
    xs = as_column(x, "x").to(models[0].hidden.weight.device)
    with torch.no_grad():
        w0 = torch.stack([m.hidden.weight for m in models])  # (S, H, 1)
        b0 = torch.stack([m.hidden.bias for m in models])  # (S, H)
        # (S, N, H): each model's hidden(xs), the product nn.Linear computes
        z = torch.baddbmm(b0.unsqueeze(1), xs.expand(len(models), -1, -1), w0.mT)
    return (_slopes(activation, z).abs() <= tol).all(1).sum(1).tolist()


def dying_experiment(
    x: Any,
    y: Any,
    seeds: Iterable[int],
    activation: Callable[[], torch.nn.Module] = torch.nn.ReLU,
    bias_offset: float = 0.0,
    tol: float = 0.0,
    config: TrainConfig | None = None,
    *,
    batched: bool = True,
    **overrides: Any,
) -> list[DyingRun]:
    """Train one Regressor per seed (hidden biases shifted by bias_offset).

    `activation` builds a fresh module per seed (a PReLU learns its own slope);
    `overrides` replace fields of `config`. A run that diverges is kept, with
    dead_at_end = -1 and a NaN loss. With `batched` all seeds train at once with
    `train_many`, each with its own seed's mini-batch order, several times faster;
    batched=False trains them one after the other with `train`. Both give the same
    runs up to float rounding (which can matter where training is chaotic).

    >>> x = np.linspace(-1.0, 1.0, 20)
    >>> runs = dying_experiment(x, x**2, seeds=[0, 1], bias_offset=-10.0, epochs=5)
    >>> [(r.seed, r.dead_at_start, r.dead_at_end) for r in runs]
    [(0, 7, 7), (1, 7, 7)]
    """
    if not callable(activation):
        raise TypeError(
            "activation must be a callable that builds a module, "
            f"got {type(activation).__name__}"
        )
    if not math.isfinite(bias_offset):
        raise ValueError(f"bias_offset must be a finite number, got {bias_offset!r}")
    _check_tol(tol)
    config = replace(config or TrainConfig(), **overrides)
    seeds = list(seeds)
    models = [_shifted(seed, config, activation, bias_offset) for seed in seeds]
    dead_at_start = _dead_counts(models, x, tol)
    trained = _trained(x, y, models, seeds, config, batched)
    dead_at_end = iter(_dead_counts([r[0] for r in trained if r is not None], x, tol))
    runs = []
    for seed, start, result in zip(seeds, dead_at_start, trained, strict=True):
        if result is None:
            runs.append(DyingRun(seed, start, -1, math.nan, None))
        else:
            model, history = result
            dead = next(dead_at_end)
            runs.append(DyingRun(seed, start, dead, history.final.loss, model))
    return runs


def _shifted(
    seed: int,
    config: TrainConfig,
    activation: Callable[[], torch.nn.Module],
    bias_offset: float,
) -> Regressor:
    """The Regressor `train` builds for this seed, its hidden biases shifted."""
    set_seed(seed)
    model = Regressor(config.n_hidden, activation=activation())
    with torch.no_grad():
        model.hidden.bias.add_(bias_offset)  # in place, as += would
    return model


def _trained(
    x: Any,
    y: Any,
    models: list[Regressor],
    seeds: list[int],
    config: TrainConfig,
    batched: bool,
) -> list[tuple[Regressor, History] | None]:
    """Each model trained with its seed's mini-batch order; None where it diverged."""
    if batched:
        # orders=seeds: each model's mini-batch order is that of train(seed=seed).
        return train_many(x, y, models, config, orders=seeds) if seeds else []
    trained: list[tuple[Regressor, History] | None] = []
    for seed, model in zip(seeds, models, strict=True):
        try:
            trained.append(train(x, y, config, model=model, seed=seed))
        except TrainingDivergedError:
            trained.append(None)
    return trained


def nudge(model: torch.nn.Module, seed: int, steps: int = 1) -> torch.nn.Module:
    """Move each parameter `steps` float32 numbers up or down, at random; in place.

    The rounding probe of "Dying ReLU": a run whose outcome changes under it is
    decided by rounding, which another CPU does differently.

    >>> layer = torch.nn.Linear(1, 1)
    >>> before = layer.weight.detach().view(torch.int32).item()  # its float32 bits
    >>> after = nudge(layer, seed=0, steps=2).weight.detach().view(torch.int32).item()
    >>> abs(after - before)  # two float32 numbers away
    2
    """
    if not isinstance(steps, int) or steps < 0:
        raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            up = torch.rand(p.shape, generator=generator) < 0.5
            toward = torch.where(up, torch.inf, -torch.inf)
            for _ in range(steps):
                p.copy_(torch.nextafter(p, toward))
    return model
