"""ReLU networks of two inputs: activation patterns, their regions, local maps.

A network is a list of layers (W, b), W of shape (outputs, inputs), with relu
after every layer but the last, as in ``nn.Sequential(Linear, ReLU, ...,
Linear)``. Where its hidden units' on/off pattern is constant, the network is
one affine map; `activation_regions` finds those regions exactly, as polygons.

Introduced in the lesson "ReLU networks in the plane".
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from numpy.typing import ArrayLike, NDArray

if TYPE_CHECKING:
    import torch

__all__ = [
    "Region",
    "activation_pattern",
    "activation_regions",
    "arrangement_bound",
    "decision_boundary",
    "layers_of",
    "local_affine_map",
    "split_polygon",
    "two_moons",
]

Array = NDArray[np.float64]
Layer = tuple[Array, Array]  # (W, b): W of shape (outputs, inputs), b (outputs,)


@dataclass(frozen=True, eq=False)
class Region:
    """One activation region: its polygon, its units' pattern, the map on it.

    >>> corners = np.array([[0.0, 0], [2, 0], [2, 1], [0, 1]])
    >>> Region(corners, (), np.eye(2), np.zeros(2)).area
    2.0
    """

    polygon: Array  # (k, 2) corners, in order around it
    pattern: tuple[bool, ...]  # which hidden units are on, layer after layer
    weight: Array  # (outputs, 2): on the region the network is weight @ x + bias
    bias: Array  # (outputs,)

    @property
    def area(self) -> float:
        """The polygon's area (shoelace formula)."""
        x, y = self.polygon.T
        return 0.5 * abs(float(x @ np.roll(y, -1) - y @ np.roll(x, -1)))


def _checked(layers: Sequence[Layer]) -> list[Layer]:
    """The layers as float64 arrays, after checking that their shapes chain."""
    if not layers:
        raise ValueError("layers: expected at least one (W, b) pair, got none")
    checked, width = [], 2
    for number, (w, b) in enumerate(layers):
        w, b = np.asarray(w, dtype=np.float64), np.asarray(b, dtype=np.float64)
        if w.ndim != 2 or w.shape[1] != width or b.shape != (w.shape[0],):
            raise ValueError(
                f"layers[{number}]: expected W of shape (n, {width}) and b of "
                f"shape (n,), got {w.shape} and {b.shape}"
            )
        checked.append((w, b))
        width = w.shape[0]
    return checked


def layers_of(model: torch.nn.Module) -> list[Layer]:
    """The (W, b) of each ``nn.Linear`` of a model, in order, as float64 arrays.

    >>> import torch
    >>> [w.shape for w, _ in layers_of(torch.nn.Sequential(
    ...     torch.nn.Linear(2, 3), torch.nn.ReLU(), torch.nn.Linear(3, 1)))]
    [(3, 2), (1, 3)]
    """
    import torch

    linear = [m for m in model.modules() if isinstance(m, torch.nn.Linear)]
    return [
        (
            m.weight.detach().cpu().double().numpy(),
            m.bias.detach().cpu().double().numpy(),
        )
        for m in linear
    ]


def _points(points: ArrayLike) -> Array:
    """Points of the plane as an (n, 2) float64 array, or a clear error."""
    h = np.atleast_2d(np.asarray(points, dtype=np.float64))
    if h.ndim != 2 or h.shape[1] != 2:
        raise ValueError(
            f"points: expected pairs (x1, x2), got shape {np.shape(points)}"
        )
    return h


def activation_pattern(layers: Sequence[Layer], points: ArrayLike) -> NDArray[np.bool_]:
    """Which hidden units are on (pre-activation > 0) at each point: (points, units).

    >>> activation_pattern([(np.eye(2), np.zeros(2)), (np.ones((1, 2)), np.zeros(1))],
    ...                    [[1.0, -1.0], [2.0, 3.0]])
    array([[ True, False],
           [ True,  True]])
    """
    h = _points(points)
    on = []
    for w, b in _checked(layers)[:-1]:
        z = h @ w.T + b
        on.append(z > 0)
        h = np.where(z > 0, z, 0.0)
    return np.concatenate(on, axis=1) if on else np.zeros((len(h), 0), dtype=bool)


def local_affine_map(layers: Sequence[Layer], point: ArrayLike) -> tuple[Array, Array]:
    """The map (A, c) the network is on the region of `point`: f(x) = A x + c.

    A = W_L D_(L-1) W_(L-1) ... D_1 W_1, with D_l the 0/1 mask of layer l's units.

    >>> local_affine_map([(np.array([[1.0, 0], [0, 1]]), np.array([0.0, -1])),
    ...                   (np.array([[2.0, 3.0]]), np.array([0.5]))], [1.0, 0.0])
    (array([[2., 0.]]), array([0.5]))
    """
    checked = _checked(layers)
    if np.shape(point) != (2,):
        raise ValueError(
            f"point: expected one point (x1, x2), got shape {np.shape(point)}"
        )
    mask = activation_pattern(checked, np.asarray(point, dtype=np.float64)[None, :])
    a, c, start = np.eye(2), np.zeros(2), 0
    for w, b in checked[:-1]:
        d = mask[0, start : start + len(b)].astype(np.float64)  # the 0/1 mask D_l
        a, c, start = d[:, None] * (w @ a), d * (w @ c + b), start + len(b)
    w, b = checked[-1]
    return w @ a, w @ c + b


def _split(polygon: Array, distances: Array, tol: float) -> tuple[Array, Array]:
    """The two parts of a convex polygon on either side of a line that crosses it.

    `distances` are the corners' signed distances to the line; a corner within
    `tol` of it belongs to both parts, so that neither part is thinner than `tol`.
    """
    corners, values = polygon.tolist(), distances.tolist()  # plain floats: faster
    below: list[list[float]] = []
    above: list[list[float]] = []
    for i, (p, v) in enumerate(zip(corners, values, strict=True)):
        if v <= tol:
            below.append(p)
        if v >= -tol:
            above.append(p)
        q, u = corners[i - len(corners) + 1], values[i - len(corners) + 1]
        if (v > tol and u < -tol) or (v < -tol and u > tol):  # the edge crosses it
            t = v / (v - u)
            cut = [p[0] + t * (q[0] - p[0]), p[1] + t * (q[1] - p[1])]
            below.append(cut)
            above.append(cut)
    return np.array(below), np.array(above)


def _cut(polygon: Array, normals: Array, offsets: Array, tol: float) -> list[Array]:
    """The pieces a convex polygon is cut into by the lines normals @ x + offsets = 0.

    The normals have length one, so the values are distances to the lines. A
    stack, not recursion: hundreds of lines may cross one polygon.
    """
    pieces = []
    pending = [(polygon, normals, offsets)]  # parts still to cut, and their lines
    while pending:
        part, part_normals, part_offsets = pending.pop()
        distances = part @ part_normals.T + part_offsets  # (corners, lines)
        crossing = (distances.max(axis=0) > tol) & (distances.min(axis=0) < -tol)
        lines = np.flatnonzero(crossing)
        if lines.size == 0:
            pieces.append(part)
            continue
        first, rest = lines[0], lines[1:]  # lines that miss a part miss its parts
        parts = _split(part, distances[:, first], tol)
        # Reversed onto the stack: the pieces come out in the order of the parts.
        pending += [(p, part_normals[rest], part_offsets[rest]) for p in parts[::-1]]
    return pieces


def split_polygon(
    polygon: ArrayLike, normal: ArrayLike, offset: float, tol: float = 1e-9
) -> tuple[Array | None, Array | None]:
    """The parts of a convex polygon where normal @ x + offset is <= 0 and >= 0.

    A part is None where the polygon has none (nothing thicker than `tol`).

    >>> below, above = split_polygon([[0, 0], [2, 0], [2, 1], [0, 1]], [1, 0], -1)
    >>> below.tolist()
    [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0]]
    >>> above.tolist()
    [[1.0, 0.0], [2.0, 0.0], [2.0, 1.0], [1.0, 1.0]]
    """
    corners = np.asarray(polygon, dtype=np.float64)
    a = np.asarray(normal, dtype=np.float64)
    if corners.ndim != 2 or corners.shape[1] != 2 or len(corners) < 3:
        raise ValueError(
            f"polygon: expected (k >= 3, 2) corners, got shape {corners.shape}"
        )
    length = float(np.linalg.norm(a))
    if a.shape != (2,) or length == 0:
        raise ValueError(f"normal: expected a non-zero vector of 2 numbers, got {a}")
    distances = (corners @ a + offset) / length
    if distances.max() <= tol:
        return corners, None
    if distances.min() >= -tol:
        return None, corners
    return _split(corners, distances, tol)


def activation_regions(
    layers: Sequence[Layer],
    box: tuple[float, float, float, float],
    tol: float = 1e-9,
) -> list[Region]:
    """Every activation region of the network in box = (x_min, x_max, y_min, y_max).

    Each layer's units cut every region of the layers before it along their
    zero lines, which are straight there; regions thinner than `tol` are not
    separated from their neighbours.

    >>> one_unit = [(np.ones((1, 2)), np.zeros(1)), (np.ones((1, 1)), np.zeros(1))]
    >>> sorted(r.pattern for r in activation_regions(one_unit, (-1, 1, -1, 1)))
    [(False,), (True,)]
    """
    checked = _checked(layers)
    x0, x1, y0, y1 = box
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"box: expected x_min < x_max and y_min < y_max, got {box}")
    if not tol >= 0:
        raise ValueError(f"tol: expected a distance >= 0, got {tol}")
    corners = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float64)
    # Each entry: polygon, pattern so far, and the last layer's output h = a x + c.
    regions: list[tuple[Array, tuple[bool, ...], Array, Array]] = [
        (corners, (), np.eye(2), np.zeros(2))
    ]
    for w, b in checked[:-1]:
        cut = []
        for polygon, pattern, a, c in regions:
            wa, z0 = w @ a, w @ c + b  # the pre-activations, affine on the polygon
            norms = np.linalg.norm(wa, axis=1)
            lines = norms > 0  # a unit constant on the polygon cuts nothing
            normals = wa[lines] / norms[lines, None]
            pieces = _cut(polygon, normals, z0[lines] / norms[lines], tol)
            for piece in pieces:
                on = wa @ piece.mean(axis=0) + z0 > 0  # at an inner point
                d = on.astype(np.float64)
                cut.append(
                    (piece, pattern + tuple(on.tolist()), d[:, None] * wa, d * z0)
                )
        regions = cut
    w, b = checked[-1]
    return [Region(p, pattern, w @ a, w @ c + b) for p, pattern, a, c in regions]


def decision_boundary(regions: Sequence[Region], output: int = 0) -> Array:
    """Where output `output` crosses zero: one segment per region, (segments, 2, 2).

    On each region the output is affine, so its zero set there is one straight
    segment: the part of a line inside a convex polygon.

    >>> x1_minus_half = [(np.eye(2), np.zeros(2)), (np.eye(1, 2), np.array([-0.5]))]
    >>> decision_boundary(activation_regions(x1_minus_half, (0, 1, 0, 1))).tolist()
    [[[0.5, 0.0], [0.5, 1.0]]]
    """
    segments = []
    for region in regions:
        if not 0 <= output < len(region.bias):
            raise ValueError(
                f"output: expected an index below {len(region.bias)}, got {output}"
            )
        values = region.polygon @ region.weight[output] + region.bias[output]
        ends = []
        for i in range(len(values)):
            j = (i + 1) % len(values)
            if (values[i] < 0) != (values[j] < 0):
                t = values[i] / (values[i] - values[j])
                ends.append(
                    region.polygon[i] + t * (region.polygon[j] - region.polygon[i])
                )
        if len(ends) == 2:
            segments.append(ends)
    return np.array(segments, dtype=np.float64).reshape(-1, 2, 2)


def arrangement_bound(n_lines: int) -> int:
    """Regions of n lines in general position in the plane: 1 + n + n(n - 1)/2.

    >>> [arrangement_bound(n) for n in range(5)]
    [1, 2, 4, 7, 11]
    """
    if n_lines < 0:
        raise ValueError(f"n_lines: expected a count >= 0, got {n_lines}")
    return 1 + n_lines + math.comb(n_lines, 2)


def two_moons(n: int, noise: float, seed: int) -> tuple[Array, NDArray[np.int64]]:
    """n points of two interleaved half circles centred on the origin: (x, labels).

    The upper moon, label 0, is (cos t - 1/2, sin t - 1/4) for t in [0, pi]; the
    lower one, label 1, is its mirror image through the origin. Gaussian noise
    of standard deviation `noise` is added to both coordinates.

    >>> x, y = two_moons(6, 0.0, 0); x.shape, y.tolist(), bool(np.all(x[3:] == -x[:3]))
    ((6, 2), [0, 0, 0, 1, 1, 1], True)
    """
    if n < 2 or n % 2:
        raise ValueError(f"n: expected an even number of points >= 2, got {n}")
    if noise < 0:
        raise ValueError(f"noise: expected a standard deviation >= 0, got {noise}")
    t = np.linspace(0.0, np.pi, n // 2)
    upper = np.stack([np.cos(t) - 0.5, np.sin(t) - 0.25], axis=1)
    labels = np.repeat(np.array([0, 1], dtype=np.int64), n // 2)
    noisy = np.random.default_rng(seed).normal(scale=noise, size=(n, 2))
    return np.concatenate([upper, -upper]) + noisy, labels
