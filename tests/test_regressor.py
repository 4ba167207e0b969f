"""Unit tests of relu_course.regressor: the model, its snapshots, and what a
snapshot shows (each unit's output and contribution, kinks, dead units).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import relu_course as rc

FAST = settings(deadline=None, max_examples=30, database=None)


# --- Regressor and Snapshot -----------------------------------------------------


@pytest.mark.parametrize("n_hidden", [0, -1, 2.0, True, "3"])
def test_regressor_needs_a_positive_integer_number_of_units(n_hidden):
    with pytest.raises(ValueError, match="n_hidden must be an integer >= 1"):
        rc.Regressor(n_hidden)


def test_regressor_is_relu_of_w0_x_plus_b0_dotted_with_w1_plus_b1():
    torch.manual_seed(0)
    model = rc.Regressor(4)
    x = np.linspace(-3, 3, 13)
    w0 = model.hidden.weight.detach().numpy()[:, 0].astype(float)
    b0 = model.hidden.bias.detach().numpy().astype(float)
    w1 = model.output.weight.detach().numpy()[0].astype(float)
    b1 = float(model.output.bias.detach())
    expected = [
        sum(max(w0[j] * v + b0[j], 0.0) * w1[j] for j in range(4)) + b1 for v in x
    ]
    with torch.no_grad():
        out = model(torch.tensor(x, dtype=torch.float32).reshape(-1, 1))
    np.testing.assert_allclose(out.numpy()[:, 0], expected, rtol=1e-5, atol=1e-6)


def test_a_snapshot_is_a_copy_that_later_training_does_not_change():
    torch.manual_seed(0)
    model = rc.Regressor(3)
    snapshot = rc.Snapshot.of(model, epoch=0, loss=1.0)
    w0 = model.hidden.weight.detach().numpy()[:, 0].copy()
    with torch.no_grad():
        for p in model.parameters():
            p.add_(1.0)
    np.testing.assert_array_equal(snapshot.w0, w0)
    assert snapshot.w0.shape == snapshot.b0.shape == snapshot.w1.shape == (3,)
    assert isinstance(snapshot.b1, float)


# --- what the units contribute ----------------------------------------------------


def test_predict_of_the_final_snapshot_equals_the_trained_model(cubic, trained):
    x, _ = cubic
    model, history = trained
    with torch.no_grad():
        expected = model(torch.from_numpy(x).reshape(-1, 1)).numpy()[:, 0]
    scale = float(np.abs(expected).max())
    np.testing.assert_allclose(
        rc.predict(history.final, x), expected, rtol=1e-5, atol=1e-6 * scale
    )


def test_unit_outputs_are_relu_of_each_units_pre_activation(trained):
    _, history = trained
    snapshot = history.final
    x = np.linspace(-12, 12, 31)
    out = rc.unit_outputs(snapshot, x)
    assert out.shape == (31, len(snapshot.w0))
    for i, v in enumerate(x):
        for j, (w, b) in enumerate(zip(snapshot.w0, snapshot.b0, strict=True)):
            assert out[i, j] == pytest.approx(max(float(w) * v + float(b), 0.0))


@FAST
@given(x=hnp.arrays(np.float64, st.integers(1, 20), elements=st.floats(-15, 15)))
def test_unit_contributions_plus_b1_sum_to_the_prediction(trained, x):
    _, history = trained
    for snapshot in history.snapshots:
        contributions = rc.unit_contributions(snapshot, x)
        np.testing.assert_allclose(
            contributions, rc.unit_outputs(snapshot, x) * snapshot.w1, rtol=1e-12
        )
        np.testing.assert_allclose(
            contributions.sum(axis=1) + snapshot.b1,
            rc.predict(snapshot, x),
            rtol=1e-12,
            atol=1e-9,
        )


def _snapshot(w0, b0, w1=None, b1: float = 0.0) -> rc.Snapshot:
    w0 = np.asarray(w0, dtype=float)
    w1 = np.ones_like(w0) if w1 is None else np.asarray(w1, dtype=float)
    return rc.Snapshot(0, 0.0, w0, np.asarray(b0, dtype=float), w1, b1)


UNIT_PARAMETERS = hnp.arrays(
    np.float64,
    st.integers(1, 8),
    elements=st.one_of(
        st.floats(0.01, 5), st.floats(-5, -0.01), st.sampled_from([0.0, -0.0])
    ),
)


@FAST
@given(data=st.data())
def test_kinks_are_minus_b0_over_w0_and_nan_where_w0_is_zero(data):
    w0 = data.draw(UNIT_PARAMETERS, label="w0")
    b0 = data.draw(
        hnp.arrays(np.float64, w0.shape, elements=st.floats(-5, 5)), label="b0"
    )
    out = rc.kinks(_snapshot(w0, b0))
    for j in range(len(w0)):
        if w0[j] == 0:
            assert math.isnan(out[j])
        else:
            assert out[j] == -b0[j] / w0[j]
            # The pre-activation is zero at the kink.
            assert w0[j] * out[j] + b0[j] == pytest.approx(0.0, abs=1e-9)


def test_kinks_of_a_unit_with_zero_slope_is_nan_without_a_warning():
    out = rc.kinks(_snapshot([2.0, 0.0, 0.0, -4.0], [-1.0, 1.0, 0.0, 2.0]))
    np.testing.assert_array_equal(out, [0.5, math.nan, math.nan, 0.5])


@FAST
@given(
    data=st.data(),
    x=hnp.arrays(np.float64, st.integers(1, 10), elements=st.floats(-3, 3)),
)
def test_dead_units_are_those_whose_pre_activation_is_never_positive(data, x):
    w0 = data.draw(UNIT_PARAMETERS, label="w0")
    b0 = data.draw(
        hnp.arrays(
            np.float64,
            w0.shape,
            elements=st.one_of(st.floats(-5, 5), st.sampled_from([0.0, -0.0])),
        ),
        label="b0",
    )
    dead = rc.dead_units(_snapshot(w0, b0), x)
    expected = [all(w0[j] * v + b0[j] <= 0 for v in x) for j in range(len(w0))]
    assert dead.tolist() == expected


def test_dead_units_on_a_hand_made_snapshot():
    snapshot = _snapshot([1.0, -1.0, 0.0, 0.0, 2.0], [0.0, 0.0, 1.0, -1.0, -10.0])
    x = np.linspace(-2, 2, 5)
    # A unit on the kink (w0 x + b0 = 0) only at x = 0 is alive elsewhere;
    # constant units are dead exactly when their bias is <= 0.
    assert rc.dead_units(snapshot, x).tolist() == [False, False, False, True, True]
    assert rc.dead_units(snapshot, [0.0]).tolist() == [True, True, False, True, True]


def test_dead_units_get_no_gradient_on_the_data(cubic, trained):
    x, y = cubic
    final = trained[1].final
    b0 = final.b0.copy()
    b0[0] = -1e4  # far below any w0 x on [-10, 10]: unit 0 is dead
    snapshot = _snapshot(final.w0, b0, final.w1, final.b1)
    dead = rc.dead_units(snapshot, x)
    assert dead[0]
    model = rc.Regressor(len(snapshot.w0))
    with torch.no_grad():
        model.hidden.weight.copy_(torch.from_numpy(snapshot.w0).reshape(-1, 1))
        model.hidden.bias.copy_(torch.from_numpy(snapshot.b0))
        model.output.weight.copy_(torch.from_numpy(snapshot.w1).reshape(1, -1))
        model.output.bias.fill_(snapshot.b1)
    xs = torch.from_numpy(x).reshape(-1, 1)
    loss = torch.nn.functional.mse_loss(model(xs), torch.from_numpy(y).reshape(-1, 1))
    loss.backward()
    no_grad = (model.hidden.bias.grad == 0).numpy()
    np.testing.assert_array_equal(no_grad, dead)
