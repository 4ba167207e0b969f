"""The one-hidden-layer relu regressor y_hat = relu(w0 x + b0) . w1 + b1, the
snapshots of its parameters that training keeps, and what a snapshot shows:
each unit's output and contribution, the prediction, the kinks, the dead units.

Introduced in the lesson "Training a ReLU regressor".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

__all__ = [
    "History",
    "Regressor",
    "Snapshot",
    "dead_units",
    "kinks",
    "predict",
    "unit_contributions",
    "unit_outputs",
]

# The parameters a Snapshot records, by the names a Regressor gives them.
SNAPSHOT_PARAMETERS = ("hidden.weight", "hidden.bias", "output.weight", "output.bias")


class Regressor(torch.nn.Module):
    """y_hat = relu(w0 x + b0) . w1 + b1 with n_hidden units (any activation).

    >>> Regressor(3).hidden
    Linear(in_features=1, out_features=3, bias=True)
    """

    hidden: torch.nn.Linear  # w0, b0
    activation: torch.nn.Module
    output: torch.nn.Linear  # w1, b1

    def __init__(
        self, n_hidden: int = 7, activation: torch.nn.Module | None = None
    ) -> None:
        super().__init__()
        if isinstance(n_hidden, bool) or not isinstance(n_hidden, int) or n_hidden < 1:
            raise ValueError(f"n_hidden must be an integer >= 1, got {n_hidden!r}")
        self.hidden = torch.nn.Linear(1, n_hidden)
        self.activation = activation if activation is not None else torch.nn.ReLU()
        self.output = torch.nn.Linear(n_hidden, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y_hat: torch.Tensor = self.output(self.activation(self.hidden(x)))
        return y_hat


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
        arrays = {
            name: model.get_parameter(name).detach().cpu().numpy()
            for name in SNAPSHOT_PARAMETERS
        }
        return cls.from_arrays(epoch, loss, arrays)

    @classmethod
    def from_arrays(
        cls, epoch: int, loss: float, arrays: Mapping[str, np.ndarray]
    ) -> Snapshot:
        """Copy parameters given as arrays by name ("hidden.weight", ...).

        >>> Snapshot.from_arrays(3, 0.5, {"hidden.weight": np.ones((2, 1)),
        ...     "hidden.bias": np.zeros(2), "output.weight": np.ones((1, 2)),
        ...     "output.bias": np.array([0.25])}).b1
        0.25
        """
        w0, b0, w1, b1 = (
            arrays[name].reshape(-1).copy() for name in SNAPSHOT_PARAMETERS
        )
        return cls(epoch=epoch, loss=loss, w0=w0, b0=b0, w1=w1, b1=float(b1[0]))


@dataclass
class History:
    """Loss per epoch and parameter snapshots taken while training."""

    losses: np.ndarray
    snapshots: list[Snapshot] = field(default_factory=list)

    @property
    def final(self) -> Snapshot:
        """The parameters after the last epoch."""
        return self.snapshots[-1]


def _inputs(x: Any) -> np.ndarray:
    return np.asarray(x, dtype=float).reshape(-1, 1)


def unit_outputs(snapshot: Snapshot, x: Any) -> np.ndarray:
    """relu(w0 x + b0) for every unit: shape (len(x), n_hidden).

    >>> s = Snapshot(0, 0.0, np.array([1.0, -1.0]), np.zeros(2), np.ones(2), 0.0)
    >>> unit_outputs(s, [-2.0, 3.0])
    array([[0., 2.],
           [3., 0.]])
    """
    outputs: np.ndarray = np.maximum(_inputs(x) * snapshot.w0 + snapshot.b0, 0.0)
    return outputs


def unit_contributions(snapshot: Snapshot, x: Any) -> np.ndarray:
    """relu(w0 x + b0) * w1 for every unit: its share of the prediction.

    >>> s = Snapshot(0, 0.0, np.array([1.0]), np.zeros(1), np.array([-2.0]), 0.0)
    >>> unit_contributions(s, [3.0])
    array([[-6.]])
    """
    contributions: np.ndarray = unit_outputs(snapshot, x) * snapshot.w1
    return contributions


def predict(snapshot: Snapshot, x: Any) -> np.ndarray:
    """y_hat = sum of the unit contributions + b1, shape (len(x),).

    A Snapshot holds weights only: this assumes relu units, whatever activation
    the model was trained with (call the model itself for another activation).

    >>> s = Snapshot(0, 0.0, np.ones(2), np.array([0.0, -1.0]), np.ones(2), 0.5)
    >>> predict(s, [2.0])
    array([3.5])
    """
    y_hat: np.ndarray = unit_contributions(snapshot, x).sum(axis=1) + snapshot.b1
    return y_hat


def kinks(snapshot: Snapshot) -> np.ndarray:
    """Where each unit switches on or off: x = -b0 / w0 (NaN where w0 = 0).

    >>> s = Snapshot(0, 0.0, np.array([2.0, 0.0]), np.array([-1.0, 1.0]), None, 0.0)
    >>> kinks(s)
    array([0.5, nan])
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        # + 0.0 turns -0.0 (from b0 = 0) into 0.0, so a kink at 0 prints as 0.
        at: np.ndarray = (
            np.where(snapshot.w0 != 0, -snapshot.b0 / snapshot.w0, np.nan) + 0.0
        )
    return at


def dead_units(snapshot: Snapshot, x: Any) -> np.ndarray:
    """True for each unit whose pre-activation w0 x + b0 <= 0 on every x.

    Such a unit outputs 0 and gets zero gradient everywhere on the data.

    >>> s = Snapshot(0, 0.0, np.ones(2), np.array([0.0, -5.0]), np.ones(2), 0.0)
    >>> dead_units(s, [-1.0, 2.0])
    array([False,  True])
    """
    dead: np.ndarray = ~(_inputs(x) * snapshot.w0 + snapshot.b0 > 0).any(axis=0)
    return dead
