"""Training settings and `train`: fit one Regressor by gradient descent with
the shared loop (relu_course.loop), keeping its History.

Introduced in the lesson "Training a ReLU regressor".
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

import numpy as np
import torch

from relu_course.data import training_data
from relu_course.loop import Optimizer, divergences, histories, run
from relu_course.regressor import SNAPSHOT_PARAMETERS, History, Regressor

__all__ = ["PlainSGD", "TrainConfig", "resolve_device", "set_seed", "train"]


class PlainSGD:
    """Gradient descent, p <- p - lr * p.grad: torch.optim.SGD's defaults, same numbers.

    torch.optim's first optimizer in a process imports torch._dynamo (0.85 s of a
    lesson's run), and on these tiny networks its bookkeeping costs as much as
    the update itself.

    >>> p = torch.tensor([1.0], requires_grad=True); (2 * p).sum().backward()
    >>> sgd = PlainSGD([p], lr=0.25); sgd.step(); sgd.zero_grad(); p, p.grad
    (tensor([0.5000], requires_grad=True), None)
    """

    def __init__(self, params: Iterable[torch.Tensor], lr: float) -> None:
        self.params, self.lr = list(params), lr

    @torch.no_grad()
    def step(self) -> None:
        for p in self.params:
            if p.grad is not None:
                p.add_(p.grad, alpha=-self.lr)  # torch.optim.SGD's very operation

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = None


# Fused Adam updates all parameters in one kernel: on these tiny networks its
# per-tensor loop cost as much as the forward and backward passes together.
OPTIMIZERS: dict[str, Callable[..., Optimizer]] = {
    "adam": partial(torch.optim.Adam, fused=True),
    "sgd": PlainSGD,
}
LOSSES: dict[str, Callable[..., torch.nn.Module]] = {
    "mae": torch.nn.L1Loss,
    "mse": torch.nn.MSELoss,
}
DEVICES = ("auto", "cpu", "cuda")


def set_seed(seed: int) -> None:
    """Seed Python's, NumPy's and PyTorch's random generators.

    >>> set_seed(0); a = torch.rand(1); set_seed(0); bool(a == torch.rand(1))
    True
    """
    random.seed(seed)
    np.random.seed(seed)  # noqa: NPY002 - lessons may use the legacy global API
    torch.default_generator.manual_seed(seed)
    # torch.manual_seed would also queue a CUDA seeding on a machine without CUDA,
    # recording a stack trace each time: 0.5 ms, a tenth of a batch of 20 seeds.
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


def resolve_device(device: str) -> torch.device:
    """'auto' is cuda when available else cpu; 'cuda' must be available.

    >>> resolve_device("cpu")
    device(type='cpu')
    """
    if device not in DEVICES:
        raise ValueError(f"device must be one of 'auto', 'cpu', 'cuda', got {device!r}")
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device='cuda' was asked for, but no CUDA GPU is available")
    return torch.device(device)


@dataclass(frozen=True)
class TrainConfig:
    """Settings of `train`; the defaults are the MLDawn x^3 experiment."""

    n_hidden: int = 7  # relu units in the hidden layer
    epochs: int = 4000  # passes over the data
    lr: float = 1e-4  # learning rate
    optimizer: str = "sgd"  # "sgd" or "adam" (torch defaults otherwise)
    loss: str = "mse"  # "mse" or "mae"
    batch_size: int | None = None  # None: full batch, one step per epoch
    seed: int = 0  # seeds the initialisation and the mini-batch order
    device: str = "cpu"  # "auto", "cpu" or "cuda"
    snapshot_every: int = 100  # epochs between parameter snapshots

    def __post_init__(self) -> None:
        def positive_int(name: str) -> None:
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value!r}")

        for name in ("n_hidden", "epochs", "snapshot_every"):
            positive_int(name)
        if self.batch_size is not None:
            positive_int("batch_size")
        if not (
            isinstance(self.lr, int | float)
            and not isinstance(self.lr, bool)
            and math.isfinite(self.lr)
            and self.lr > 0
        ):
            raise ValueError(f"lr must be a finite number > 0, got {self.lr!r}")
        for name, valid in (("optimizer", OPTIMIZERS), ("loss", LOSSES)):
            if getattr(self, name) not in valid:
                got = getattr(self, name)
                raise ValueError(f"{name} must be one of {sorted(valid)}, got {got!r}")
        if self.device not in DEVICES:
            raise ValueError(
                f"device must be one of 'auto', 'cpu', 'cuda', got {self.device!r}"
            )


class OneModel:
    """One Regressor as the shared loop sees it (S = 1): its own forward, its
    loss module and autograd, the arithmetic of a plain PyTorch training loop."""

    count = 1

    def __init__(self, model: Regressor, loss: str) -> None:
        self.model, self.loss_fn = model, LOSSES[loss]()

    def forward(self, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        loss: torch.Tensor = self.loss_fn(self.model(xb), yb)
        return loss.reshape(1)

    def backward(self, loss: torch.Tensor) -> None:
        torch.autograd.backward(loss)  # loss.backward(), which torch leaves unannotated

    @torch.no_grad()
    def losses(self, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
        return self.forward(xs, ys)

    def snapshot(self) -> dict[str, torch.Tensor]:
        return {
            name: self.model.get_parameter(name).detach().unsqueeze(0).clone()
            for name in SNAPSHOT_PARAMETERS
        }


def train(
    x: Any,
    y: Any,
    config: TrainConfig | None = None,
    model: Regressor | None = None,
    **overrides: Any,
) -> tuple[Regressor, History]:
    """Fit y ~ model(x) by gradient descent; return the model and its History.

    `overrides` replace fields of `config`. A given `model` is trained in place
    (its own initialisation is kept); otherwise one is built from the seed.
    A loss that becomes NaN or infinite raises TrainingDivergedError.

    >>> from relu_course.data import cubic_data
    >>> x, y = cubic_data()
    >>> model, history = train(x, y, epochs=300, snapshot_every=100)
    >>> [s.epoch for s in history.snapshots]
    [0, 100, 200, 300]
    """
    config = replace(config or TrainConfig(), **overrides)
    xs, ys = training_data(x, y, config.batch_size)
    device = resolve_device(config.device)

    set_seed(config.seed)
    if model is None:
        model = Regressor(config.n_hidden)
    model = model.to(device)
    optimizer = OPTIMIZERS[config.optimizer](model.parameters(), lr=config.lr)
    record = run(
        OneModel(model, config.loss),
        optimizer,
        xs.to(device),
        ys.to(device),
        config,
        [config.seed],
        stop=True,
    )
    (diverged,) = divergences(record, [config.lr], [""])
    if diverged is not None:
        raise diverged
    (history,) = histories(record, [0])
    return model, history
