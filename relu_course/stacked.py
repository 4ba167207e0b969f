"""Many regressors of one architecture as one: their parameters stacked along a
new first axis, their forward pass and, for relu, their gradients computed for
all of them at once. `train_many` trains such a stack with the shared loop.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from torch.func import functional_call, stack_module_state, vmap

from relu_course.derivative import ReLUWithConvention
from relu_course.regressor import SNAPSHOT_PARAMETERS, Regressor
from relu_course.training import LOSSES

__all__: list[str] = []  # nothing public: the machinery of train_many

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

Tensors = dict[str, torch.Tensor]
Gradients = Callable[
    [torch.Tensor, torch.Tensor], tuple[torch.Tensor, list[torch.Tensor]]
]


class Stack:
    """S models of one architecture as the shared loop sees them: stacked
    parameters (trained in place of the models' own), one forward for all.

    >>> stack = Stack([Regressor(3), Regressor(3)], "mse")
    >>> stack.losses(torch.zeros(5, 1), torch.ones(5, 1)).shape
    torch.Size([2])
    """

    def __init__(self, models: list[Regressor], loss: str) -> None:
        self.count = len(models)
        self.params, self.buffers = stack_module_state(models)
        self.predict = _forward(models[0], self.params, self.buffers)
        self.by_hand = _relu_gradients(models[0], self.params, loss)
        self.loss_fn = LOSSES[loss](reduction="none")
        self.grads: list[torch.Tensor] | None = None

    def forward(self, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        if self.by_hand is None:
            return self._losses(xb, yb)
        loss, self.grads = self.by_hand(xb, yb)
        return loss

    def backward(self, loss: torch.Tensor) -> None:
        if self.grads is None:
            # d(sum)/d(loss of model i) is 1 whatever the values, so a diverged
            # model's NaN never reaches another model's gradient (masking it
            # out with torch.where gives the same gradients, 10% slower).
            torch.autograd.backward(loss.sum())  # as .backward(), which is unannotated
            return
        for name, grad in zip(SNAPSHOT_PARAMETERS, self.grads, strict=True):
            self.params[name].grad = grad

    @torch.no_grad()
    def losses(self, xs: torch.Tensor, ys: torch.Tensor) -> torch.Tensor:
        return self._losses(xs, ys)

    def _losses(self, xb: torch.Tensor, yb: torch.Tensor) -> torch.Tensor:
        """Each model's mean loss over its batch: shape (S,)."""
        predicted = self.predict(xb)
        each: torch.Tensor = self.loss_fn(
            predicted, yb.squeeze(-1).expand_as(predicted)
        )
        return each.mean(1)

    def snapshot(self) -> Tensors:
        return {
            name: self.params[name].detach().clone() for name in SNAPSHOT_PARAMETERS
        }

    def unstack(self, models: list[Regressor], i: int) -> None:
        """Copy model i's slice of the stack into models[i]'s own tensors."""
        with torch.no_grad():
            for name, parameter in models[i].named_parameters():
                parameter.copy_(self.params[name][i])
            for name, buffer in models[i].named_buffers():
                buffer.copy_(self.buffers[name][i])


def _computed_by_hand(model: Regressor, params: Tensors) -> bool:
    """Whether the stacked models are plain Regressors with a parameter-free
    elementwise activation, whose layers _forward writes out as tensor products."""
    return (
        type(model) is Regressor
        and type(model.activation) in _ELEMENTWISE
        and set(params) == set(SNAPSHOT_PARAMETERS)
    )


def _pre_activations(params: Tensors, xt: torch.Tensor) -> torch.Tensor:
    """z = w0 x + b0 of every model and unit, (S, H, B), from x as (1, B) or (S, 1, B).

    The data lie on the last axis, so that elementwise steps run along long rows;
    a product then an in-place sum take half the time of addcmul's broadcasting.
    """
    return (params["hidden.weight"] * xt).add_(params["hidden.bias"].unsqueeze(-1))


def _forward(
    model: Regressor, params: Tensors, buffers: Tensors
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

    def one(p: Tensors, b: Tensors, xb: torch.Tensor) -> Any:
        return functional_call(base, (p, b), (xb,))

    shared, own = vmap(one, in_dims=(0, 0, None)), vmap(one, in_dims=(0, 0, 0))

    def general(xb: torch.Tensor) -> torch.Tensor:
        predicted: torch.Tensor = (shared if xb.dim() == 2 else own)(
            params, buffers, xb
        )
        return predicted.squeeze(-1)

    return general


def _relu_gradients(model: Regressor, params: Tensors, loss: str) -> Gradients | None:
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
    def gradients(
        xb: torch.Tensor, yb: torch.Tensor
    ) -> tuple[torch.Tensor, list[torch.Tensor]]:
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
