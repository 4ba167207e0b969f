"""Unit tests of relu_course.loop, the training loop `train` and `train_many`
share: the order of the mini-batches, the order of a step, the losses and
snapshots recorded, and divergence, found and reported one way for both.
"""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest
import torch

import relu_course as rc
from relu_course.loop import BatchOrder, divergences, histories, run
from relu_course.regressor import SNAPSHOT_PARAMETERS
from relu_course.stacked import Stack
from relu_course.training import OneModel

X, Y = rc.cubic_data(40)
XS, YS = (torch.from_numpy(v).reshape(-1, 1) for v in (X, Y))


class Counting:
    """An optimiser that only counts its steps, logging each call."""

    def __init__(self) -> None:
        self.steps, self.calls = 0, []

    def step(self) -> None:
        self.steps += 1
        self.calls.append("step")

    def zero_grad(self) -> None:
        self.calls.append("zero_grad")


class Scripted:
    """S models whose step losses follow a script, one row per step: the loop's
    view of models, without a network. Each snapshot shows how many steps the
    optimiser took before it; the loss on all the data is 7 for every model."""

    def __init__(self, script: list[list[float]], optimizer: Counting) -> None:
        self.count = len(script[0])
        self.script, self.optimizer = iter(script), optimizer
        self.calls = optimizer.calls  # one log of the loop's calls, in order

    def forward(self, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        self.calls.append(f"forward {xb.shape[-2]}")
        return torch.tensor(next(self.script))

    def backward(self, loss: torch.Tensor) -> None:
        self.calls.append("backward")

    def losses(self, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
        return torch.full((self.count,), 7.0)

    def snapshot(self) -> dict[str, torch.Tensor]:
        steps = float(self.optimizer.steps)
        return {
            name: torch.full((self.count, 1), steps) for name in SNAPSHOT_PARAMETERS
        }


def scripted_run(script, epochs, batch_size=None, every=1, stop=False, n=5):
    """run() over n points with a Scripted model; the record and the call log."""
    optimizer = Counting()
    models = Scripted(script, optimizer)
    config = rc.TrainConfig(epochs=epochs, batch_size=batch_size, snapshot_every=every)
    record = run(models, optimizer, XS[:n], YS[:n], config, [0], stop=stop)
    return record, models.calls


# --- the order of the mini-batches ---------------------------------------------


def test_a_full_batch_epoch_is_the_data_as_it_is_in_one_batch():
    ((xb, yb),) = BatchOrder(40, None, [0], "cpu").epoch(XS, YS)
    assert xb is XS
    assert yb is YS


def test_each_mini_batch_epoch_takes_every_row_once_in_a_new_order():
    order = BatchOrder(40, 16, [3], "cpu")
    epochs = [[xb for xb, _ in order.epoch(XS, YS)] for _ in range(2)]
    for batches in epochs:
        assert [len(xb) for xb in batches] == [16, 16, 8] == order.sizes
        torch.testing.assert_close(torch.cat(batches).sort(0).values, XS)
    assert not torch.equal(torch.cat(epochs[0]), torch.cat(epochs[1]))


def test_models_with_their_own_orders_get_the_batches_each_would_get_alone():
    together = BatchOrder(40, 16, [3, 4, 3], "cpu")
    alone = {seed: BatchOrder(40, 16, [seed], "cpu") for seed in (3, 4)}
    for _ in range(3):  # epochs
        own = {seed: list(order.epoch(XS, YS)) for seed, order in alone.items()}
        for k, (xb, yb) in enumerate(together.epoch(XS, YS)):
            assert xb.shape[:2] == (3, together.sizes[k])
            for i, seed in enumerate((3, 4, 3)):
                assert torch.equal(xb[i], own[seed][k][0])
                assert torch.equal(yb[i], own[seed][k][1])


def test_train_and_train_many_feed_a_model_the_same_mini_batches(monkeypatch):
    seen: dict[str, list[torch.Tensor]] = {"train": [], "train_many": []}

    def recording(cls, name):
        forward = cls.forward

        def record(self, xb, yb):
            if xb.shape[-2] < len(X):  # a mini-batch, not all the data of a snapshot
                seen[name].append(xb.clone())
            return forward(self, xb, yb)

        monkeypatch.setattr(cls, "forward", record)

    recording(OneModel, "train")
    recording(Stack, "train_many")
    config = rc.TrainConfig(epochs=3, batch_size=16, lr=1e-2, optimizer="adam")
    rc.set_seed(0)
    models = [rc.Regressor(5), rc.Regressor(5)]
    rc.train(X, Y, config, model=copy.deepcopy(models[1]), seed=8)
    rc.train_many(X, Y, models, config, orders=[7, 8])
    assert len(seen["train"]) == len(seen["train_many"]) == 9
    for alone, stacked in zip(seen["train"], seen["train_many"], strict=True):
        assert torch.equal(alone, stacked[1])  # the same rows, in the same order


# --- a step, the losses and the snapshots --------------------------------------


def test_every_step_is_forward_backward_step_then_the_gradients_cleared():
    _, calls = scripted_run([[1.0]] * 2, epochs=2)
    assert calls == ["forward 5", "backward", "step", "zero_grad"] * 2


def test_an_epochs_loss_weighs_each_batch_by_its_size():
    # 5 points in batches of 2: sizes 2, 2, 1
    record, _ = scripted_run([[1.0], [2.0], [4.0]] * 2, epochs=2, batch_size=2)
    (history,) = histories(record, [0])
    assert history.losses.dtype == np.float64
    np.testing.assert_array_equal(history.losses, [2.0, 2.0])  # (2 + 4 + 4) / 5


def test_a_snapshot_holds_the_parameters_before_its_epochs_first_step_and_the_last():
    record, _ = scripted_run([[1.0]] * 7, epochs=7, every=3)
    (history,) = histories(record, [0])
    assert [s.epoch for s in history.snapshots] == [0, 3, 6, 7]
    assert [s.b1 for s in history.snapshots] == [0.0, 3.0, 6.0, 7.0]  # steps taken


def test_a_full_batch_snapshot_keeps_its_steps_loss_a_mini_batch_one_all_the_datas():
    script = [[float(k)] for k in range(1, 7)]
    full, _ = scripted_run(script[:2], epochs=2)
    mini, _ = scripted_run(script, epochs=2, batch_size=2)
    assert [s.loss for s in histories(full, [0])[0].snapshots] == [1.0, 2.0, 7.0]
    assert [s.loss for s in histories(mini, [0])[0].snapshots] == [7.0, 7.0, 7.0]


def test_each_model_gets_its_own_history_from_one_record():
    record, _ = scripted_run([[1.0, 3.0]] * 2, epochs=2)
    first, second = histories(record, [0, 1])
    np.testing.assert_array_equal(first.losses, [1.0, 1.0])
    np.testing.assert_array_equal(second.losses, [3.0, 3.0])
    assert [s.loss for s in second.snapshots] == [3.0, 3.0, 7.0]


# --- divergence ---------------------------------------------------------------


@pytest.mark.parametrize("bad", [math.inf, math.nan])
def test_stopping_at_a_non_finite_loss_takes_no_step_with_it(bad):
    script = [[1.0, 1.0], [2.0, 2.0], [1.0, bad], [4.0, 4.0]]
    record, calls = scripted_run(script, epochs=4, stop=True)
    assert calls.count("step") == 2
    assert calls[-1] == "forward 5"
    assert record.stopped
    errors = divergences(record, [0.5, 0.5], ["a: ", "b: "])
    assert errors[0] is None  # the other model had not diverged when it stopped
    assert str(errors[1]) == (
        f"b: loss became {bad} at epoch 2 (lr=0.5); try a smaller learning rate"
    )


def test_without_stopping_every_epoch_runs_and_each_divergence_is_named():
    script = [[1.0, 1.0, 1.0], [math.nan, 2.0, 1.0], [math.nan, math.inf, 1.0]]
    record, calls = scripted_run(script, epochs=3)
    assert calls.count("step") == 3
    assert not record.stopped
    errors = divergences(record, [0.1, 0.2, 0.3], ["a: ", "b: ", "c: "])
    assert [str(e) if e else None for e in errors] == [
        "a: loss became nan at epoch 1 (lr=0.1); try a smaller learning rate",
        "b: loss became inf at epoch 2 (lr=0.2); try a smaller learning rate",
        None,
    ]
    assert all(isinstance(e, rc.TrainingDivergedError) for e in errors[:2])


def test_a_loss_that_turns_non_finite_after_the_last_step_is_divergence_too():
    record, _ = scripted_run([[1.0]] * 2, epochs=2)
    record.taken[-1] = (2, record.taken[-1][1], torch.tensor([math.nan]))
    (error,) = divergences(record, [1e-3], [""])
    assert str(error) == (
        "loss became nan at epoch 2, after the last step (lr=0.001); "
        "try a smaller learning rate"
    )


@pytest.mark.parametrize(("lr", "batch_size"), [(1e-3, None), (1e-2, 16), (1e3, None)])
def test_train_and_train_many_report_a_divergence_in_the_same_words(lr, batch_size):
    # These runs explode within a few steps: autograd's rounding and train_many's
    # formulas reach the same non-finite loss at the same epoch.
    config = rc.TrainConfig(epochs=50, lr=lr, batch_size=batch_size)
    rc.set_seed(0)
    model = rc.Regressor(5)
    with pytest.raises(rc.TrainingDivergedError) as alone:
        rc.train(X, Y, config, model=copy.deepcopy(model))
    with pytest.raises(rc.TrainingDivergedError) as batched:
        rc.train_many(X, Y, [model], config, diverged="raise")
    assert str(batched.value) == f"models[0]: {alone.value}"
    assert rc.train_many(X, Y, [model], config) == [None]
