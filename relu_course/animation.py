"""The three-panel training animation: each unit's relu, each unit scaled by
w1, and their sum against the target, one frame per History snapshot.

Artists are created once and only their data change per frame, which is what
keeps rendering cheap. Introduced in the lesson "Training a ReLU regressor".
"""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation, HTMLWriter, PillowWriter

from relu_course.regressor import History, predict, unit_contributions, unit_outputs
from relu_course.style import COLORS

__all__ = ["embed", "save", "training_animation"]


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

    >>> from relu_course.regressor import cubic_data, train
    >>> x, y = cubic_data(50)
    >>> _, history = train(x, y, epochs=20, snapshot_every=10)
    >>> anim = training_animation(history, x, y)
    >>> [ax.get_xlabel() for ax in plt.gcf().axes]
    ['x', 'x', 'x']
    >>> '<div class="animation">' in embed(anim).data
    True
    """
    if not history.snapshots:
        raise ValueError("history has no snapshots to animate")
    xs = np.asarray(x, dtype=float).reshape(-1)
    ys = np.asarray(y, dtype=float).reshape(-1)
    if xs.shape != ys.shape:
        raise ValueError(
            f"x and y must have the same length, got {xs.size} and {ys.size}"
        )
    order = np.argsort(xs)
    xs, ys = xs[order], ys[order]
    snaps = history.snapshots
    outputs = [unit_outputs(s, xs) for s in snaps]
    contributions = [unit_contributions(s, xs) for s in snaps]
    predictions = [predict(s, xs) for s in snaps]

    fig, axes = plt.subplots(1, 3, figsize=(12, 3.8), layout="constrained")
    titles = (
        "each unit: relu(w0 x + b0)",
        "scaled: relu(w0 x + b0) * w1",
        "sum + b1 vs target",
    )
    for ax, title in zip(axes, titles, strict=True):
        ax.set_title(title)
        ax.set_xlabel("x")
        ax.set_xlim(xs[0], xs[-1])
    axes[0].set_ylabel("unit output")
    axes[0].set_ylim(*_limits(outputs))
    axes[1].set_ylim(*_limits(contributions))
    axes[2].set_ylim(*_limits([*predictions, ys]))

    unit_lines = axes[0].plot(xs, outputs[0])
    scaled_lines = axes[1].plot(xs, contributions[0])
    axes[2].plot(xs, ys, color=COLORS["black"], lw=1.5, label="target")
    (fit_line,) = axes[2].plot(
        xs, predictions[0], color=COLORS["vermillion"], label="prediction"
    )
    axes[2].legend(loc="upper left")
    title = fig.suptitle("")

    def draw(i: int) -> list[Any]:
        for line, column in zip(unit_lines, outputs[i].T, strict=True):
            line.set_ydata(column)
        for line, column in zip(scaled_lines, contributions[i].T, strict=True):
            line.set_ydata(column)
        fit_line.set_ydata(predictions[i])
        title.set_text(f"epoch {snaps[i].epoch}    loss {snaps[i].loss:.4g}")
        return [*unit_lines, *scaled_lines, fit_line, title]

    draw(0)
    return FuncAnimation(fig, draw, frames=len(snaps), interval=interval, blit=False)


def embed(anim: FuncAnimation, dpi: float | None = None) -> Any:
    """The animation as a self-contained HTML player (plays without a kernel).

    Frames are rendered at `dpi` (default: the figure's). The figure is closed,
    so the notebook shows the player and no stray frame. The player's id is a
    hash of its content, so an unchanged animation gives identical HTML.
    """
    from IPython.display import HTML

    fig = anim._fig
    if dpi is not None:
        if not dpi > 0:
            raise ValueError(f"dpi must be > 0, got {dpi!r}")
        fig.set_dpi(dpi)
    # Lay the figure out once: every frame then skips the layout pass.
    fig.canvas.draw()
    fig.set_layout_engine("none")
    with mpl.rc_context({"savefig.dpi": fig.dpi}):
        html = anim.to_jshtml(default_mode="once")
    plt.close(fig)
    # matplotlib names the player's elements with a random uuid4 hex.
    random_id = re.search(r'id="_anim_img([0-9a-f]{32})"', html)[1]
    stable_id = hashlib.md5(html.replace(random_id, "").encode()).hexdigest()
    return HTML(html.replace(random_id, stable_id))


def save(anim: FuncAnimation, path: str | Path, fps: int = 5) -> Path:
    """Write the animation to `path`: .gif (Pillow) or .html (JavaScript player)."""
    path = Path(path)
    writers = {".gif": PillowWriter, ".html": HTMLWriter}
    if path.suffix not in writers:
        raise ValueError(
            f"path must end in one of {sorted(writers)}, got {path.name!r}"
        )
    anim.save(path, writer=writers[path.suffix](fps=fps))
    return path
