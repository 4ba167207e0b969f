"""Unit tests of relu_course.plane: activation patterns, exact regions as
polygons, the local affine map, decision boundaries and the two moons, checked
against PyTorch's forward pass and autograd where they apply.
"""

from __future__ import annotations

from itertools import pairwise

import numpy as np
import pytest
import torch

import relu_course as rc

BOX = (-2.0, 2.0, -2.0, 2.0)
BOX_AREA = 16.0


def network(widths: list[int], seed: int) -> torch.nn.Sequential:
    """A float64 relu network as PyTorch initialises it."""
    rc.set_seed(seed)
    layers: list[torch.nn.Module] = []
    for n_in, n_out in pairwise(widths):
        layers += [torch.nn.Linear(n_in, n_out, dtype=torch.float64), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def pre_activations(model: torch.nn.Sequential, x: torch.Tensor) -> torch.Tensor:
    """Every hidden unit's pre-activation at x, by PyTorch's own layers."""
    found = []
    for module in model:
        x = module(x)
        if isinstance(module, torch.nn.Linear) and module is not model[-1]:
            found.append(x)
    return torch.cat(found, dim=1)


def inner_points(region: rc.Region) -> np.ndarray:
    """Points strictly inside a region: its corners pulled towards its centre."""
    centre = region.polygon.mean(axis=0)
    return np.vstack([centre, 0.5 * region.polygon + 0.5 * centre])


@pytest.mark.parametrize("widths", [[2, 5, 1], [2, 4, 3, 1], [2, 3, 3, 3, 2]])
def test_activation_pattern_is_where_torch_pre_activations_are_positive(widths):
    model = network(widths, seed=1)
    points = np.random.default_rng(0).uniform(-2, 2, size=(500, 2))
    with torch.no_grad():
        expected = (pre_activations(model, torch.from_numpy(points)) > 0).numpy()
    np.testing.assert_array_equal(
        rc.activation_pattern(rc.layers_of(model), points), expected
    )


def test_local_affine_map_is_the_gradient_autograd_computes_and_gives_the_output():
    model = network([2, 6, 5, 1], seed=2)
    layers = rc.layers_of(model)
    for point in np.random.default_rng(1).uniform(-3, 3, size=(20, 2)):
        x = torch.tensor(point, requires_grad=True)
        output = model(x).sum()
        (gradient,) = torch.autograd.grad(output, x)
        a, c = rc.local_affine_map(layers, point)
        np.testing.assert_allclose(a[0], gradient.numpy(), rtol=1e-12, atol=1e-15)
        assert a @ point + c == pytest.approx([output.item()], rel=1e-12, abs=1e-14)


def test_local_affine_map_of_a_network_with_two_outputs_is_its_jacobian():
    model = network([2, 4, 2], seed=3)
    point = np.array([0.3, -0.7])
    jacobian = torch.autograd.functional.jacobian(model, torch.from_numpy(point))
    a, _ = rc.local_affine_map(rc.layers_of(model), point)
    np.testing.assert_allclose(a, jacobian.numpy(), rtol=1e-12)


@pytest.mark.parametrize("widths", [[2, 6, 1], [2, 5, 5, 1], [2, 4, 4, 4, 1]])
def test_regions_tile_the_box_each_with_its_own_pattern(widths):
    regions = rc.activation_regions(rc.layers_of(network(widths, seed=4)), BOX)
    patterns = [r.pattern for r in regions]
    assert len(set(patterns)) == len(patterns)
    assert sum(r.area for r in regions) == pytest.approx(BOX_AREA, rel=1e-12)
    assert all(len(p) == sum(widths[1:-1]) for p in patterns)


@pytest.mark.parametrize("widths", [[2, 6, 1], [2, 5, 5, 1], [2, 4, 4, 4, 1]])
def test_each_region_has_its_pattern_and_its_map_at_points_inside_it(widths):
    model = network(widths, seed=5)
    layers = rc.layers_of(model)
    for region in rc.activation_regions(layers, BOX):
        inside = inner_points(region)
        found = rc.activation_pattern(layers, inside)
        assert (found == np.array(region.pattern)).all()
        with torch.no_grad():
            expected = model(torch.from_numpy(inside)).numpy()
        by_map = inside @ region.weight.T + region.bias
        np.testing.assert_allclose(by_map, expected, rtol=1e-12, atol=1e-13)


def test_a_grid_finds_no_pattern_the_exact_regions_lack():
    layers = rc.layers_of(network([2, 8, 8, 1], seed=6))
    regions = rc.activation_regions(layers, BOX)
    axis = np.linspace(-2, 2, 150)
    grid = np.stack(np.meshgrid(axis, axis), axis=-1).reshape(-1, 2)
    on_grid = {tuple(row) for row in rc.activation_pattern(layers, grid).tolist()}
    assert on_grid <= {r.pattern for r in regions}


def test_one_layer_in_general_position_reaches_the_arrangement_bound():
    rng = np.random.default_rng(7)
    for n in (1, 2, 5, 9):
        w, b = rng.normal(size=(n, 2)), rng.normal(size=n)
        layers = [(w, b), (np.ones((1, n)), np.zeros(1))]
        # every crossing of two lines lies well inside this box
        found = rc.activation_regions(layers, (-1e4, 1e4, -1e4, 1e4))
        assert len(found) == rc.arrangement_bound(n)


def test_lines_through_one_point_make_two_regions_per_line():
    angles = np.linspace(0, np.pi, 7, endpoint=False)
    w = np.column_stack([np.cos(angles), np.sin(angles)])
    layers = [(w, np.zeros(7)), (np.ones((1, 7)), np.zeros(1))]
    assert len(rc.activation_regions(layers, BOX)) == 14


def test_regions_thinner_than_tol_are_not_separated():
    w = np.array([[1.0, 0.0], [1.0, 0.0]])
    layers = [(w, np.array([0.0, -1e-12])), (np.ones((1, 2)), np.zeros(1))]
    assert len(rc.activation_regions(layers, BOX)) == 2
    assert len(rc.activation_regions(layers, BOX, tol=0.0)) == 3


def test_the_folded_line_has_two_to_the_l_regions():
    first = (np.array([[2.0, 0.0], [2.0, 0.0]]), np.array([0.0, -1.0]))
    fold = (np.array([[2.0, -4.0], [2.0, -4.0]]), np.array([0.0, -1.0]))
    out = (np.array([[1.0, -2.0]]), np.zeros(1))
    for n_layers in range(1, 7):
        layers = [first] + [fold] * (n_layers - 1) + [out]
        strips = rc.activation_regions(layers, (0, 1, 0, 1))
        assert len(strips) == 2**n_layers
        slopes = {float(abs(r.weight[0, 0])) for r in strips}
        assert slopes == {2.0**n_layers}


def test_a_network_without_hidden_layers_is_one_region_and_no_pattern():
    layers = [(np.array([[1.0, 2.0]]), np.array([3.0]))]
    (region,) = rc.activation_regions(layers, BOX)
    assert region.pattern == ()
    np.testing.assert_array_equal(region.weight, [[1.0, 2.0]])
    assert rc.activation_pattern(layers, [[0.0, 0.0]]).shape == (1, 0)


def test_split_polygon_cuts_a_square_into_parts_whose_areas_add_up():
    square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
    below, above = rc.split_polygon(square, [1.0, 1.0], -0.5)  # x + y = 0.5
    area = [rc.Region(p, (), np.eye(2), np.zeros(2)).area for p in (below, above)]
    assert area == pytest.approx([0.125, 0.875])
    assert np.all(below.sum(axis=1) <= 0.5 + 1e-12)
    assert np.all(above.sum(axis=1) >= 0.5 - 1e-12)


def test_split_polygon_gives_none_for_a_side_it_does_not_reach():
    square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
    below, above = rc.split_polygon(square, [1.0, 0.0], -3.0)
    assert above is None
    np.testing.assert_array_equal(below, square)
    below, above = rc.split_polygon(square, [1.0, 0.0], 0.0)  # along an edge
    assert below is None
    np.testing.assert_array_equal(above, square)


def test_the_decision_boundary_lies_where_the_network_output_is_zero():
    model = network([2, 8, 8, 1], seed=8)
    regions = rc.activation_regions(rc.layers_of(model), BOX)
    segments = rc.decision_boundary(regions)
    assert len(segments) > 0
    with torch.no_grad():
        at_ends = model(torch.from_numpy(segments.reshape(-1, 2))).numpy()
    np.testing.assert_allclose(at_ends, 0.0, atol=1e-12)
    # between the ends the output is affine, so it stays zero along each segment
    middles = torch.from_numpy(segments.mean(axis=1))
    with torch.no_grad():
        np.testing.assert_allclose(model(middles).numpy(), 0.0, atol=1e-12)


def test_a_boundary_along_a_region_edge_is_drawn_once():
    # relu(x1) - relu(-x1) = x1: zero along the edge the two regions share
    w = np.array([[1.0, 0.0], [-1.0, 0.0]])
    layers = [(w, np.zeros(2)), (np.array([[1.0, -1.0]]), np.zeros(1))]
    segments = rc.decision_boundary(rc.activation_regions(layers, BOX))
    np.testing.assert_array_equal(
        np.sort(segments.reshape(-1, 2), axis=0), [[0.0, -2.0], [0.0, 2.0]]
    )


def test_no_boundary_where_the_output_keeps_its_sign():
    layers = [(np.eye(2), np.zeros(2)), (np.ones((1, 2)), np.array([1.0]))]
    assert rc.decision_boundary(rc.activation_regions(layers, BOX)).shape == (0, 2, 2)


def test_arrangement_bound_is_one_plus_n_plus_n_choose_two():
    assert [rc.arrangement_bound(n) for n in (0, 1, 2, 6, 24)] == [1, 2, 4, 22, 301]


def test_layers_of_reads_every_linear_layer_in_order_as_float64():
    model = torch.nn.Sequential(
        torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1)
    )
    layers = rc.layers_of(model)
    assert [(w.shape, b.shape) for w, b in layers] == [((3, 2), (3,)), ((1, 3), (1,))]
    assert all(w.dtype == b.dtype == np.float64 for w, b in layers)
    np.testing.assert_array_equal(layers[1][0], model[2].weight.detach().double())


def test_two_moons_are_mirror_images_through_the_origin_without_noise():
    x, labels = rc.two_moons(100, 0.0, seed=0)
    assert x.shape == (100, 2)
    assert labels.tolist() == [0] * 50 + [1] * 50
    np.testing.assert_allclose(x[50:], -x[:50])
    np.testing.assert_allclose(x.mean(axis=0), 0.0, atol=1e-12)
    radius = np.hypot(x[:50, 0] + 0.5, x[:50, 1] + 0.25)
    np.testing.assert_allclose(radius, 1.0)


def test_two_moons_noise_is_reproducible_by_seed_and_has_its_scale():
    a, _ = rc.two_moons(4000, 0.1, seed=3)
    b, _ = rc.two_moons(4000, 0.1, seed=3)
    clean, _ = rc.two_moons(4000, 0.0, seed=3)
    np.testing.assert_array_equal(a, b)
    assert np.std(a - clean) == pytest.approx(0.1, rel=0.05)
    assert not np.array_equal(a, rc.two_moons(4000, 0.1, seed=4)[0])


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: rc.activation_regions([], BOX), "layers: expected at least one"),
        (
            lambda: rc.activation_regions([(np.ones((3, 3)), np.zeros(3))], BOX),
            r"layers\[0\]: expected W of shape \(n, 2\)",
        ),
        (
            lambda: rc.activation_pattern(
                [(np.ones((3, 2)), np.zeros(3)), (np.ones((1, 2)), np.zeros(1))],
                [[0.0, 0.0]],
            ),
            r"layers\[1\]: expected W of shape \(n, 3\)",
        ),
        (
            lambda: rc.activation_regions(
                [(np.ones((1, 2)), np.zeros(1))], (1, 0, 0, 1)
            ),
            "box: expected x_min < x_max",
        ),
        (
            lambda: rc.activation_regions(
                [(np.ones((1, 2)), np.zeros(1))], BOX, tol=-1.0
            ),
            "tol: expected a distance >= 0",
        ),
        (
            lambda: rc.activation_pattern(
                [(np.ones((1, 2)), np.zeros(1))], [[0.0, 1.0, 2.0]]
            ),
            r"points: expected pairs \(x1, x2\)",
        ),
        (
            lambda: rc.local_affine_map([(np.ones((1, 2)), np.zeros(1))], [[0.0, 1.0]]),
            r"point: expected one point \(x1, x2\)",
        ),
        (
            lambda: rc.split_polygon([[0, 0], [1, 0]], [1, 0], 0.0),
            r"polygon: expected \(k >= 3, 2\) corners",
        ),
        (
            lambda: rc.split_polygon([[0, 0], [1, 0], [0, 1]], [0, 0], 0.0),
            "normal: expected a non-zero vector",
        ),
        (
            lambda: rc.decision_boundary(
                rc.activation_regions([(np.ones((1, 2)), np.zeros(1))], BOX), output=1
            ),
            "output: expected an index below 1",
        ),
        (lambda: rc.arrangement_bound(-1), "n_lines: expected a count >= 0"),
        (lambda: rc.two_moons(7, 0.1, 0), "n: expected an even number"),
        (lambda: rc.two_moons(8, -0.1, 0), "noise: expected a standard deviation"),
    ],
)
def test_bad_input_gets_an_error_naming_the_argument(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_a_polygon_crossed_by_thousands_of_lines_is_cut_without_recursion():
    # One layer of 2**11 units, each a vertical line across the unit square: the
    # cut once recursed per line and stopped at Python's recursion limit (1000).
    starts = np.arange(2048) / 2048
    weights = np.column_stack([np.ones_like(starts), np.zeros_like(starts)])
    layers = [(weights, -starts), (np.ones((1, 2048)), np.zeros(1))]
    regions = rc.activation_regions(layers, (0, 1, 0, 1))
    assert len(regions) == 2048  # the strips between the lines, and the last one
    lefts = sorted(r.polygon[:, 0].min() for r in regions)
    assert np.allclose(lefts, starts)
