"""The training loop that `train` and `train_many` share: the mini-batches of
each epoch, one step of every model, the losses and snapshots recorded, the
divergence check and each model's History.

`train` runs it on one model, `train_many` on a stack of many; the two differ
only in how the models compute their losses and gradients (a `Models`).
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np
import torch

from relu_course.regressor import SNAPSHOT_PARAMETERS, History, Snapshot

if TYPE_CHECKING:
    from relu_course.training import TrainConfig

__all__ = ["TrainingDivergedError"]


class TrainingDivergedError(FloatingPointError):
    """The training loss became NaN or infinite."""


class Models(Protocol):
    """The S models a loop trains (S = 1 for `train`), as the loop sees them."""

    count: int  # S

    def forward(self, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        """Each model's mean loss on its batch, shape (S,), ready for backward."""
        ...

    def backward(self, loss: torch.Tensor) -> None:
        """Set the gradients of the loss that forward returned."""
        ...

    def losses(self, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
        """Each model's mean loss on all the data, shape (S,), without gradients."""
        ...

    def snapshot(self) -> dict[str, torch.Tensor]:
        """Copies of the Snapshot parameters, each with the models on axis 0."""
        ...


class Optimizer(Protocol):
    """What the loop asks of an optimiser: PlainSGD's or torch.optim's methods."""

    def step(self) -> object: ...

    def zero_grad(self) -> None: ...


class BatchOrder:
    """Which rows of the data each step takes, epoch after epoch.

    Full batch: all the rows as they are. Mini-batches: each epoch a new
    permutation from a CPU generator seeded by the model's order seed, so that
    the order is the same on any device; models with one seed share its
    generator, so each model gets the batches train(seed=order) would give it.

    >>> xs = torch.arange(5.0).reshape(-1, 1)
    >>> order = BatchOrder(5, batch_size=2, orders=[0], device="cpu")
    >>> batches = [xb.flatten().tolist() for xb, _ in order.epoch(xs, xs)]
    >>> [len(b) for b in batches], sorted(sum(batches, []))
    ([2, 2, 1], [0.0, 1.0, 2.0, 3.0, 4.0])
    """

    def __init__(
        self, n: int, batch_size: int | None, orders: Sequence[int], device: str
    ) -> None:
        self.n, self.batch = n, batch_size or n
        self.full = self.batch == n
        self.sizes = [min(self.batch, n - start) for start in range(0, n, self.batch)]
        self.orders, self.device = list(orders), device
        self.generators = {
            order: torch.Generator().manual_seed(order)
            for order in dict.fromkeys(self.orders)
        }

    def epoch(
        self, xs: torch.Tensor, ys: torch.Tensor
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """The next epoch's batches: (B, 1) each, or (S, B, 1) for several orders."""
        if self.full:
            yield xs, ys
            return
        perms = {
            o: torch.randperm(self.n, generator=g) for o, g in self.generators.items()
        }
        index = (  # (N,) shared by all models, or (S, N): one row per model
            perms[self.orders[0]]
            if len(perms) == 1
            else torch.stack([perms[o] for o in self.orders])
        ).to(self.device)
        for start in range(0, self.n, self.batch):
            idx = index[..., start : start + self.batch]
            yield xs[idx], ys[idx]


# A snapshot as the loop takes it: the epoch, the parameters' copies, the losses (S,).
Taken = tuple[int, dict[str, torch.Tensor], torch.Tensor]


@dataclass
class Record:
    """What a loop keeps: every step's losses and the snapshots' tensors."""

    steps: torch.Tensor  # (epochs, batches per epoch, S), zeros after a stop
    sizes: list[int]  # the number of rows of each batch of an epoch
    taken: list[Taken]
    stopped: bool = False  # at a non-finite loss, before the last step


def run(
    models: Models,
    optimizer: Optimizer,
    xs: torch.Tensor,
    ys: torch.Tensor,
    config: TrainConfig,
    orders: Sequence[int],
    *,
    stop: bool,
) -> Record:
    """Train for config.epochs (`stop`: to the first non-finite loss), recording.

    A snapshot is taken every config.snapshot_every epochs, before that epoch's
    first step, with the loss on all the data; another after the last step.
    """
    order = BatchOrder(len(xs), config.batch_size, orders, str(xs.device))
    # Every step's losses stay on the device until the end.
    steps: list[torch.Tensor] = []
    taken: list[Taken] = []
    stopped = False
    for epoch in range(config.epochs):
        snapshot = epoch % config.snapshot_every == 0
        if snapshot and not order.full:  # the loss on all the data, not a batch's
            taken.append((epoch, models.snapshot(), models.losses(xs, ys)))
        for xb, yb in order.epoch(xs, ys):
            loss = models.forward(xb, yb)
            steps.append(loss.detach())
            if snapshot and order.full:
                taken.append((epoch, models.snapshot(), steps[-1]))
            # A sync per step, only where the first non-finite loss ends training
            # (the largest loss is NaN if any is: max propagates NaN).
            stopped = stop and not math.isfinite(loss.max().item())
            if stopped:
                break
            models.backward(loss)
            optimizer.step()
            optimizer.zero_grad()
        if stopped:
            break
    else:
        taken.append((config.epochs, models.snapshot(), models.losses(xs, ys)))
    return Record(_grid(steps, config.epochs, order.sizes), order.sizes, taken, stopped)


def _grid(steps: list[torch.Tensor], epochs: int, sizes: list[int]) -> torch.Tensor:
    """The step losses as (epochs, batches per epoch, S), zeros after a stop."""
    grid = torch.zeros(epochs * len(sizes), *steps[0].shape, device=steps[0].device)
    grid[: len(steps)] = torch.stack(steps)
    return grid.reshape(epochs, len(sizes), -1)


def divergence(
    steps: np.ndarray, final: float | None, epochs: int, lr: float
) -> str | None:
    """How one model's training diverged, from its step losses (epochs, batches)
    and its loss after the last step (None: stopped before it); None if it did not.

    >>> divergence(np.array([[1.0], [np.inf]]), None, 2, 0.5)
    'loss became inf at epoch 1 (lr=0.5); try a smaller learning rate'
    """
    bad = ~np.isfinite(steps)
    if bad.any():
        epoch = int(np.argmax(bad.any(axis=1)))
        where = f"{float(steps[epoch][bad[epoch]][0])} at epoch {epoch}"
    elif final is not None and not math.isfinite(final):
        where = f"{final} at epoch {epochs}, after the last step"
    else:
        return None
    return f"loss became {where} (lr={lr}); try a smaller learning rate"


def divergences(
    record: Record, lrs: Sequence[float], names: Sequence[str]
) -> list[TrainingDivergedError | None]:
    """Each model's TrainingDivergedError, naming it, or None if it did not diverge.

    `names` say which model diverged ("" for the one model of `train`), `lrs`
    at which learning rate.
    """
    steps = record.steps.cpu().numpy()
    final = None if record.stopped else record.taken[-1][2].cpu().numpy()
    errors: list[TrainingDivergedError | None] = []
    for i, (name, lr) in enumerate(zip(names, lrs, strict=True)):
        last = None if final is None else float(final[i])
        diverged = divergence(steps[:, :, i], last, len(steps), lr)
        errors.append(
            None if diverged is None else TrainingDivergedError(name + diverged)
        )
    return errors


def histories(record: Record, which: Sequence[int]) -> list[History]:
    """The History of each model in `which`, from a record that ran to the end."""
    steps = record.steps.cpu().numpy().astype(np.float64)
    # An epoch's loss: its batches' losses in float64, weighted by their sizes.
    losses = np.zeros((steps.shape[0], steps.shape[2]))  # (epochs, S)
    for k, size in enumerate(record.sizes):
        losses += steps[:, k] * size
    losses /= sum(record.sizes)
    taken = [
        (epoch, {k: v.cpu().numpy() for k, v in copies.items()}, loss.cpu().numpy())
        for epoch, copies, loss in record.taken
    ]
    return [
        History(
            losses=losses[:, i].copy(),
            snapshots=[
                Snapshot.from_arrays(
                    epoch, float(loss[i]), {n: a[n][i] for n in SNAPSHOT_PARAMETERS}
                )
                for epoch, a, loss in taken
            ],
        )
        for i in which
    ]
