"""Unit tests of relu_course.dying: activation slopes, the dead-unit mask and
the many-seed dying-relu experiment.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

import relu_course as rc
from relu_course.dying import _dead_counts

X = np.linspace(-2.0, 2.0, 41)


def model_with(weights, biases, activation=None) -> rc.Regressor:
    """A Regressor whose hidden layer has the given w0 and b0."""
    model = rc.Regressor(len(weights), activation=activation)
    with torch.no_grad():
        model.hidden.weight.copy_(torch.tensor(weights)[:, None])
        model.hidden.bias.copy_(torch.tensor(biases))
    return model


def test_relu_slopes_are_one_where_the_pre_activation_is_positive_else_zero():
    model = model_with([1.0, -2.0, 0.5], [0.0, 1.0, -3.0])
    z = X[:, None] * np.array([1.0, -2.0, 0.5]) + np.array([0.0, 1.0, -3.0])
    expected = (z > 0).astype(np.float32)
    np.testing.assert_array_equal(rc.activation_slopes(model, X), expected)


def test_leaky_relu_slopes_are_its_negative_slope_left_of_the_kink():
    model = model_with([1.0], [0.5], activation=torch.nn.LeakyReLU(0.1))
    z = X + 0.5
    expected = np.where(z > 0, 1.0, 0.1)[:, None]
    np.testing.assert_allclose(rc.activation_slopes(model, X), expected, rtol=1e-6)


def test_elu_slopes_match_the_formula_exp_z_on_the_negative_side():
    model = model_with([3.0], [-1.0], activation=torch.nn.ELU())
    z = 3.0 * X - 1.0
    expected = np.where(z > 0, 1.0, np.exp(z))[:, None]
    np.testing.assert_allclose(rc.activation_slopes(model, X), expected, rtol=1e-5)


def test_dead_mask_with_relu_agrees_with_dead_units_of_the_snapshot():
    for seed in range(5):
        rc.set_seed(seed)
        model = rc.Regressor(9)
        with torch.no_grad():
            model.hidden.bias -= 1.5  # some units dead, some alive
        snapshot = rc.Snapshot.of(model, 0, 0.0)
        expected = rc.dead_units(snapshot, X)
        np.testing.assert_array_equal(rc.dead_mask(model, X), expected)


def test_a_tolerance_counts_elu_units_far_on_the_negative_side_as_dead():
    model = model_with([1.0, 1.0], [-20.0, -3.0], activation=torch.nn.ELU())
    # Largest slopes on the data: exp(-18) and exp(-1).
    np.testing.assert_array_equal(rc.dead_mask(model, X), [False, False])
    np.testing.assert_array_equal(rc.dead_mask(model, X, tol=1e-3), [True, False])


@pytest.mark.parametrize(
    ("activation", "tol"),
    [
        (torch.nn.ReLU, 0.0),
        (lambda: rc.ReLUWithConvention(1.0), 0.0),  # alive where z touches 0
        (lambda: torch.nn.LeakyReLU(0.01), 0.01),
        (torch.nn.ELU, 0.7),
        (lambda: torch.nn.PReLU(3, init=0.0), 0.0),  # learnable: model by model
    ],
    ids=["relu", "relu with slope 1 at 0", "leaky relu", "ELU", "PReLU"],
)
def test_dead_units_counted_for_all_models_at_once_are_dead_mask_of_each(
    activation, tol
):
    # Kinks on the data's ends (z = 0 there exactly) and units just alive or dead.
    weights = [[1.0, -1.0, 0.5], [2.0, 1.0, -1.0], [1.0, 1.0, 1.0]]
    biases = [[-2.0, -2.0, 0.0], [-4.0, -2.5, -2.0], [-2.1, -1.9, 0.0]]
    models = [
        model_with(w, b, activation()) for w, b in zip(weights, biases, strict=True)
    ]
    want = [int(rc.dead_mask(model, X, tol).sum()) for model in models]
    assert _dead_counts(models, X, tol) == want
    assert len(set(want)) > 1  # the models differ: a mix-up would show


def test_a_unit_dead_at_the_start_keeps_its_parameters_under_sgd():
    x, y = rc.cubic_data(60)
    (run,) = rc.dying_experiment(x, y, [3], bias_offset=-6.0, epochs=30, lr=1e-4)
    rc.set_seed(3)
    start = rc.Regressor(7)
    with torch.no_grad():
        start.hidden.bias -= 6.0
    dead = torch.from_numpy(rc.dead_units(rc.Snapshot.of(start, 0, 0.0), x))
    assert 0 < run.dead_at_start == int(dead.sum()) < 7
    for name in ("weight", "bias"):
        before = getattr(start.hidden, name).detach()[dead]
        after = getattr(run.model.hidden, name).detach()[dead]
        assert torch.equal(after, before)
    # The live units did move.
    assert not torch.equal(run.model.hidden.bias[~dead], start.hidden.bias[~dead])


def test_the_same_seeds_give_the_same_runs():
    x, y = rc.cubic_data(50)
    first = rc.dying_experiment(x, y, [0, 1], lr=3e-4, epochs=20)
    second = rc.dying_experiment(x, y, [0, 1], lr=3e-4, epochs=20)
    assert [(r.dead_at_end, r.final_loss) for r in first] == [
        (r.dead_at_end, r.final_loss) for r in second
    ]


def test_a_diverging_run_is_kept_with_a_nan_loss():
    x, y = rc.cubic_data(50)
    (run,) = rc.dying_experiment(x, y, [0], lr=1.0, epochs=20)
    assert run.diverged
    assert run.dead_at_end == -1
    assert math.isnan(run.final_loss)


def test_each_run_gets_a_fresh_activation_module():
    x, y = rc.cubic_data(50)
    runs = rc.dying_experiment(x, y, [0, 1], activation=torch.nn.PReLU, epochs=3)
    assert runs[0].model.activation is not runs[1].model.activation


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"activation": torch.nn.ReLU()(torch.zeros(1))}, "activation must be"),
        ({"bias_offset": math.inf}, "bias_offset must be"),
        ({"tol": -1.0}, "tol must be"),
    ],
)
def test_bad_arguments_of_the_experiment_are_named(kwargs, message):
    x, y = rc.cubic_data(10)
    with pytest.raises((TypeError, ValueError), match=message):
        rc.dying_experiment(x, y, [0], epochs=1, **kwargs)


def test_slopes_of_something_that_is_not_a_regressor_are_refused():
    with pytest.raises(TypeError, match="model must be a Regressor"):
        rc.activation_slopes(torch.nn.Linear(1, 1), X)


@pytest.mark.parametrize(
    ("activation", "bias_offset", "tol"),
    [
        (torch.nn.ReLU, -1.0, 0.0),
        (lambda: torch.nn.LeakyReLU(0.01), 0.0, 0.0),
        (lambda: torch.nn.PReLU(7, init=0.1), -1.0, 0.05),
        (torch.nn.ELU, -3.0, 1e-3),
    ],
    ids=["relu", "leaky relu", "PReLU", "ELU"],
)
def test_batched_and_looped_experiments_give_the_same_runs(
    activation, bias_offset, tol
):
    x, y = rc.cubic_data(60)
    kwargs = {"activation": activation, "bias_offset": bias_offset, "tol": tol}
    batched = rc.dying_experiment(x, y, range(4), epochs=30, lr=1e-4, **kwargs)
    looped = rc.dying_experiment(
        x, y, range(4), epochs=30, lr=1e-4, batched=False, **kwargs
    )
    for b, lp in zip(batched, looped, strict=True):
        assert (b.seed, b.dead_at_start, b.dead_at_end, b.diverged) == (
            lp.seed,
            lp.dead_at_start,
            lp.dead_at_end,
            lp.diverged,
        )
        np.testing.assert_allclose(b.final_loss, lp.final_loss, rtol=1e-4)
        for p, q in zip(b.model.parameters(), lp.model.parameters(), strict=True):
            torch.testing.assert_close(p, q, rtol=1e-4, atol=1e-5)


def test_batched_mini_batches_follow_each_seeds_own_order():
    x, y = rc.cubic_data(60)
    settings = {"epochs": 6, "lr": 1e-2, "optimizer": "adam", "batch_size": 16}
    batched = rc.dying_experiment(x, y, [0, 5], **settings)
    looped = rc.dying_experiment(x, y, [0, 5], batched=False, **settings)
    for b, lp in zip(batched, looped, strict=True):
        np.testing.assert_allclose(b.final_loss, lp.final_loss, rtol=1e-4)


def test_a_diverging_run_is_kept_beside_the_others_when_batched():
    x, y = rc.cubic_data(50)
    # lr = 1.5e-3 diverges, except for seed 2: 6 of its 7 units start dead and the
    # last one dies, after which only b1 learns, and that is stable.
    settings = {"lr": 1.5e-3, "epochs": 40, "bias_offset": -3.0}
    batched = rc.dying_experiment(x, y, range(4), **settings)
    looped = rc.dying_experiment(x, y, range(4), batched=False, **settings)
    assert [r.diverged for r in batched] == [True, True, False, True]
    assert [r.diverged for r in looped] == [True, True, False, True]
    for run in batched:
        assert (run.dead_at_end == -1) == run.diverged == math.isnan(run.final_loss)
    np.testing.assert_allclose(batched[2].final_loss, looped[2].final_loss, rtol=1e-4)


def test_an_experiment_over_no_seeds_has_no_runs():
    x, y = rc.cubic_data(10)
    assert rc.dying_experiment(x, y, [], epochs=1) == []


def _bits(model: torch.nn.Module) -> torch.Tensor:
    return torch.cat(
        [p.detach().flatten().view(torch.int32) for p in model.parameters()]
    )


@pytest.mark.parametrize("steps", [0, 1, 3])
def test_nudge_moves_every_parameter_exactly_steps_float32_numbers(steps):
    rc.set_seed(0)
    model = rc.Regressor(7)
    before = _bits(model)
    moved = (_bits(rc.nudge(model, seed=5, steps=steps)) - before).abs()
    assert torch.all(moved == steps)


def test_nudge_with_the_same_seed_moves_the_same_way_another_seed_not():
    first, second, third = rc.Regressor(7), rc.Regressor(7), rc.Regressor(7)
    second.load_state_dict(first.state_dict())
    third.load_state_dict(first.state_dict())
    same = _bits(rc.nudge(first, seed=3)), _bits(rc.nudge(second, seed=3))
    assert torch.equal(*same)
    assert not torch.equal(same[0], _bits(rc.nudge(third, seed=4)))


@pytest.mark.parametrize("steps", [-1, 1.5, "2"])
def test_nudge_refuses_steps_that_are_not_a_count(steps):
    with pytest.raises(ValueError, match="steps must be an integer >= 0"):
        rc.nudge(rc.Regressor(2), seed=0, steps=steps)
