"""The one-hidden-layer relu regressor y_hat = relu(w0 x + b0) . w1 + b1, its
training loop with history, what each unit contributes, and the data sets of
the source articles.

Introduced in the lesson "Training a ReLU regressor".
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field, replace
from functools import partial
from typing import Any

import numpy as np
import torch

__all__ = [
    "History",
    "PlainSGD",
    "Regressor",
    "Snapshot",
    "TrainConfig",
    "TrainingDivergedError",
    "cubic_data",
    "dead_units",
    "kinks",
    "noisy_quadratic_data",
    "predict",
    "resolve_device",
    "set_seed",
    "train",
    "unit_contributions",
    "unit_outputs",
    "wiggly_data",
]


class PlainSGD:
    """Gradient descent, p <- p - lr * p.grad: torch.optim.SGD's defaults, same numbers.

    torch.optim's first optimizer in a process imports torch._dynamo (0.85 s of a
    lesson's run), and on these tiny networks its bookkeeping costs as much as
    the update itself.

    >>> p = torch.tensor([1.0], requires_grad=True); (2 * p).sum().backward()
    >>> sgd = PlainSGD([p], lr=0.25); sgd.step(); sgd.zero_grad(); p, p.grad
    (tensor([0.5000], requires_grad=True), None)
    """

    def __init__(self, params: Any, lr: float) -> None:
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
OPTIMIZERS = {"adam": partial(torch.optim.Adam, fused=True), "sgd": PlainSGD}
LOSSES = {"mae": torch.nn.L1Loss, "mse": torch.nn.MSELoss}


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
    if device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if device == "cpu":
        return torch.device("cpu")
    if device == "cuda":
        if not torch.cuda.is_available():
            raise RuntimeError(
                "device='cuda' was asked for, but no CUDA GPU is available"
            )
        return torch.device("cuda")
    raise ValueError(f"device must be one of 'auto', 'cpu', 'cuda', got {device!r}")


class Regressor(torch.nn.Module):
    """y_hat = relu(w0 x + b0) . w1 + b1 with n_hidden units (any activation).

    >>> Regressor(3).hidden
    Linear(in_features=1, out_features=3, bias=True)
    """

    def __init__(self, n_hidden: int = 7, activation: torch.nn.Module | None = None):
        super().__init__()
        if isinstance(n_hidden, bool) or not isinstance(n_hidden, int) or n_hidden < 1:
            raise ValueError(f"n_hidden must be an integer >= 1, got {n_hidden!r}")
        self.hidden = torch.nn.Linear(1, n_hidden)  # w0, b0
        self.activation = activation if activation is not None else torch.nn.ReLU()
        self.output = torch.nn.Linear(n_hidden, 1)  # w1, b1

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.output(self.activation(self.hidden(x)))


@dataclass(frozen=True)
class Snapshot:
    """The parameters at the start of one epoch (numpy copies, one row per unit)."""

    epoch: int
    loss: float
    w0: np.ndarray
    b0: np.ndarray
    w1: np.ndarray
    b1: float

    @classmethod
    def of(cls, model: Regressor, epoch: int, loss: float) -> Snapshot:
        """Copy the parameters of a model."""

        def copy(t: torch.Tensor) -> np.ndarray:
            return t.detach().cpu().numpy().reshape(-1).copy()

        return cls(
            epoch=epoch,
            loss=loss,
            w0=copy(model.hidden.weight),
            b0=copy(model.hidden.bias),
            w1=copy(model.output.weight),
            b1=float(copy(model.output.bias)[0]),
        )


@dataclass
class History:
    """Loss per epoch and parameter snapshots taken while training."""

    losses: np.ndarray
    snapshots: list[Snapshot] = field(default_factory=list)

    @property
    def final(self) -> Snapshot:
        """The parameters after the last epoch."""
        return self.snapshots[-1]


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
        if self.device not in ("auto", "cpu", "cuda"):
            raise ValueError(
                f"device must be one of 'auto', 'cpu', 'cuda', got {self.device!r}"
            )


class TrainingDivergedError(FloatingPointError):
    """The training loss became NaN or infinite."""


def _column(values: Any, name: str) -> torch.Tensor:
    """A finite float32 column (N, 1) from a 1-D or (N, 1) array or tensor."""
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


def _training_data(
    x: Any, y: Any, config: TrainConfig
) -> tuple[torch.Tensor, torch.Tensor]:
    """x and y as float32 columns, refused unless they pair up and fit the batch."""
    xs, ys = _column(x, "x"), _column(y, "y")
    if len(xs) != len(ys):
        raise ValueError(
            f"x and y must have the same length, got {len(xs)} and {len(ys)}"
        )
    if config.batch_size is not None and config.batch_size > len(xs):
        raise ValueError(
            f"batch_size must be <= len(x) = {len(xs)}, got {config.batch_size}"
        )
    return xs, ys


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

    >>> x, y = cubic_data()
    >>> model, history = train(x, y, epochs=300, snapshot_every=100)
    >>> [s.epoch for s in history.snapshots]
    [0, 100, 200, 300]
    """
    config = replace(config or TrainConfig(), **overrides)
    xs, ys = _training_data(x, y, config)
    device = resolve_device(config.device)

    set_seed(config.seed)
    if model is None:
        model = Regressor(config.n_hidden)
    model = model.to(device)
    xs, ys = xs.to(device), ys.to(device)
    optimizer = OPTIMIZERS[config.optimizer](model.parameters(), lr=config.lr)
    loss_fn = LOSSES[config.loss]()
    # Mini-batch order comes from its own generator, so it is the same on any device.
    order = torch.Generator().manual_seed(config.seed)
    batch = config.batch_size or len(xs)

    losses = np.empty(config.epochs)
    snapshots: list[Snapshot] = []
    for epoch in range(config.epochs):
        perm = torch.randperm(len(xs), generator=order) if batch < len(xs) else None
        total = 0.0
        for start in range(0, len(xs), batch):
            idx = (
                perm[start : start + batch].to(device)
                if perm is not None
                else slice(None)
            )
            loss = loss_fn(model(xs[idx]), ys[idx])
            value = loss.item()
            if not math.isfinite(value):
                raise TrainingDivergedError(
                    f"loss became {value} at epoch {epoch} (lr={config.lr}); "
                    "try a smaller learning rate"
                )
            if start == 0 and epoch % config.snapshot_every == 0:
                if perm is not None:  # a snapshot records the loss on all the data
                    with torch.no_grad():
                        value_all = float(loss_fn(model(xs), ys))
                else:
                    value_all = value
                snapshots.append(Snapshot.of(model, epoch, value_all))
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            total += value * len(ys[idx])
        losses[epoch] = total / len(xs)
    with torch.no_grad():
        final_loss = float(loss_fn(model(xs), ys))
    if not math.isfinite(final_loss):  # the very last step can diverge too
        raise TrainingDivergedError(
            f"loss became {final_loss} at epoch {config.epochs}, after the last "
            f"step (lr={config.lr}); "
            "try a smaller learning rate"
        )
    snapshots.append(Snapshot.of(model, config.epochs, final_loss))
    return model, History(losses=losses, snapshots=snapshots)


def _inputs(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=float).reshape(-1, 1)


def unit_outputs(snapshot: Snapshot, x: Any) -> np.ndarray:
    """relu(w0 x + b0) for every unit: shape (len(x), n_hidden).

    >>> s = Snapshot(0, 0.0, np.array([1.0, -1.0]), np.zeros(2), np.ones(2), 0.0)
    >>> unit_outputs(s, [-2.0, 3.0])
    array([[0., 2.],
           [3., 0.]])
    """
    return np.maximum(_inputs(x) * snapshot.w0 + snapshot.b0, 0.0)


def unit_contributions(snapshot: Snapshot, x: Any) -> np.ndarray:
    """relu(w0 x + b0) * w1 for every unit: its share of the prediction.

    >>> s = Snapshot(0, 0.0, np.array([1.0]), np.zeros(1), np.array([-2.0]), 0.0)
    >>> unit_contributions(s, [3.0])
    array([[-6.]])
    """
    return unit_outputs(snapshot, x) * snapshot.w1


def predict(snapshot: Snapshot, x: Any) -> np.ndarray:
    """y_hat = sum of the unit contributions + b1, shape (len(x),).

    A Snapshot holds weights only: this assumes relu units, whatever activation
    the model was trained with (call the model itself for another activation).

    >>> s = Snapshot(0, 0.0, np.ones(2), np.array([0.0, -1.0]), np.ones(2), 0.5)
    >>> predict(s, [2.0])
    array([3.5])
    """
    return unit_contributions(snapshot, x).sum(axis=1) + snapshot.b1


def kinks(snapshot: Snapshot) -> np.ndarray:
    """Where each unit switches on or off: x = -b0 / w0 (NaN where w0 = 0).

    >>> s = Snapshot(0, 0.0, np.array([2.0, 0.0]), np.array([-1.0, 1.0]), None, 0.0)
    >>> kinks(s)
    array([0.5, nan])
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        # + 0.0 turns -0.0 (from b0 = 0) into 0.0, so a kink at 0 prints as 0.
        return np.where(snapshot.w0 != 0, -snapshot.b0 / snapshot.w0, np.nan) + 0.0


def dead_units(snapshot: Snapshot, x: Any) -> np.ndarray:
    """True for each unit whose pre-activation w0 x + b0 <= 0 on every x.

    Such a unit outputs 0 and gets zero gradient everywhere on the data.

    >>> s = Snapshot(0, 0.0, np.ones(2), np.array([0.0, -5.0]), np.ones(2), 0.0)
    >>> dead_units(s, [-1.0, 2.0])
    array([False,  True])
    """
    return ~(_inputs(x) * snapshot.w0 + snapshot.b0 > 0).any(axis=0)


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
