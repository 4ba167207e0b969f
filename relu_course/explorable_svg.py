"""The SVG of an explorable: axes and ticks drawn once, curves as paths in data
coordinates under one transform, so the page swaps their `d` and a test reads
the lesson's numbers back from them."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import TYPE_CHECKING

from matplotlib.ticker import MaxNLocator

if TYPE_CHECKING:
    from relu_course.explorables import Curve

__all__: list[str] = []  # Scene is public through relu_course.explorables

Points = Sequence[tuple[float, float]]
WIDTH, HEIGHT = 400, 260  # the viewBox; the figure scales down to its column
LEFT, RIGHT, TOP, BOTTOM = 50, 12, 10, 44  # room for tick labels and axis labels
FONT = 15  # user units: 10.7 CSS px where a phone gives the figure 285 px


@dataclass(frozen=True)
class Scene:
    """One state of an explorable: each curve's polylines, and what it shows.

    `curves` maps a curve's name to a list of polylines, each a list of (x, y)
    in data coordinates; a curve left out is not drawn in this state. `says` is
    the sentence announced and shown when the reader reaches this state.
    """

    curves: Mapping[str, Sequence[Points]]
    says: str


@dataclass(frozen=True)
class Frame:
    """A scene as the page holds it: each curve's path data, and the sentence."""

    paths: dict[str, str]
    says: str


def _num(value: float) -> str:
    """A coordinate to 1e-4, as short as it prints: 0.5, -3, 1.2346."""
    return f"{round(value, 4) + 0.0:g}"


def path_data(polylines: Sequence[Points], kind: str) -> str:
    """SVG path data: "M x,y L x,y ..." per polyline; "Z" closes an area; a dot
    is a segment of length zero, drawn round by its line cap."""
    parts = []
    for polyline in polylines:
        points = [(float(x), float(y)) for x, y in polyline]
        if not all(math.isfinite(x) and math.isfinite(y) for x, y in points):
            raise ValueError(f"a curve's points must be finite numbers, got {points}")
        coords = [f"{_num(x)},{_num(y)}" for x, y in points]
        if kind == "dots":
            parts += [f"M{c} L{c}" for c in coords]
        elif coords:
            parts.append("M" + " L".join(coords) + (" Z" if kind == "area" else ""))
    return " ".join(parts)


def svg_height(
    xlim: tuple[float, float], ylim: tuple[float, float], equal_aspect: bool
) -> int:
    """The viewBox's height: HEIGHT, or one unit of y as long as one unit of x."""
    (x0, x1), (y0, y1) = xlim, ylim
    if not (x0 < x1 and y0 < y1):
        raise ValueError(f"xlim and ylim must be (low, high), got {xlim}, {ylim}")
    if not equal_aspect:
        return HEIGHT
    return round(TOP + BOTTOM + (WIDTH - LEFT - RIGHT) * (y1 - y0) / (x1 - x0))


def _transform(
    xlim: tuple[float, float], ylim: tuple[float, float], height: int
) -> list[float]:
    """The affine map from data to viewBox coordinates: sx, sy, tx, ty."""
    (x0, x1), (y0, y1) = xlim, ylim
    sx = (WIDTH - LEFT - RIGHT) / (x1 - x0)
    sy = (height - TOP - BOTTOM) / (y1 - y0)
    return [sx, sy, LEFT - x0 * sx, height - BOTTOM + y0 * sy]


def _ticks(low: float, high: float) -> list[float]:
    ticks = MaxNLocator(nbins=6, steps=[1, 2, 2.5, 5, 10]).tick_values(low, high)
    return [float(t) + 0.0 for t in ticks if low - 1e-9 <= t <= high + 1e-9]


def _axes(
    xlim: tuple[float, float], ylim: tuple[float, float], sxy: list[float], height: int
) -> str:
    """Frame, grid, ticks and their labels, in viewBox coordinates."""
    sx, sy, tx, ty = sxy
    bottom, right = height - BOTTOM, WIDTH - RIGHT
    lines = [
        f'<rect class="course-explorable-frame" x="{LEFT}" y="{TOP}" '
        f'width="{right - LEFT}" height="{bottom - TOP}"/>'
    ]
    for x in _ticks(*xlim):
        px = round(tx + sx * x, 2)
        lines.append(
            f'<line class="course-explorable-grid" x1="{px}" y1="{TOP}" x2="{px}" '
            f'y2="{bottom}"/><text x="{px}" y="{bottom + FONT + 4}" '
            f'text-anchor="middle">{x:g}</text>'
        )
    for y in _ticks(*ylim):
        py = round(ty - sy * y, 2)
        lines.append(
            f'<line class="course-explorable-grid" x1="{LEFT}" y1="{py}" x2="{right}" '
            f'y2="{py}"/><text x="{LEFT - 6}" y="{py + FONT / 3:.2f}" '
            f'text-anchor="end">{y:g}</text>'
        )
    return "".join(lines)


def _path(curve: Curve, d: str) -> str:
    """One curve's path element, its style fixed, its `d` swapped by the page."""
    name = escape(curve.name, quote=True)
    common = f'data-curve="{name}" d="{d}" vector-effect="non-scaling-stroke"'
    if curve.kind == "area":
        # Edges in the same colour, opaque: neighbouring regions stay apart.
        return (
            f'<path {common} fill="{curve.color}" fill-opacity="0.22" '
            f'stroke="{curve.color}" stroke-width="{curve.width:g}" '
            'stroke-linejoin="round"/>'
        )
    dash = ' stroke-dasharray="6 4"' if curve.dashed else ""
    return (
        f'<path {common} fill="none" stroke="{curve.color}" '
        f'stroke-width="{curve.width:g}" stroke-linecap="round" '
        f'stroke-linejoin="round"{dash}/>'
    )


def axes_svg(
    uid: str,
    frame: Frame,
    curves: Sequence[Curve],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    labels: tuple[str, str, str],
    height: int = HEIGHT,
) -> str:
    """The figure in `frame`'s state: axes, then the curves, clipped to the axes;
    `labels` are its title (for screen readers) and the axes' labels."""
    title, xlabel, ylabel = labels
    sx, sy, tx, ty = sxy = _transform(xlim, ylim, height)
    (x0, x1), (y0, y1) = xlim, ylim
    paths = "".join(_path(curve, frame.paths[curve.name]) for curve in curves)
    middle_x = (LEFT + WIDTH - RIGHT) / 2
    middle_y = (TOP + height - BOTTOM) / 2
    return (
        f'<svg class="course-explorable-svg" viewBox="0 0 {WIDTH} {height}" '
        f'width="{WIDTH}" height="{height}" role="img" '
        f'aria-labelledby="{uid}-title {uid}-says" font-size="{FONT}">'
        f'<title id="{uid}-title">{escape(title)}</title>'
        f"{_axes(xlim, ylim, sxy, height)}"
        f'<clipPath id="{uid}-clip"><rect x="{x0:g}" y="{y0:g}" '
        f'width="{x1 - x0:g}" height="{y1 - y0:g}"/></clipPath>'
        f'<g transform="matrix({sx:.6g} 0 0 {-sy:.6g} {tx:.6g} {ty:.6g})">'
        f'<g clip-path="url(#{uid}-clip)">{paths}</g></g>'
        f'<text x="{middle_x}" y="{height - 6}" text-anchor="middle">'
        f"{escape(xlabel)}</text>"
        f'<text transform="translate(14 {middle_y}) rotate(-90)" '
        f'text-anchor="middle">{escape(ylabel)}</text>'
        "</svg>"
    )


def legend_html(curves: Sequence[Curve]) -> str:
    """The curves with a label, as a list: a swatch of each one's look, its text."""
    items = []
    for curve in curves:
        if not curve.label:
            continue
        if curve.kind == "area":
            mark = f'<rect x="1" y="3" width="22" height="10" fill="{curve.color}" '
            mark += 'fill-opacity="0.35"/>'
        elif curve.kind == "dots":
            mark = f'<circle cx="12" cy="8" r="4" fill="{curve.color}"/>'
        else:
            dash = ' stroke-dasharray="6 4"' if curve.dashed else ""
            mark = (
                f'<line x1="1" y1="8" x2="23" y2="8" stroke="{curve.color}" '
                f'stroke-width="{curve.width:g}"{dash}/>'
            )
        items.append(
            f'<li><svg viewBox="0 0 24 16" width="24" height="16" aria-hidden="true" '
            f'focusable="false">{mark}</svg>{escape(curve.label)}</li>'
        )
    if not items:
        return ""
    return f'<ul class="course-explorable-legend">{"".join(items)}</ul>'
