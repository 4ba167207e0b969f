"""Unit tests of relu_course.stacked: the forward pass and the relu gradients
of many models at once, against autograd on each model alone.
"""

from __future__ import annotations

import pytest
import torch

import relu_course as rc
from relu_course.data import training_data
from relu_course.regressor import SNAPSHOT_PARAMETERS
from relu_course.stacked import Stack, _relu_gradients
from relu_course.training import LOSSES
from tests.models import Subclassed, seeded

X, Y = rc.cubic_data(40)
SEEDS = [0, 1, 2]


@pytest.mark.parametrize("batches", ["shared", "one per model"])
@pytest.mark.parametrize("loss", ["mse", "mae"])
def test_relu_gradients_by_hand_are_those_autograd_gives_each_model(loss, batches):
    xs, ys = training_data(X, Y, batch_size=None)
    models = seeded(SEEDS)
    with torch.no_grad():  # unit 0's kink on a data point: relu'(0) is 0 there
        for model in models:
            model.hidden.weight[0] = 1.0
            model.hidden.bias[0] = -xs[3, 0]
    if batches == "shared":
        xb, yb = xs[:16], ys[:16]
    else:
        index = torch.stack([torch.randperm(40)[:16] for _ in SEEDS])
        xb, yb = xs[index], ys[index]  # (S, 16, 1)
    params, _ = torch.func.stack_module_state(models)
    losses, grads = _relu_gradients(models[0], params, loss)(xb, yb)
    for i, model in enumerate(models):
        xi, yi = (xb, yb) if batches == "shared" else (xb[i], yb[i])
        want = LOSSES[loss]()(model(xi), yi)
        want.backward()
        torch.testing.assert_close(losses[i], want.detach())
        for name, grad in zip(SNAPSHOT_PARAMETERS, grads, strict=True):
            torch.testing.assert_close(grad[i], model.get_parameter(name).grad)
            # fused Adam reads a strided gradient's memory as if it were contiguous
            assert grad.is_contiguous(), name


@pytest.mark.parametrize(
    "model",
    [
        rc.Regressor(5, activation=torch.nn.LeakyReLU(0.1)),
        rc.Regressor(5, activation=rc.ReLUWithConvention(0.5)),
        Subclassed(5),
    ],
    ids=["leaky relu", "relu with another slope at 0", "a subclass"],
)
def test_anything_but_a_plain_relu_regressor_gets_its_gradients_from_autograd(model):
    params, _ = torch.func.stack_module_state([model])
    assert _relu_gradients(model, params, "mse") is None


@pytest.mark.parametrize(
    "activation", [torch.nn.ReLU, lambda: torch.nn.PReLU(5)], ids=["relu", "PReLU"]
)
def test_a_stack_predicts_what_each_model_predicts_alone(activation):
    models = seeded(SEEDS, activation)
    xs, _ = training_data(X, Y, batch_size=None)
    predicted = Stack(models, "mse").predict(xs)
    for i, model in enumerate(models):
        with torch.no_grad():
            torch.testing.assert_close(predicted[i], model(xs)[:, 0])


def test_unstacking_copies_one_models_slice_into_that_model_alone():
    models = seeded(SEEDS)
    stack = Stack(models, "mse")
    with torch.no_grad():
        for tensor in stack.params.values():
            tensor.add_(1.0)  # as a training step would, on every slice
    before = [copy_of(model) for model in models]
    stack.unstack(models, 1)
    for name, tensor in models[1].named_parameters():
        assert torch.equal(tensor, stack.params[name][1]), name
    for i in (0, 2):  # the others keep their own tensors
        for name, tensor in models[i].named_parameters():
            assert torch.equal(tensor, before[i][name]), name


def copy_of(model: rc.Regressor) -> dict[str, torch.Tensor]:
    return {name: p.detach().clone() for name, p in model.named_parameters()}
