"""Train many regressors of one architecture at once: `train_many` runs the
shared loop (relu_course.loop) on their stack (relu_course.stacked), so that a
step of all of them is one tensor computation, and SGD or Adam moves each
model's slice as if it were alone.

Introduced in the lesson "Training a ReLU regressor"; "Dying ReLU" and
"Variants of ReLU" use it through dying_experiment.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import replace
from numbers import Integral, Real
from typing import Any, Literal

import torch

from relu_course.data import training_data
from relu_course.loop import Optimizer, divergences, histories, run
from relu_course.regressor import History, Regressor
from relu_course.stacked import Stack
from relu_course.training import OPTIMIZERS, PlainSGD, TrainConfig, resolve_device

__all__ = ["train_many"]


def _describe(model: Regressor) -> str:
    return f"n_hidden={model.hidden.out_features}, activation={model.activation!r}"


def _architecture(model: Regressor) -> tuple[Any, ...]:
    """What every stacked model must share with models[0], which stands for all
    of them in the vmapped forward pass: its modules (with their settings, as
    repr shows them) and its tensors."""
    tensors = [*model.named_parameters(), *model.named_buffers()]
    shapes = [(n, t.shape, t.dtype, t.requires_grad) for n, t in tensors]
    return type(model), repr(model), shapes


def _checked_models(models: Any) -> list[Regressor]:
    """The models as a list, refused unless distinct Regressors of one architecture.

    >>> len(_checked_models([Regressor(2), Regressor(2)]))
    2
    """
    if isinstance(models, torch.nn.Module) or not isinstance(models, Iterable):
        raise TypeError(
            f"models must be a sequence of Regressor, got {type(models).__name__}"
        )
    checked: list[Regressor] = []
    for i, model in enumerate(models):
        if not isinstance(model, Regressor):
            raise TypeError(
                f"models[{i}] must be a Regressor, got {type(model).__name__}"
            )
        checked.append(model)
    if not checked:
        raise ValueError("models must hold at least one Regressor, got none")
    first = _architecture(checked[0])
    owner: dict[int, int] = {}
    for i, model in enumerate(checked):
        if _architecture(model) != first:
            raise ValueError(
                "models must all have the architecture of models[0] "
                f"({_describe(checked[0])}), models[{i}] has {_describe(model)}"
            )
        # Parameters shared between models would get two conflicting updates.
        for parameter in model.parameters():
            j = owner.setdefault(id(parameter), i)
            if j != i:
                raise ValueError(
                    f"models[{i}] shares parameters with models[{j}]; "
                    "each model must own its parameters"
                )
    return checked


def _one_per_model(values: Any, name: str, n_models: int, what: str) -> list[Any]:
    """values as a list of n_models items, or an error naming `name`."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise TypeError(
            f"{name} must be a sequence of {what}s, got {type(values).__name__}"
        )
    items = list(values)
    if len(items) != n_models:
        raise ValueError(
            f"{name} must hold one {what} per model ({n_models}), got {len(items)}"
        )
    return items


def _checked_orders(orders: Any, n_models: int, seed: int) -> list[int]:
    """One mini-batch order seed per model; None gives every model `seed`.

    >>> _checked_orders(None, 2, 5), _checked_orders(range(2), 2, 5)
    ([5, 5], [0, 1])
    """
    if orders is None:
        return [seed] * n_models
    items = _one_per_model(orders, "orders", n_models, "integer")
    for i, order in enumerate(items):
        if isinstance(order, bool) or not isinstance(order, Integral):
            raise TypeError(f"orders[{i}] must be an integer, got {order!r}")
    return [int(order) for order in items]


def _checked_lrs(lrs: Any, n_models: int, config: TrainConfig) -> list[float] | None:
    """One SGD learning rate per model, or None: every model takes config.lr.

    >>> config = TrainConfig()
    >>> _checked_lrs(None, 2, config), _checked_lrs([1e-4, 2e-4], 2, config)
    (None, [0.0001, 0.0002])
    """
    if lrs is None:
        return None
    items = _one_per_model(lrs, "lrs", n_models, "learning rate")
    for i, lr in enumerate(items):
        if isinstance(lr, bool) or not isinstance(lr, Real):
            raise TypeError(f"lrs[{i}] must be a number, got {lr!r}")
        if not 0 < float(lr) < math.inf:
            raise ValueError(f"lrs[{i}] must be a finite number > 0, got {lr!r}")
    if config.optimizer != "sgd":
        raise ValueError(
            f"lrs needs optimizer='sgd' (Adam takes one learning rate), "
            f"got optimizer={config.optimizer!r}"
        )
    return [float(lr) for lr in items]


class _PerModelSGD(PlainSGD):
    """PlainSGD with one learning rate per model: p <- p - lr[i] * p.grad on
    model i's slice of each stacked parameter (addcmul: one operation for all).

    >>> p = torch.ones(2, 3, requires_grad=True); p.sum().backward()
    >>> sgd = _PerModelSGD([p], [0.25, 0.5]); sgd.step(); sgd.zero_grad(); p, p.grad
    (tensor([[0.7500, 0.7500, 0.7500],
            [0.5000, 0.5000, 0.5000]], requires_grad=True), None)
    """

    def __init__(self, params: list[torch.Tensor], lrs: list[float]) -> None:
        super().__init__(params, lr=math.nan)  # no single rate: each model has its own
        # each parameter's -lr, shaped to broadcast over its models' slices
        self.minus_lrs = [
            torch.tensor(lrs, dtype=p.dtype, device=p.device)
            .neg()
            .reshape(-1, *[1] * (p.dim() - 1))
            for p in self.params
        ]

    @torch.no_grad()
    def step(self) -> None:
        for p, minus_lr in zip(self.params, self.minus_lrs, strict=True):
            if p.grad is not None:
                p.addcmul_(p.grad, minus_lr)


def _optimizer(
    tensors: list[torch.Tensor], config: TrainConfig, lrs: list[float] | None
) -> Optimizer:
    """config's optimiser for the stacked tensors, or SGD with a rate per model.

    SGD and Adam act elementwise, so each model's slice gets exactly its own step.
    """
    if lrs is None:
        return OPTIMIZERS[config.optimizer](tensors, lr=config.lr)
    return _PerModelSGD(tensors, lrs)


def train_many(
    x: Any,
    y: Any,
    models: Iterable[Regressor],
    config: TrainConfig | None = None,
    *,
    orders: Iterable[int] | None = None,
    lrs: Iterable[float] | None = None,
    diverged: Literal["none", "raise"] = "none",
    **overrides: Any,
) -> list[tuple[Regressor, History] | None]:
    """Train each model as `train(x, y, config, model=m)` would, all in one batch.

    Each model is trained in place and returned with its History. A model whose
    loss becomes NaN or infinite gives None (and is left as it was given); with
    diverged="raise" the first one raises TrainingDivergedError naming it, as
    `train` does. `orders` seeds each model's mini-batch order (default:
    config.seed for all); `lrs` gives each model its own SGD learning rate
    (default: config.lr for all), so that one batch can compare learning rates.

    >>> from relu_course.data import cubic_data
    >>> x, y = cubic_data(50)
    >>> models = [Regressor(4) for _ in range(3)]
    >>> results = train_many(x, y, models, epochs=20, snapshot_every=10)
    >>> [[s.epoch for s in history.snapshots] for _, history in results]
    [[0, 10, 20], [0, 10, 20], [0, 10, 20]]
    """
    if diverged not in ("none", "raise"):
        raise ValueError(f"diverged must be 'none' or 'raise', got {diverged!r}")
    config = replace(config or TrainConfig(), **overrides)
    xs, ys = training_data(x, y, config.batch_size)
    checked = _checked_models(models)
    seeds = _checked_orders(orders, len(checked), config.seed)
    rates = _checked_lrs(lrs, len(checked), config)
    device = resolve_device(config.device)

    for model in checked:
        model.to(device)  # in place, as train does
    stack = Stack(checked, config.loss)
    optimizer = _optimizer(list(stack.params.values()), config, rates)
    stop = diverged == "raise"  # at the first non-finite loss
    record = run(
        stack, optimizer, xs.to(device), ys.to(device), config, seeds, stop=stop
    )
    names = [f"models[{i}]: " for i in range(len(checked))]
    errors = divergences(record, rates or [config.lr] * len(checked), names)
    if stop and any(errors):
        raise next(error for error in errors if error is not None)
    done = [i for i, error in enumerate(errors) if error is None]
    results: list[tuple[Regressor, History] | None] = [None] * len(checked)
    for i, history in zip(done, histories(record, done), strict=True):
        stack.unstack(checked, i)
        results[i] = (checked[i], history)
    return results
