"""Explorables: figures a reader moves on the static page, every state computed here.

A relu network is piecewise linear: each curve it draws is exact as a polyline
through its kinks, a few vertices. So Python computes, at build time, every
state the page can show: for each combination of the controls' values (a small
grid per control) the vertices of each curve and a sentence saying what the
figure shows. The page only swaps an SVG path's `d` and a text: no arithmetic in
the browser, so what the reader sees is what the lesson computed, offline,
without a kernel, the same on the site and in Jupyter. Paths are in data
coordinates under one SVG transform, so a test reads the lesson's numbers back
from them. Without JavaScript the page shows the default state, a plain SVG.

Introduced in the lesson "Reshaping one ReLU".
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from html import escape
from importlib import resources
from typing import Any, Literal

from relu_course.explorable_svg import (
    Frame,
    Scene,
    axes_svg,
    legend_html,
    path_data,
    svg_height,
)

__all__ = [
    "Choice",
    "Curve",
    "Explorable",
    "Scene",
    "Slider",
    "explorable",
    "piecewise_linear",
]


def _asset(name: str) -> str:
    """A package file, read when an explorable is made: a copy of the package
    without it (an install that left it out) still imports.

    The script and the style are the same for every explorable; each output
    carries them (a few KB gzipped), so a notebook cell works on its own."""
    return resources.files(__package__).joinpath(name).read_text()


MAX_STATES = 2000  # combinations of the controls' values; beyond, the page is heavy


@dataclass(frozen=True)
class Slider:
    """A range control: the draw function's keyword `name` takes each of `values`."""

    name: str
    label: str
    values: Sequence[float]
    default: float | None = None  # one of values; None: the middle one
    unit: str = ""  # appended to the announced value: " epochs"
    play: bool = False  # a Play button steps through the values

    def texts(self) -> list[str]:
        return [f"{value:g}{self.unit}" for value in self.values]

    def choices(self) -> list[Any]:
        return list(self.values)


@dataclass(frozen=True)
class Choice:
    """A drop-down control: `options` maps each text shown to the value passed."""

    name: str
    label: str
    options: Mapping[str, Any]
    default: str | None = None  # one of the options' texts; None: the first

    def texts(self) -> list[str]:
        return list(self.options)

    def choices(self) -> list[Any]:
        return list(self.options.values())


Control = Slider | Choice


@dataclass(frozen=True)
class Curve:
    """How one named curve of every scene is drawn, and its legend entry."""

    name: str
    label: str = ""  # legend text; empty: not in the legend
    color: str = "#0072B2"
    kind: Literal["line", "dots", "area"] = "line"
    width: float = 2.0  # line width, or dot diameter, in CSS px
    dashed: bool = False


@dataclass(frozen=True)
class Explorable:
    """An explorable ready for a page: HTML with an inline SVG, controls, script."""

    html: str = field(repr=False)
    controls: int
    states: int

    def _repr_html_(self) -> str:
        return self.html


def piecewise_linear(
    f: Callable[[float], float], lo: float, hi: float, kinks: Iterable[float] = ()
) -> list[tuple[float, float]]:
    """The exact polyline of a piecewise-linear `f` on [lo, hi]: f at lo, at each
    kink inside, and at hi; kinks outside, repeated or NaN are left out.

    >>> piecewise_linear(lambda x: max(0.0, x), -2.0, 3.0, [0.0, 5.0, float("nan")])
    [(-2.0, 0.0), (0.0, 0.0), (3.0, 3.0)]
    """
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"lo and hi must be finite with lo < hi, got {lo!r}, {hi!r}")
    inside = sorted({float(k) for k in kinks if lo < k < hi})
    return [(x, float(f(x))) for x in [lo, *inside, hi]]


def _check_controls(controls: Sequence[Control]) -> list[int]:
    """Each control's default index; errors name the control and what was wrong."""
    if not controls:
        raise ValueError("controls must hold at least one Slider or Choice")
    for control in controls:
        if not isinstance(control, Slider | Choice):
            raise TypeError(f"controls must be Slider or Choice, got {control!r}")
    names = [control.name for control in controls]
    if len(set(names)) != len(names):
        raise ValueError(f"controls must have distinct names, got {names}")
    defaults = []
    for control in controls:
        texts = control.texts()
        if len(texts) < 2 or len(set(texts)) != len(texts):
            raise ValueError(
                f"control {control.name!r} needs two or more distinct values, "
                f"got {texts}"
            )
        if isinstance(control, Slider):
            values = [float(v) for v in control.values]
            if values != sorted(values) or not all(map(math.isfinite, values)):
                raise ValueError(
                    f"slider {control.name!r} needs finite increasing values, "
                    f"got {values}"
                )
            default = control.default
            index = len(values) // 2 if default is None else _index(values, default)
        else:
            index = 0 if control.default is None else _index(texts, control.default)
        if index < 0:
            raise ValueError(
                f"control {control.name!r}: default {control.default!r} is not one "
                f"of its values {texts}"
            )
        defaults.append(index)
    return defaults


def _index(values: Sequence[Any], value: Any) -> int:
    return values.index(value) if value in values else -1


def _frames(
    draw: Callable[..., Scene], controls: Sequence[Control], curves: Sequence[Curve]
) -> list[Frame]:
    """Every state, the last control varying fastest, as the script indexes them."""
    names = [curve.name for curve in curves]
    frames = []
    for values in itertools.product(*(control.choices() for control in controls)):
        scene = draw(**{c.name: v for c, v in zip(controls, values, strict=True)})
        if not isinstance(scene, Scene):
            raise TypeError(f"draw must return a Scene, got {type(scene).__name__}")
        unknown = sorted(set(scene.curves) - set(names))
        if unknown:
            raise ValueError(f"draw returned curves {unknown} not among curves {names}")
        paths = {
            c.name: path_data(scene.curves.get(c.name, []), c.kind) for c in curves
        }
        frames.append(Frame(paths, scene.says))
    return frames


def explorable(
    draw: Callable[..., Scene],
    controls: Sequence[Control],
    curves: Sequence[Curve],
    xlim: tuple[float, float],
    ylim: tuple[float, float],
    xlabel: str = "x",
    ylabel: str = "y",
    title: str = "",
    equal_aspect: bool = False,
) -> Explorable:
    """A figure the reader changes with `controls`, every state drawn by `draw`.

    `draw(**values)` is called once for each combination of the controls' values
    (keyword: the control's name) and returns a Scene: for each of `curves` by
    name, its polylines (lists of (x, y) in data coordinates; a closed region for
    kind "area", one dot per vertex for "dots"), and `says`, the sentence read
    out and shown when that state is reached. The page shows the controls'
    default state; without JavaScript, that state only. `title` names the
    figure for screen readers (default: "Explorable figure"); `equal_aspect`
    draws a unit of y as long as a unit of x (a plane), else the figure is 8:5.

    Hooks for tests and styles: the root `.course-explorable` has `data-state`
    (the index of the state shown, updated on every change); each curve is a
    `path` with `data-curve` (its name) and `d` in data coordinates; each
    control an `input`/`select` with `data-control` (its name), its shown value
    in an `output`; `.course-explorable-says` the state's sentence.

    >>> line = lambda m: Scene({"f": [piecewise_linear(lambda x: m * x, -1.0, 1.0)]},
    ...                        f"slope {m:g}")
    >>> e = explorable(line, [Slider("m", "slope", [0.0, 1.0, 2.0])], [Curve("f")],
    ...                xlim=(-1, 1), ylim=(-2, 2))
    >>> e
    Explorable(controls=1, states=3)
    >>> 'd="M-1,-1 L1,1"' in e.html and "slope 1" in e.html
    True
    """
    defaults = _check_controls(controls)
    states = math.prod(len(control.texts()) for control in controls)
    if states > MAX_STATES:
        raise ValueError(
            f"controls give {states} combinations of values, more than {MAX_STATES}: "
            "use fewer values per control"
        )
    if not curves or len({c.name for c in curves}) != len(curves):
        raise ValueError("curves must be one or more Curve with distinct names")
    frames = _frames(draw, controls, curves)
    start = 0  # the defaults' state, numbered as _frames orders them
    for control, index in zip(controls, defaults, strict=True):
        start = start * len(control.texts()) + index
    payload = _payload(controls, curves, frames)
    uid = "course-explorable-" + hashlib.sha256(payload.encode()).hexdigest()[:16]
    labels = (title or "Explorable figure", xlabel, ylabel)
    height = svg_height(xlim, ylim, equal_aspect)
    svg = axes_svg(uid, frames[start], curves, xlim, ylim, labels, height)
    figure = svg + legend_html(curves)
    html = _page_html(uid, controls, defaults, start, frames[start], payload, figure)
    return Explorable(html=html, controls=len(controls), states=states)


def _payload(
    controls: Sequence[Control], curves: Sequence[Curve], frames: Sequence[Frame]
) -> str:
    """What the script reads: the controls' sizes, the curves that change, and
    every state's paths of those curves and sentence. A curve drawn the same in
    every state (a target, an axis line) stays as the SVG has it: not repeated."""
    changing = [c.name for c in curves if len({f.paths[c.name] for f in frames}) > 1]
    states = [[[f.paths[name] for name in changing], f.says] for f in frames]
    data = {
        "sizes": [len(control.texts()) for control in controls],
        "curves": changing,
        "states": states,
    }
    return json.dumps(data, separators=(",", ":"))


def _control_html(uid: str, control: Control, index: int) -> str:
    """One labelled control and the output that shows its value."""
    cid = f"{uid}-{control.name}"
    texts = control.texts()
    shown = escape(texts[index])
    label = f'<label for="{cid}">{escape(control.label)}</label>'
    output = f'<output for="{cid}" id="{cid}-value">{shown}</output>'
    if isinstance(control, Slider):
        widget = (
            f'<input type="range" id="{cid}" data-control="{escape(control.name)}" '
            f'min="0" max="{len(texts) - 1}" step="1" value="{index}" '
            f'aria-valuetext="{shown}" '
            f'data-texts="{escape(json.dumps(texts), quote=True)}">'
        )
        row = f'<div class="course-explorable-control">{label}{widget}{output}</div>'
        if control.play:
            row += '<button type="button" class="course-explorable-play">Play</button>'
        return row
    options = "".join(
        f'<option value="{k}"{" selected" if k == index else ""}>{escape(t)}</option>'
        for k, t in enumerate(texts)
    )
    widget = (
        f'<select id="{cid}" data-control="{escape(control.name)}">{options}</select>'
    )
    return f'<div class="course-explorable-control">{label}{widget}</div>'


def _page_html(
    uid: str,
    controls: Sequence[Control],
    defaults: Sequence[int],
    start: int,
    frame: Frame,
    payload: str,
    svg: str,
) -> str:
    """The root: figure, the sentence of the state shown, controls, data, script."""
    rows = "".join(
        _control_html(uid, control, index)
        for control, index in zip(controls, defaults, strict=True)
    )
    # "</" cannot end the JSON's script element early: JSON allows "<\/".
    data = payload.replace("</", "<\\/")
    return "\n".join(
        [
            f'<div class="course-explorable" id="{uid}" data-state="{start}">',
            f"<style>{_asset('explorable.css')}</style>",
            svg,
            f'<p class="course-explorable-says" id="{uid}-says" aria-live="polite">'
            f"{escape(frame.says)}</p>",
            f'<div class="course-explorable-controls" role="group" '
            f'aria-label="Controls of the figure" hidden>{rows}</div>',
            '<p class="course-explorable-hint">This figure shows its default '
            "setting; its controls need JavaScript.</p>",
            f'<script type="application/json" class="course-explorable-data">'
            f"{data}</script>",
            f"<script>{_asset('explorable.js')}</script>",
            "</div>",
        ]
    )
