"""Unit tests of relu_course.initialisation: the weight variances against
PyTorch's own init functions and nn.Linear, and the depth profile against
PyTorch's layers and autograd, one network at a time.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch

import relu_course as rc

KEYS = ("signal", "gradient", "active", "cosine")  # reference_profile's order


def sampled_variance(fill, fan_in: int, fan_out: int, seed: int = 0) -> float:
    """The variance of many weights of shape (fan_out, fan_in) that fill draws."""
    torch.manual_seed(seed)
    samples = [fill(torch.empty(fan_out, fan_in)) for _ in range(20)]
    return torch.cat([s.flatten() for s in samples]).double().var().item()


def test_pytorch_variance_is_what_nn_linear_draws():
    for fan_in in (10, 128, 300):
        torch.manual_seed(fan_in)
        weights = torch.cat(
            [torch.nn.Linear(fan_in, 500).weight.detach().flatten() for _ in range(4)]
        )
        expected = rc.weight_variance("PyTorch", fan_in, 500)
        assert weights.double().var().item() == pytest.approx(expected, rel=0.02)
        assert weights.abs().max().item() <= 1 / math.sqrt(fan_in)
        assert expected == pytest.approx(1 / (3 * fan_in), rel=1e-12)


def test_he_variance_is_kaiming_normal_for_relu_with_fan_in():
    fill = lambda t: torch.nn.init.kaiming_normal_(t, nonlinearity="relu")  # noqa: E731
    measured = sampled_variance(fill, fan_in=64, fan_out=256)
    assert measured == pytest.approx(rc.weight_variance("He", 64, 256), rel=0.02)


def test_xavier_variance_is_xavier_normal_with_gain_one():
    measured = sampled_variance(torch.nn.init.xavier_normal_, fan_in=64, fan_out=256)
    assert measured == pytest.approx(rc.weight_variance("Xavier", 64, 256), rel=0.02)


def test_kaiming_variance_is_torch_gain_squared_over_the_fan():
    for a in (0.0, 0.01, 0.2, math.sqrt(5.0)):
        gain = torch.nn.init.calculate_gain("leaky_relu", a)
        assert rc.kaiming_variance(50, a) == pytest.approx(gain**2 / 50, rel=1e-12)


def test_unknown_initialisation_or_bad_fan_is_refused_by_name():
    with pytest.raises(ValueError, match="init must be one of"):
        rc.weight_variance("LeCun", 10, 10)
    with pytest.raises(ValueError, match="fan_out must be a positive int"):
        rc.weight_variance("He", 10, 0)
    with pytest.raises(ValueError, match="fan must be a positive int"):
        rc.kaiming_variance(-3)
    with pytest.raises(ValueError, match="depth must be a positive int"):
        rc.stacked_weights("He", 2, 0, 4, torch.Generator())


@pytest.mark.parametrize("init", rc.INITS)
def test_stacked_weights_have_the_initialisation_s_variance(init):
    gen = torch.Generator().manual_seed(1)
    w = rc.stacked_weights(init, 4, 5, 100, gen, dtype=torch.float64)
    assert w.shape == (4, 5, 100, 100)
    expected = rc.weight_variance(init, 100, 100)
    assert w.var().item() == pytest.approx(expected, rel=0.02)
    if init == "PyTorch":  # uniform, as nn.Linear: nothing beyond 1/sqrt(fan_in)
        assert w.abs().max().item() <= 0.1
    else:  # normal: a few weights beyond three standard deviations
        assert w.abs().max().item() > 3 * math.sqrt(expected)


def reference_profile(weights, inputs, upstream, biases):
    """Each network as nn.Linear layers; z's and gradients by autograd; cosines
    by torch's cosine_similarity, pair by pair. weights and biases: per layer."""
    nets, depth, batch = inputs.shape[0], len(weights), inputs.shape[1]
    signal, gradient, active, cosine = np.zeros((4, nets, depth))
    for n in range(nets):
        layers = []
        for w, b in zip(weights, biases, strict=True):
            linear = torch.nn.Linear(w.shape[2], w.shape[1], dtype=torch.float64)
            with torch.no_grad():
                linear.weight.copy_(w[n])
                linear.bias.copy_(b[n])
            layers.append(linear)
        h, zs, hs = inputs[n], [], []
        for linear in layers:
            zs.append(linear(h))
            h = torch.relu(zs[-1])
            hs.append(h.detach())
        grads = torch.autograd.grad((zs[-1] * upstream[n]).sum(), zs)
        for layer, (z, g) in enumerate(zip(zs, grads, strict=True)):
            signal[n, layer] = z.pow(2).mean().item()
            gradient[n, layer] = g.pow(2).mean().item()
            active[n, layer] = (z > 0).double().mean().item()
            pairs = [
                torch.nn.functional.cosine_similarity(hs[layer][i], hs[layer][j], dim=0)
                for i in range(batch)
                for j in range(batch)
                if i != j
            ]
            cosine[n, layer] = torch.stack(pairs).mean().item()
    return signal, gradient, active, cosine


def test_depth_profile_agrees_with_nn_linear_layers_and_autograd():
    gen = torch.Generator().manual_seed(2)
    w = rc.stacked_weights("He", 3, 4, 6, gen, dtype=torch.float64)
    b = 0.3 * torch.randn(3, 4, 6, generator=gen, dtype=torch.float64)
    x, up = torch.randn(2, 3, 10, 6, generator=gen, dtype=torch.float64)
    profile = rc.depth_profile(w, x, up, b)
    signal, gradient, active, cosine = reference_profile(
        w.unbind(1), x, up, b.unbind(1)
    )
    np.testing.assert_allclose(profile.signal, signal, rtol=1e-12)
    np.testing.assert_allclose(profile.gradient, gradient, rtol=1e-12)
    np.testing.assert_array_equal(profile.active, active)
    np.testing.assert_allclose(profile.cosine, cosine, rtol=1e-12)
    # no bias is a zero bias
    zero = rc.depth_profile(w, x, up)
    no_bias = reference_profile(w.unbind(1), x, up, (0 * b).unbind(1))
    np.testing.assert_allclose(zero.signal, no_bias[0])


def test_layers_of_other_widths_agree_with_nn_linear_layers_too():
    gen = torch.Generator().manual_seed(4)
    widths = (5, 9, 4, 7)  # three layers: 5 -> 9 -> 4 -> 7 units
    w = [
        torch.randn(2, n_out, n_in, generator=gen, dtype=torch.float64)
        for n_in, n_out in itertools.pairwise(widths)
    ]
    b = [
        0.3 * torch.randn(2, n, generator=gen, dtype=torch.float64) for n in widths[1:]
    ]
    x = torch.randn(2, 6, widths[0], generator=gen, dtype=torch.float64)
    up = torch.randn(2, 6, widths[-1], generator=gen, dtype=torch.float64)
    profile = rc.depth_profile(w, x, up, b)
    reference = reference_profile(w, x, up, b)
    for key, expected in zip(KEYS, reference, strict=True):
        np.testing.assert_allclose(getattr(profile, key), expected, rtol=1e-12)


def test_one_relu_layer_makes_independent_inputs_alike_by_one_over_pi():
    # Cho and Saul's arc-cosine kernel: for independent (orthogonal) inputs and
    # normal weights, E[relu(w.x) relu(w.y)] / E[relu(w.x)^2] = 1/pi.
    gen = torch.Generator().manual_seed(5)
    w = rc.stacked_weights("He", 4, 1, 2000, gen, dtype=torch.float64)
    x, up = torch.randn(2, 4, 16, 2000, generator=gen, dtype=torch.float64)
    profile = rc.depth_profile(w, x, up)
    assert profile.cosine.mean() == pytest.approx(1 / math.pi, abs=0.01)
    linear = rc.depth_profile(w, x, up, activation=lambda z: z)
    assert abs(linear.cosine.mean()) < 0.01  # without relu they stay unalike


def test_fixed_units_are_those_on_for_every_input_or_for_none():
    w = torch.eye(3).expand(1, 1, 3, 3)  # one layer that copies its input
    x = torch.tensor([[[1.0, -1.0, 1.0], [2.0, -3.0, -1.0]]])  # unit 3 switches
    profile = rc.depth_profile(w, x, torch.ones_like(x))
    assert profile.fixed[0, 0] == pytest.approx(2 / 3)
    assert profile.active[0, 0] == pytest.approx(3 / 6)


def test_layer_factors_are_the_geometric_mean_over_the_steps():
    profile = rc.DepthProfile(
        signal=np.array([[1.0, 2.0, 4.0, 8.0]]),
        gradient=np.array([[9.0, 3.0, 3.0, 1.0]]),
        active=np.zeros((1, 4)),
        fixed=np.zeros((1, 4)),
        cosine=np.zeros((1, 4)),
    )
    np.testing.assert_allclose(profile.signal_factor, [2.0])
    np.testing.assert_allclose(profile.gradient_factor, [9.0 ** (1 / 3)])
    one_layer = rc.DepthProfile(*(np.ones((1, 1)),) * 5)
    with pytest.raises(ValueError, match="at least two layers"):
        _ = one_layer.signal_factor


def test_he_keeps_the_signal_and_the_gradient_where_pytorch_s_default_divides_by_six():
    gen = torch.Generator().manual_seed(3)
    x, up = torch.randn(2, 8, 32, 128, generator=gen)
    for init, predicted in (("He", 1.0), ("Xavier", 0.5), ("PyTorch", 1 / 6)):
        w = rc.stacked_weights(init, 8, 10, 128, gen)
        profile = rc.depth_profile(w, x, up)
        assert np.median(profile.signal_factor) == pytest.approx(predicted, rel=0.06)
        assert np.median(profile.gradient_factor) == pytest.approx(predicted, rel=0.06)
        assert abs(profile.active.mean() - 0.5) < 0.02


def test_shapes_that_do_not_fit_are_refused_by_name():
    w = torch.zeros(2, 3, 4, 4)
    x = torch.zeros(2, 5, 4)
    with pytest.raises(ValueError, match="weights must have shape"):
        rc.depth_profile(torch.zeros(2, 3, 4), x, x)
    with pytest.raises(ValueError, match="weights of layer 2 must take 4 inputs"):
        rc.depth_profile(torch.zeros(2, 3, 4, 5), torch.zeros(2, 5, 5), x)
    with pytest.raises(ValueError, match="inputs must have shape"):
        rc.depth_profile(w, torch.zeros(2, 5, 3), x)
    with pytest.raises(ValueError, match="the same batch of at least two"):
        rc.depth_profile(w, x, torch.zeros(2, 6, 4))
    with pytest.raises(ValueError, match="the same batch of at least two"):
        rc.depth_profile(w, x[:, :1], x[:, :1])
    with pytest.raises(ValueError, match="biases must have shape"):
        rc.depth_profile(w, x, x, torch.zeros(2, 4))
