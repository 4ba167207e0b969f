"""The three-panel training animation: each unit's relu, each unit scaled by
w1, and their sum against the target, one frame per History snapshot.

Artists are created once and only their data change per frame, which is what
keeps rendering cheap (relu_course.animation draws the frames and embeds them).
Introduced in the lesson "Training a ReLU regressor".
"""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation
from matplotlib.artist import Artist
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from relu_course.regressor import History, predict, unit_contributions, unit_outputs
from relu_course.style import COLORS

__all__ = ["training_animation"]


def _limits(values: list[np.ndarray]) -> tuple[float, float]:
    """y-limits that hold every frame, with a margin."""
    low = min(float(v.min()) for v in values)
    high = max(float(v.max()) for v in values)
    pad = 0.05 * (high - low or 1.0)
    return low - pad, high + pad


def training_animation(
    history: History, x: Any, y: Any, interval: int = 200
) -> FuncAnimation:
    """Animate the snapshots of `history` on data (x, y): one frame per snapshot.

    >>> from relu_course.data import cubic_data
    >>> from relu_course.training import train
    >>> x, y = cubic_data(50)
    >>> _, history = train(x, y, epochs=20, snapshot_every=10)
    >>> anim = training_animation(history, x, y)
    >>> [ax.get_xlabel() for ax in plt.gcf().axes]
    ['x', 'x', 'x']
    >>> from relu_course.animation import embed
    >>> embed(anim).frames
    3
    """
    if not history.snapshots:
        raise ValueError("history has no snapshots to animate")
    xs, ys = _sorted_data(x, y)
    snaps = history.snapshots
    outputs = [unit_outputs(s, xs) for s in snaps]
    contributions = [unit_contributions(s, xs) for s in snaps]
    predictions = [predict(s, xs) for s in snaps]

    fig, axes = _panels(xs, [outputs, contributions, [*predictions, ys]])
    unit_lines = axes[0].plot(xs, outputs[0])
    scaled_lines = axes[1].plot(xs, contributions[0])
    axes[2].plot(xs, ys, color=COLORS["black"], lw=1.5, label="target")
    (fit_line,) = axes[2].plot(
        xs, predictions[0], color=COLORS["vermillion"], label="prediction"
    )
    axes[2].legend(loc="upper left")
    title = fig.suptitle("")

    def draw(i: int) -> list[Artist]:
        for line, column in zip(unit_lines, outputs[i].T, strict=True):
            line.set_ydata(column)
        for line, column in zip(scaled_lines, contributions[i].T, strict=True):
            line.set_ydata(column)
        fit_line.set_ydata(predictions[i])
        title.set_text(f"epoch {snaps[i].epoch}    loss {snaps[i].loss:.4g}")
        return [*unit_lines, *scaled_lines, fit_line, title]

    draw(0)
    return FuncAnimation(fig, draw, frames=len(snaps), interval=interval, blit=False)


def _sorted_data(x: Any, y: Any) -> tuple[np.ndarray, np.ndarray]:
    """x and y as float arrays of one length, sorted by x (lines run left to right)."""
    xs = np.asarray(x, dtype=float).reshape(-1)
    ys = np.asarray(y, dtype=float).reshape(-1)
    if xs.shape != ys.shape:
        raise ValueError(
            f"x and y must have the same length, got {xs.size} and {ys.size}"
        )
    order = np.argsort(xs)
    return xs[order], ys[order]


def _panels(xs: np.ndarray, shown: list[list[np.ndarray]]) -> tuple[Figure, list[Axes]]:
    """The figure's three panels, titled, over x, each with y-limits that hold
    every frame of what it will show."""
    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), layout="constrained")
    titles = (
        "each unit: relu(w0 x + b0)",
        "scaled: relu(w0 x + b0) * w1",
        "sum + b1 vs target",
    )
    for ax, text in zip(axes, titles, strict=True):
        ax.set_title(text)
        ax.set_xlabel("x")
        ax.set_xlim(xs[0], xs[-1])
    axes[0].set_ylabel("unit output")
    for ax, values in zip(axes, shown, strict=True):
        ax.set_ylim(*_limits(values))
    return fig, list(axes)
