"""Train many regressors of one architecture at once: their parameters are
stacked along a new first axis, so that a step of all of them is one tensor
computation, and SGD or Adam moves each model's slice as if it were alone.

Introduced in the lesson "Training a ReLU regressor"; "Dying ReLU" and
"Variants of ReLU" use it through dying_experiment.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable
from dataclasses import replace
from numbers import Integral, Real
from typing import Any

import numpy as np
import torch
from torch.func import functional_call, stack_module_state, vmap

from relu_course.derivative import ReLUWithConvention
from relu_course.regressor import (
    LOSSES,
    OPTIMIZERS,
    History,
    PlainSGD,
    Regressor,
    Snapshot,
    TrainConfig,
    _training_data,
    resolve_device,
)

__all__ = ["train_many"]

# The parameters a Snapshot records: w0, b0, w1, b1.
_SNAPSHOT_NAMES = ("hidden.weight", "hidden.bias", "output.weight", "output.bias")
# Parameter-free activations that act on each number alone. A Regressor with one
# of these is computed for all models at once by hand, about twice as fast as
# through vmap, whose overhead per call dominates tensors this small.
_ELEMENTWISE = {
    torch.nn.ReLU,
    torch.nn.LeakyReLU,
    torch.nn.ELU,
    torch.nn.CELU,
    torch.nn.SELU,
    torch.nn.GELU,
    torch.nn.SiLU,
    torch.nn.Mish,
    torch.nn.Softplus,
    torch.nn.Tanh,
    torch.nn.Sigmoid,
    torch.nn.Identity,
    ReLUWithConvention,
}


def _describe(model: Regressor) -> str:
    return f"n_hidden={model.hidden.out_features}, activation={model.activation!r}"


def _checked_models(models: Any) -> list[Regressor]:
    """The models as a list, refused unless distinct Regressors of one architecture.

    >>> len(_checked_models([Regressor(2), Regressor(2)]))
    2
    """
    if isinstance(models, torch.nn.Module) or not isinstance(models, Iterable):
        raise TypeError(
            f"models must be a sequence of Regressor, got {type(models).__name__}"
        )
    models = list(models)
    if not models:
        raise ValueError("models must hold at least one Regressor, got none")
    for i, model in enumerate(models):
        if not isinstance(model, Regressor):
            raise TypeError(
                f"models[{i}] must be a Regressor, got {type(model).__name__}"
            )

    # models[0] stands for all of them in the vmapped forward pass, so every model
    # must have its modules (with their settings, as repr shows them) and tensors.
    def architecture(model: Regressor) -> tuple[Any, ...]:
        tensors = [*model.named_parameters(), *model.named_buffers()]
        shapes = [(n, t.shape, t.dtype, t.requires_grad) for n, t in tensors]
        return type(model), repr(model), shapes

    first = architecture(models[0])
    owner: dict[int, int] = {}
    for i, model in enumerate(models):
        if architecture(model) != first:
            raise ValueError(
                "models must all have the architecture of models[0] "
                f"({_describe(models[0])}), models[{i}] has {_describe(model)}"
            )
        # Parameters shared between models would get two conflicting updates.
        for parameter in model.parameters():
            j = owner.setdefault(id(parameter), i)
            if j != i:
                raise ValueError(
                    f"models[{i}] shares parameters with models[{j}]; "
                    "each model must own its parameters"
                )
    return models


def _one_per_model(values: Any, name: str, n_models: int, what: str) -> list[Any]:
    """values as a list of n_models items, or an error naming `name`."""
    if isinstance(values, str | bytes) or not isinstance(values, Iterable):
        raise TypeError(
            f"{name} must be a sequence of {what}s, got {type(values).__name__}"
        )
    values = list(values)
    if len(values) != n_models:
        raise ValueError(
            f"{name} must hold one {what} per model ({n_models}), got {len(values)}"
        )
    return values


def _checked_orders(orders: Any, n_models: int, seed: int) -> list[int]:
    """One mini-batch order seed per model; None gives every model `seed`.

    >>> _checked_orders(None, 2, 5), _checked_orders(range(2), 2, 5)
    ([5, 5], [0, 1])
    """
    if orders is None:
        return [seed] * n_models
    orders = _one_per_model(orders, "orders", n_models, "integer")
    for i, order in enumerate(orders):
        if isinstance(order, bool) or not isinstance(order, Integral):
            raise TypeError(f"orders[{i}] must be an integer, got {order!r}")
    return [int(order) for order in orders]


def _checked_lrs(lrs: Any, n_models: int, config: TrainConfig) -> list[float] | None:
    """One SGD learning rate per model, or None: every model takes config.lr.

    >>> config = TrainConfig()
    >>> _checked_lrs(None, 2, config), _checked_lrs([1e-4, 2e-4], 2, config)
    (None, [0.0001, 0.0002])
    """
    if lrs is None:
        return None
    lrs = _one_per_model(lrs, "lrs", n_models, "learning rate")
    for i, lr in enumerate(lrs):
        if isinstance(lr, bool) or not isinstance(lr, Real):
            raise TypeError(f"lrs[{i}] must be a number, got {lr!r}")
        if not 0 < lr < math.inf:
            raise ValueError(f"lrs[{i}] must be a finite number > 0, got {lr!r}")
    if config.optimizer != "sgd":
        raise ValueError(
            f"lrs needs optimizer='sgd' (Adam takes one learning rate), "
            f"got optimizer={config.optimizer!r}"
        )
    return [float(lr) for lr in lrs]


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


def _copies(params: dict[str, torch.Tensor]) -> dict[str, torch.Tensor]:
    return {name: params[name].detach().clone() for name in _SNAPSHOT_NAMES}


def _computed_by_hand(model: Regressor, params: dict[str, torch.Tensor]) -> bool:
    """Whether the stacked models are plain Regressors with a parameter-free
    elementwise activation, whose layers _forward writes out as tensor products."""
    return (
        type(model) is Regressor
        and type(model.activation) in _ELEMENTWISE
        and set(params) == set(_SNAPSHOT_NAMES)
    )


def _pre_activations(params: dict[str, torch.Tensor], xt: torch.Tensor) -> torch.Tensor:
    """z = w0 x + b0 of every model and unit, (S, H, B), from x as (1, B) or (S, 1, B).

    The data lie on the last axis, so that elementwise steps run along long rows;
    a product then an in-place sum take half the time of addcmul's broadcasting.
    """
    return (params["hidden.weight"] * xt).add_(params["hidden.bias"].unsqueeze(-1))


def _forward(
    model: Regressor, params: dict[str, torch.Tensor], buffers: dict[str, torch.Tensor]
) -> Callable[[torch.Tensor], torch.Tensor]:
    """Predictions (S, B) of all S models from x of shape (B, 1) or (S, B, 1).

    >>> params, buffers = stack_module_state([Regressor(3), Regressor(3)])
    >>> _forward(Regressor(3), params, buffers)(torch.zeros(5, 1)).shape
    torch.Size([2, 5])
    """
    if _computed_by_hand(model, params):
        activation = model.activation

        def fast(xb: torch.Tensor) -> torch.Tensor:
            z = _pre_activations(params, xb.transpose(-1, -2))
            w1, b1 = params["output.weight"], params["output.bias"].unsqueeze(-1)
            return torch.baddbmm(b1, w1, activation(z)).squeeze(1)

        return fast
    # Any other activation (a PReLU learns its slopes) or subclass: one model's
    # forward, vmapped over the stacked tensors. The base is a shape-only copy of
    # the first model; functional_call gives it each model's tensors.
    base = copy.deepcopy(model).to("meta")

    def one(p: Any, b: Any, xb: torch.Tensor) -> torch.Tensor:
        return functional_call(base, (p, b), (xb,))

    shared, own = vmap(one, in_dims=(0, 0, None)), vmap(one, in_dims=(0, 0, 0))

    def general(xb: torch.Tensor) -> torch.Tensor:
        return (shared if xb.dim() == 2 else own)(params, buffers, xb).squeeze(-1)

    return general


def _relu_gradients(
    model: Regressor, params: dict[str, torch.Tensor], loss: str
) -> Callable[[torch.Tensor, torch.Tensor], tuple[torch.Tensor, list]] | None:
    """Each model's loss and gradients by hand, for relu; None for anything else.

    For one model, with z = w0 x + b0, h = relu(z), y_hat = w1 . h + b1 and
    r = y_hat - y on a batch of B points, g = dL/dy_hat is 2 r / B for mse and
    sign(r) / B for mae, and

        dL/dw1 = sum_b g h,   dL/db1 = sum_b g,
        dL/db0 = w1 sum_b g [z > 0],   dL/dw0 = w1 sum_b g x [z > 0],

    [z > 0] being relu's slope, 0 at z = 0 as in PyTorch. On tensors this small
    autograd's recording and replay cost as much as the arithmetic: by hand, with
    in-place steps autograd could not take, a step takes half the time.

    >>> params, _ = stack_module_state([Regressor(3), Regressor(3)])
    >>> loss, grads = _relu_gradients(Regressor(3), params, "mse")(
    ...     torch.zeros(5, 1), torch.ones(5, 1))
    >>> loss.shape, [tuple(g.shape) for g in grads]
    (torch.Size([2]), [(2, 3, 1), (2, 3), (2, 1, 3), (2, 1)])
    """
    if not (
        _computed_by_hand(model, params)
        and type(model.activation) is torch.nn.ReLU
        and loss in ("mse", "mae")
    ):
        return None
    w1, b1 = params["output.weight"], params["output.bias"]  # (S, 1, H), (S, 1)

    @torch.no_grad()
    def gradients(xb: torch.Tensor, yb: torch.Tensor) -> tuple[torch.Tensor, list]:
        xt, yt = xb.transpose(-1, -2), yb.transpose(-1, -2)  # (1, B) or (S, 1, B)
        h = _pre_activations(params, xt).clamp_(min=0)  # (S, H, B)
        r = torch.baddbmm(b1.unsqueeze(-1), w1, h).sub_(yt)  # (S, 1, B)
        if loss == "mse":
            losses = r.square().mean(-1).squeeze(1)
            g = r.mul_(2.0 / r.shape[-1])
        else:
            losses = r.abs().mean(-1).squeeze(1)
            g = r.sign_().div_(r.shape[-1])
        grad_w1 = torch.bmm(g, h.transpose(1, 2))  # (S, 1, H)
        # h > 0 exactly where z > 0, so sign(h) is relu's slope: one product gives
        # sum_b g [z > 0] and sum_b g x [z > 0] for every unit, (S, 2, H).
        sums = torch.bmm(torch.cat((g, g * xt), 1), h.sign_().transpose(1, 2))
        sums *= w1
        # Contiguous: fused Adam reads a gradient's memory as if it were.
        grad_b0, grad_w0 = (
            sums[:, 0].contiguous(),
            sums[:, 1].unsqueeze(-1).contiguous(),
        )
        return losses, [grad_w0, grad_b0, grad_w1, g.sum(-1)]

    return gradients


def train_many(
    x: Any,
    y: Any,
    models: Iterable[Regressor],
    config: TrainConfig | None = None,
    *,
    orders: Iterable[int] | None = None,
    lrs: Iterable[float] | None = None,
    **overrides: Any,
) -> list[tuple[Regressor, History] | None]:
    """Train each model as `train(x, y, config, model=m)` would, all in one batch.

    Each model is trained in place and returned with its History; a model whose
    loss becomes NaN or infinite gives None (and is left as it was given).
    `orders` seeds each model's mini-batch order (default: config.seed for all);
    `lrs` gives each model its own SGD learning rate (default: config.lr for all),
    so that one batch can compare learning rates.

    >>> from relu_course.regressor import cubic_data
    >>> x, y = cubic_data(50)
    >>> models = [Regressor(4) for _ in range(3)]
    >>> results = train_many(x, y, models, epochs=20, snapshot_every=10)
    >>> [[s.epoch for s in history.snapshots] for _, history in results]
    [[0, 10, 20], [0, 10, 20], [0, 10, 20]]
    """
    config = replace(config or TrainConfig(), **overrides)
    xs, ys = _training_data(x, y, config)
    models = _checked_models(models)
    orders = _checked_orders(orders, len(models), config.seed)
    rates = _checked_lrs(lrs, len(models), config)
    device = resolve_device(config.device)

    for model in models:
        model.to(device)  # in place, as train does
    xs, ys = xs.to(device), ys.to(device)
    params, buffers = stack_module_state(models)  # leading dimension: the model
    forward = _forward(models[0], params, buffers)
    by_hand = _relu_gradients(models[0], params, config.loss)
    loss_fn = LOSSES[config.loss](reduction="none")

    def model_losses(xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        """Each model's mean loss over its batch: shape (S,)."""
        predicted = forward(xb)
        return loss_fn(predicted, yb.squeeze(-1).expand_as(predicted)).mean(1)

    # SGD and Adam act elementwise, so each model's slice gets exactly its own step.
    tensors = list(params.values())
    if rates is None:
        optimizer = OPTIMIZERS[config.optimizer](tensors, lr=config.lr)
    else:
        optimizer = _PerModelSGD(tensors, rates)

    def step() -> None:
        optimizer.step()
        optimizer.zero_grad()

    n, batch = len(xs), config.batch_size or len(xs)
    sizes = [min(batch, n - start) for start in range(0, n, batch)]
    # As in train, each order has its own generator; models sharing one share it.
    generators = {o: torch.Generator().manual_seed(o) for o in dict.fromkeys(orders)}
    # Every step's losses stay on the device until the end: no sync per step.
    recorded = torch.empty(config.epochs, len(sizes), len(models), device=device)
    taken: list[tuple[int, dict[str, torch.Tensor], torch.Tensor]] = []
    for epoch in range(config.epochs):
        snapshot = epoch % config.snapshot_every == 0
        if batch < n:
            perms = {o: torch.randperm(n, generator=g) for o, g in generators.items()}
            index = (  # (N,) shared by all models, or (S, N): one row per model
                perms[orders[0]]
                if len(perms) == 1
                else torch.stack([perms[o] for o in orders])
            ).to(device)
            if snapshot:  # a snapshot records the loss on all the data
                with torch.no_grad():
                    taken.append((epoch, _copies(params), model_losses(xs, ys)))
        for k, start in enumerate(range(0, n, batch)):
            if batch == n:
                xb, yb = xs, ys
            else:  # xs[idx]: (B, 1) for one shared order, (S, B, 1) for several
                idx = index[..., start : start + batch]
                xb, yb = xs[idx], ys[idx]
            if by_hand is None:
                loss = model_losses(xb, yb)
            else:
                loss, grads = by_hand(xb, yb)
                for name, grad in zip(_SNAPSHOT_NAMES, grads, strict=True):
                    params[name].grad = grad
            recorded[epoch, k] = loss.detach()
            if snapshot and batch == n:
                taken.append((epoch, _copies(params), recorded[epoch, k]))
            if by_hand is None:
                # d(sum)/d(loss of model i) is 1 whatever the values, so a diverged
                # model's NaN never reaches another model's gradient (masking it
                # out with torch.where gives the same gradients, 10% slower).
                loss.sum().backward()
            step()
    with torch.no_grad():
        final = model_losses(xs, ys)
    taken.append((config.epochs, _copies(params), final))
    # Diverged: a non-finite loss at any step (train stops at the first) or after
    # the last one.
    finite = torch.isfinite(recorded).flatten(0, 1).all(0) & torch.isfinite(final)

    # Epoch losses as train adds them: in float64, batch by batch, weighted by size.
    values = recorded.cpu().numpy().astype(np.float64)
    losses = np.zeros((config.epochs, len(models)))
    for k, size in enumerate(sizes):
        losses += values[:, k] * size
    losses /= n
    arrays = [
        (epoch, {k: v.cpu().numpy() for k, v in copies.items()}, loss.cpu().numpy())
        for epoch, copies, loss in taken
    ]
    results: list[tuple[Regressor, History] | None] = []
    for i, (model, ok) in enumerate(zip(models, finite.tolist(), strict=True)):
        if not ok:
            results.append(None)
            continue
        with torch.no_grad():
            for name, tensor in model.named_parameters():
                tensor.copy_(params[name][i])
            for name, tensor in model.named_buffers():
                tensor.copy_(buffers[name][i])
        snapshots = [
            Snapshot(
                epoch=epoch,
                loss=float(loss[i]),
                w0=a["hidden.weight"][i].reshape(-1).copy(),
                b0=a["hidden.bias"][i].reshape(-1).copy(),
                w1=a["output.weight"][i].reshape(-1).copy(),
                b1=float(a["output.bias"][i].reshape(-1)[0]),
            )
            for epoch, a, loss in arrays
        ]
        results.append(
            (model, History(losses=losses[:, i].copy(), snapshots=snapshots))
        )
    return results
