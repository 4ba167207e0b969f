"""Unit tests of relu_course.batched: train_many against `train` run one model at
a time, as micrograd checks itself against PyTorch, its divergence report and
its refusals.
"""

from __future__ import annotations

import copy
from dataclasses import replace

import numpy as np
import pytest
import torch

import relu_course as rc
from relu_course.batched import train_many
from tests.models import Subclassed, seeded

X, Y = rc.cubic_data(40)
SEEDS = [0, 1, 2]
ACTIVATIONS = {
    "relu": torch.nn.ReLU,
    "leaky relu": lambda: torch.nn.LeakyReLU(0.1),
    "PReLU": lambda: torch.nn.PReLU(5),  # learnable: goes through vmap
}


def one_at_a_time(models, config, orders):
    """train on a copy of each model; None where it diverges."""
    results = []
    for model, order in zip(models, orders, strict=True):
        try:
            results.append(
                rc.train(X, Y, config, model=copy.deepcopy(model), seed=order)
            )
        except rc.TrainingDivergedError:
            results.append(None)
    return results


def assert_same_training(got, want):
    """Same final parameters, loss history and snapshots, up to float rounding."""
    (got_model, got_history), (want_model, want_history) = got, want
    for (name, a), (_, b) in zip(
        got_model.named_parameters(), want_model.named_parameters(), strict=True
    ):
        torch.testing.assert_close(a, b, rtol=1e-4, atol=1e-5, msg=name)
    np.testing.assert_allclose(got_history.losses, want_history.losses, rtol=1e-4)
    assert [s.epoch for s in got_history.snapshots] == [
        s.epoch for s in want_history.snapshots
    ]
    for a, b in zip(got_history.snapshots, want_history.snapshots, strict=True):
        np.testing.assert_allclose(a.loss, b.loss, rtol=1e-4)
        for field in ("w0", "b0", "w1", "b1"):
            np.testing.assert_allclose(
                getattr(a, field), getattr(b, field), rtol=1e-4, atol=1e-5
            )


@pytest.mark.parametrize("loss", ["mse", "mae"])
@pytest.mark.parametrize("activation", ACTIVATIONS.values(), ids=ACTIVATIONS)
def test_train_many_matches_train_one_model_at_a_time_with_full_batch_sgd(
    activation, loss
):
    config = rc.TrainConfig(epochs=40, lr=1e-4, loss=loss, snapshot_every=15)
    models = seeded(SEEDS, activation)
    want = one_at_a_time(models, config, [config.seed] * len(models))
    got = train_many(X, Y, models, config)
    for g, w in zip(got, want, strict=True):
        assert_same_training(g, w)
    assert [s.epoch for s in got[0][1].snapshots] == [0, 15, 30, 40]


@pytest.mark.parametrize("activation", ACTIVATIONS.values(), ids=ACTIVATIONS)
def test_train_many_matches_train_with_adam_mini_batches_in_each_models_order(
    activation,
):
    # 40 points in batches of 16: the last batch of each epoch holds 8.
    config = rc.TrainConfig(
        epochs=12, lr=1e-2, optimizer="adam", batch_size=16, snapshot_every=5
    )
    orders = [7, 8, 9]
    models = seeded(SEEDS, activation)
    want = one_at_a_time(models, config, orders)
    got = train_many(X, Y, models, config, orders=orders)
    for g, w in zip(got, want, strict=True):
        assert_same_training(g, w)


@pytest.mark.parametrize("batch_size", [None, 16], ids=["full batch", "mini-batches"])
@pytest.mark.parametrize("activation", ACTIVATIONS.values(), ids=ACTIVATIONS)
def test_each_model_can_take_its_own_sgd_learning_rate(activation, batch_size):
    config = rc.TrainConfig(epochs=30, batch_size=batch_size, snapshot_every=10)
    lrs = [3e-5, 1.0, 1e-5]  # the second diverges, and leaves the others alone
    models = seeded(SEEDS, activation)
    want = [
        one_at_a_time([model], replace(config, lr=lr), [config.seed])[0]
        for model, lr in zip(models, lrs, strict=True)
    ]
    assert want[1] is None
    got = train_many(X, Y, models, config, lrs=lrs)
    assert got[1] is None
    for index in (0, 2):
        assert_same_training(got[index], want[index])
    # the same as one batch per learning rate
    (alone,) = train_many(X, Y, seeded(SEEDS[:1], activation), config, lr=lrs[0])
    assert_same_training(got[0], alone)


@pytest.mark.parametrize(
    ("lrs", "overrides", "error", "message"),
    [
        ([1e-4, 2e-4], {}, ValueError, r"one learning rate per model \(3\), got 2"),
        ([1e-4, 2e-4, 0.0], {}, ValueError, r"lrs\[2\] must be a finite number > 0"),
        ([1e-4, -1e-4, 1e-4], {}, ValueError, r"lrs\[1\] must be a finite number"),
        ([1e-4, 2e-4, float("inf")], {}, ValueError, r"lrs\[2\] must be a finite"),
        ([1e-4, 2e-4, float("nan")], {}, ValueError, r"lrs\[2\] must be a finite"),
        ([1e-4, True, 2e-4], {}, TypeError, r"lrs\[1\] must be a number"),
        ([1e-4, "0.1", 2e-4], {}, TypeError, r"lrs\[1\] must be a number"),
        (1e-4, {}, TypeError, "lrs must be a sequence of learning rates"),
        ("0.1", {}, TypeError, "lrs must be a sequence of learning rates"),
        ([1e-4] * 3, {"optimizer": "adam"}, ValueError, "lrs needs optimizer='sgd'"),
    ],
)
def test_bad_learning_rates_per_model_are_refused(lrs, overrides, error, message):
    with pytest.raises(error, match=message):
        train_many(X, Y, seeded(SEEDS), epochs=1, lrs=lrs, **overrides)


def test_without_orders_every_model_takes_the_mini_batches_of_the_config_seed():
    config = rc.TrainConfig(epochs=8, lr=1e-2, optimizer="adam", batch_size=10, seed=4)
    models = seeded(SEEDS)
    want = one_at_a_time(models, config, [4] * len(models))
    for g, w in zip(train_many(X, Y, models, config), want, strict=True):
        assert_same_training(g, w)


def test_models_of_a_subclass_go_through_vmap_and_train_the_same():
    config = rc.TrainConfig(epochs=20, lr=1e-2, optimizer="adam", batch_size=16)
    fast = train_many(X, Y, seeded(SEEDS), config, orders=SEEDS)
    vmapped = train_many(X, Y, seeded(SEEDS, cls=Subclassed), config, orders=SEEDS)
    for g, w in zip(vmapped, fast, strict=True):
        assert_same_training(g, w)


def test_the_given_models_are_trained_in_place_and_returned():
    models = seeded(SEEDS)
    before = [m.hidden.bias.detach().clone() for m in models]
    results = train_many(X, Y, models, epochs=5, lr=1e-4)
    for model, (trained, history), start in zip(models, results, before, strict=True):
        assert trained is model
        assert not torch.equal(model.hidden.bias, start)
        np.testing.assert_array_equal(history.final.b0, model.hidden.bias.detach())


@pytest.mark.parametrize(
    ("epochs", "scale"),
    [(5, 1e5), (1, 1e5)],  # diverges during training, then after the last step
    ids=["during", "after the last step"],
)
@pytest.mark.parametrize("activation", [torch.nn.ReLU, ACTIVATIONS["PReLU"]])
def test_a_diverging_model_gives_none_and_the_others_train_as_if_alone(
    epochs, scale, activation
):
    config = rc.TrainConfig(epochs=epochs, lr=1e-4, snapshot_every=2)
    models = seeded(SEEDS, activation)
    with torch.no_grad():
        for parameter in models[1].parameters():
            parameter.mul_(scale)  # huge weights: the loss overflows
    want = one_at_a_time(models, config, [0] * len(models))
    assert want[1] is None  # train refuses it too
    got = train_many(X, Y, models, config)
    assert got[1] is None
    for index in (0, 2):
        assert_same_training(got[index], want[index])
        assert np.isfinite(got[index][1].losses).all()


@pytest.mark.parametrize("activation", [torch.nn.ReLU, ACTIVATIONS["PReLU"]])
def test_asked_to_raise_a_diverging_model_raises_what_train_raises_naming_it(
    activation,
):
    config = rc.TrainConfig(epochs=20, lr=1e-4)
    models = seeded(SEEDS, activation)
    with torch.no_grad():
        for parameter in models[1].parameters():
            parameter.mul_(1e5)  # huge weights: the loss overflows
    before = [copy.deepcopy(model.state_dict()) for model in models]
    with pytest.raises(rc.TrainingDivergedError) as alone:
        rc.train(X, Y, config, model=copy.deepcopy(models[1]))
    with pytest.raises(rc.TrainingDivergedError) as batched:
        train_many(X, Y, models, config, diverged="raise")
    assert str(batched.value) == f"models[1]: {alone.value}"
    for model, state in zip(models, before, strict=True):  # all left as given
        for name, tensor in model.state_dict().items():
            assert torch.equal(tensor, state[name]), name


def test_a_bad_choice_for_a_diverged_model_is_refused():
    with pytest.raises(ValueError, match="diverged must be 'none' or 'raise'"):
        train_many(X, Y, seeded(SEEDS), epochs=1, diverged="skip")


def test_a_single_model_trains_like_train():
    config = rc.TrainConfig(epochs=10, lr=1e-4)
    (model,) = seeded([3])
    want = one_at_a_time([model], config, [0])
    (got,) = train_many(X, Y, [model], config)
    assert_same_training(got, want[0])


@pytest.mark.parametrize(
    ("models", "error", "message"),
    [
        ([], ValueError, "models must hold at least one Regressor"),
        (rc.Regressor(5), TypeError, "models must be a sequence of Regressor"),
        ([rc.Regressor(5), torch.nn.Linear(1, 1)], TypeError, r"models\[1\] must be"),
        ([rc.Regressor(5), rc.Regressor(6)], ValueError, r"models\[1\] has n_hidden=6"),
        (
            [rc.Regressor(5), rc.Regressor(5, activation=torch.nn.LeakyReLU(0.1))],
            ValueError,
            "architecture of models",
        ),
        (
            [
                rc.Regressor(5, activation=torch.nn.LeakyReLU(0.1)),
                rc.Regressor(5, activation=torch.nn.LeakyReLU(0.2)),
            ],
            ValueError,
            "negative_slope=0.2",
        ),
        ([rc.Regressor(5), Subclassed(5)], ValueError, "architecture of models"),
    ],
    ids=[
        "empty",
        "not a sequence",
        "not a Regressor",
        "other width",
        "other activation",
        "other slope",
        "other class",
    ],
)
def test_models_that_cannot_train_together_are_refused(models, error, message):
    with pytest.raises(error, match=message):
        train_many(X, Y, models, epochs=1)


def test_the_same_model_twice_is_refused():
    model = rc.Regressor(5)
    with pytest.raises(ValueError, match=r"models\[1\] shares parameters"):
        train_many(X, Y, [model, model], epochs=1)


@pytest.mark.parametrize(
    ("orders", "error", "message"),
    [
        ([0, 1], ValueError, r"one integer per model \(3\), got 2"),
        ([0, 1, 2.0], TypeError, r"orders\[2\] must be an integer"),
        ([0, 1, True], TypeError, r"orders\[2\] must be an integer"),
        (5, TypeError, "orders must be a sequence of integers"),
    ],
)
def test_bad_orders_are_refused(orders, error, message):
    with pytest.raises(error, match=message):
        train_many(X, Y, seeded(SEEDS), epochs=1, batch_size=8, orders=orders)


@pytest.mark.parametrize(
    ("x", "y", "overrides", "message"),
    [
        (X, Y[:-1], {}, "x and y must have the same length"),
        (X, Y, {"batch_size": 41}, "batch_size must be <= len"),
        ([1.0, 2.0], Y, {}, "x must be a numpy array"),
        (X, Y, {"lr": -1.0}, "lr must be"),
    ],
)
def test_bad_data_and_settings_are_refused_as_train_refuses_them(
    x, y, overrides, message
):
    for fit in (
        lambda: rc.train(x, y, model=rc.Regressor(5), epochs=1, **overrides),
        lambda: train_many(x, y, seeded(SEEDS), epochs=1, **overrides),
    ):
        with pytest.raises((TypeError, ValueError), match=message):
            fit()
