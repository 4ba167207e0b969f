"""The three-panel training animation: each unit's relu, each unit scaled by
w1, and their sum against the target, one frame per History snapshot.

Artists are created once and only their data change per frame, which is what
keeps rendering cheap. Introduced in the lesson "Training a ReLU regressor".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import partial
from html import escape
from importlib import resources
from io import BytesIO
from pathlib import Path
from typing import Any

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation, HTMLWriter, PillowWriter
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from PIL import Image

from relu_course.regressor import History, predict, unit_contributions, unit_outputs
from relu_course.style import COLORS

__all__ = ["Player", "embed", "save", "training_animation"]


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
    >>> embed(anim).frames
    3
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


# The player's style and script are the same for every animation: player.css and
# player.js, files of this package. No external resource, no icon font: icons are
# inline SVG. Colours come from the page: text, icons, borders and focus rings are
# currentColor, so they follow the theme's light and dark modes (in dark mode the
# pydata theme puts notebook outputs on a light card with dark text), and the
# slider takes the theme's primary colour.
PLAYER_CSS = resources.files(__package__).joinpath("player.css").read_text()
PLAYER_JS = resources.files(__package__).joinpath("player.js").read_text()

_ICONS = {
    "prev": '<path d="M3 2.5h2v11H3zM13 2.5v11L6 8z"/>',
    "play": '<path d="M4 2.5v11L13 8z"/>',
    "pause": '<path d="M3.5 2.5h3v11h-3zM9.5 2.5h3v11h-3z"/>',
    "next": '<path d="M11 2.5h2v11h-2zM3 2.5v11L10 8z"/>',
}
# Frames are quantized to this many colours: a palette PNG is several times
# smaller than a true-colour one and looks the same for line plots.
SPRITE_COLORS = 64


def _icon(name: str) -> str:
    return (
        f'<svg class="course-animation-icon-{name}" viewBox="0 0 16 16" '
        f'aria-hidden="true" focusable="false">{_ICONS[name]}</svg>'
    )


@dataclass(frozen=True)
class Player:
    """An animation ready for a page: its frames as one sprite PNG, and a player.

    A notebook shows it as two outputs, the sprite image then the HTML player,
    which finds the image just before it and shows one frame of it at a time.
    """

    sprite: bytes = field(repr=False)
    html: str = field(repr=False)
    frames: int
    width: int
    height: int

    def _ipython_display_(self) -> None:
        """Show the sprite (written to a file by myst-nb) and then the player."""
        from IPython.display import HTML, Image, display

        display(Image(data=self.sprite, format="png"))
        display(HTML(self.html))


def _render_frames(anim: FuncAnimation, frame_data: list[Any]) -> list[Image.Image]:
    """Draw the frames of `anim` for `frame_data` and return them as RGB images.

    Only what changes is drawn per frame: the artists the animation's function
    returns go onto a copy of the rest (axes, ticks, labels), drawn once
    (blitting); their axes' spines and legends are drawn again over them, as a
    whole draw would. A function that returns no artists gets the whole figure
    drawn for every frame.
    """
    fig = anim._fig
    anim._draw_frame(frame_data[0])
    changing = [a for a in (anim._drawn_artists or []) if isinstance(a, Artist)]
    if not changing or not isinstance(fig.canvas, FigureCanvasAgg):
        return [_whole_frame(anim, fig, data) for data in frame_data]
    axes = list(dict.fromkeys(a.axes for a in changing if a.axes is not None))
    spines = [spine for ax in axes for spine in ax.spines.values()]
    legends = [ax.get_legend() for ax in axes if ax.get_legend() is not None]
    # In zorder, as a whole draw would: lines, then the spines over them, legends last.
    on_top = sorted([*changing, *spines], key=lambda a: a.get_zorder()) + legends
    animated = [a.get_animated() for a in on_top]
    for artist in on_top:
        artist.set_animated(True)  # left out of the background
    try:
        fig.canvas.draw()
        background = fig.canvas.copy_from_bbox(fig.bbox)
        images = []
        for data in frame_data:
            anim._draw_frame(data)
            fig.canvas.restore_region(background)
            for artist in on_top:
                fig.draw_artist(artist)
            rgba = Image.fromarray(np.asarray(fig.canvas.buffer_rgba()), "RGBA")
            images.append(_on_white(rgba))
    finally:
        for artist, was in zip(on_top, animated, strict=True):
            artist.set_animated(was)
    return images


def _whole_frame(anim: FuncAnimation, fig: Any, framedata: Any) -> Image.Image:
    """One frame, the whole figure drawn."""
    anim._draw_frame(framedata)
    return _figure_image(fig)


def _figure_image(fig: Any) -> Image.Image:
    """The whole figure drawn at its dpi, as an RGB image on white."""
    buffer = BytesIO()
    with mpl.rc_context({"savefig.bbox": "standard", "savefig.transparent": False}):
        fig.savefig(buffer, format="rgba", dpi=fig.dpi)
    width, height = (int(size) for size in fig.bbox.size)
    return _on_white(Image.frombuffer("RGBA", (width, height), buffer.getvalue()))


def _on_white(rgba: Image.Image) -> Image.Image:
    white = Image.new("RGBA", rgba.size, "white")
    return Image.alpha_composite(white, rgba).convert("RGB")


def _sprite(frames: list[Image.Image]) -> bytes:
    """The frames stacked top to bottom in one palette PNG."""
    width, height = frames[0].size
    sheet = Image.new("RGB", (width, height * len(frames)), "white")
    for number, frame in enumerate(frames):
        sheet.paste(frame, (0, number * height))
    # Octree: a quarter of median cut's time here, as close to the frames and a
    # smaller file; it only rounds white to (254, 254, 254), set back to white so
    # the frames do not show as a grey box on a white page.
    palette = sheet.quantize(
        colors=SPRITE_COLORS,
        method=Image.Quantize.FASTOCTREE,
        dither=Image.Dither.NONE,
    )
    colors = np.array(palette.getpalette(), dtype=np.uint8).reshape(-1, 3)
    colors[np.argmin((255 - colors.astype(int)).sum(axis=1))] = 255
    palette.putpalette(colors.ravel().tolist())
    buffer = BytesIO()
    palette.save(buffer, format="PNG", optimize=True)
    return buffer.getvalue()


def _default_alt(fig: Any, n_frames: int) -> str:
    """Alt text from the figure itself: how many frames and the panels' titles."""
    titles = [ax.get_title() for ax in fig.axes if ax.get_title()]
    panels = f" of {len(titles)} panels: " + "; ".join(titles) if titles else ""
    return f"Animation in {n_frames} frames{panels}."


def embed(
    anim: FuncAnimation,
    dpi: float | None = None,
    labels: Sequence[str] | None = None,
    alt: str | None = None,
) -> Player:
    """The animation as a sprite image and an accessible HTML player, offline.

    Frames are rendered at `dpi` (default: the figure's) and stacked in one
    palette PNG; in a notebook the result shows as two outputs, the image (a file
    of its own on a built page, not inlined in the HTML) and the player. The
    figure is closed. `labels` are the frames' captions (default "Frame k of n"),
    `alt` the image's alt text (default: the panels' titles). Nothing plays until
    the reader presses play; with prefers-reduced-motion, play steps at most one
    frame a second. Ids are a hash of the content: the same animation gives the
    same output. Without JavaScript the page shows the first frame.

    Hooks for tests and styles: the root `.course-animation` has `data-frame`
    (shown frame, 0-based, updated on every change), `data-frames` (count) and
    `data-playing` (while playing); inside it the buttons
    `.course-animation-prev`, `.course-animation-play` (aria-label "Play" or
    "Pause") and `.course-animation-next`, the range input
    `.course-animation-slider` and `.course-animation-label` (the frame's label).

    >>> fig, ax = plt.subplots(figsize=(4, 3))
    >>> (line,) = ax.plot([0, 1], [0, 0])
    >>> anim = FuncAnimation(fig, lambda i: [line.set_ydata([0, i])], frames=3)
    >>> player = embed(anim, dpi=20, labels=["start", "middle", "end"])
    >>> player
    Player(frames=3, width=80, height=60)
    >>> 'data-frames="3"' in player.html and "end" in player.html
    True
    """
    fig = anim._fig
    try:
        if dpi is not None and not dpi > 0:
            raise ValueError(f"dpi must be > 0, got {dpi!r}")
        frame_data = list(anim.new_saved_frame_seq())
        n = len(frame_data)
        if labels is None:
            labels = [f"Frame {k + 1} of {n}" for k in range(n)]
        elif isinstance(labels, str):
            raise ValueError(f"labels must be one text per frame, not a str: {n} texts")
        elif len(labels) != n:
            raise ValueError(
                f"labels must have one text per frame: got {len(labels)} labels "
                f"for {n} frames"
            )
        if dpi is not None:
            fig.set_dpi(dpi)
        # Lay the figure out once: every frame then skips the layout pass.
        fig.canvas.draw()
        fig.set_layout_engine("none")
        frames = _render_frames(anim, frame_data)
    finally:
        anim._draw_was_started = True  # no warning about an animation unrendered
        plt.close(fig)
    labels = [str(label) for label in labels]
    alt = _default_alt(fig, n) if alt is None else alt
    width, height = frames[0].size
    sprite = _sprite(frames)
    interval = int(anim._interval)
    digest = hashlib.sha256(sprite)
    digest.update(json.dumps([labels, alt, interval]).encode())
    html = _player_html(
        f"course-animation-{digest.hexdigest()[:16]}",
        labels,
        alt,
        width,
        height,
        interval,
    )
    return Player(sprite=sprite, html=html, frames=n, width=width, height=height)


def _player_html(
    uid: str, labels: list[str], alt: str, width: int, height: int, interval: int
) -> str:
    """The player's HTML: controls, label, style and script, ids from `uid`."""
    n = len(labels)
    attr = partial(escape, quote=True)
    # Without JavaScript, crop the sprite to its first frame where the browser
    # knows :has() (myst-nb's and JupyterLab's layouts of a cell's outputs).
    crop = (
        f".cell_output:has(> * > #{uid}) > img, "
        f".jp-OutputArea-child:has(+ .jp-OutputArea-child #{uid}) img "
        "{ display: block; box-sizing: content-box; padding: 0; "
        f"width: {width}px; max-width: 100%; height: auto; "
        f"aspect-ratio: {width} / {height}; object-fit: cover; "
        "object-position: 0 0; }\n"
        f"#{uid} {{ max-width: {width}px; }}"  # the controls span the frame
    )
    button = (
        '<button type="button" class="course-animation-{0}" aria-label="{1}" '
        'title="{1}">{2}</button>'
    )
    return "\n".join(
        [
            f'<div class="course-animation" id="{uid}" role="group" '
            f'aria-label="Animation player" data-frame="0" data-frames="{n}" '
            f'data-width="{width}" data-height="{height}" '
            f'data-interval="{interval}" data-alt="{attr(alt)}" '
            f'data-labels="{attr(json.dumps(labels))}">',
            f"<style>{PLAYER_CSS}{crop}\n</style>",
            '<div class="course-animation-bar">',
            '<div class="course-animation-controls" hidden>',
            button.format("prev", "Previous frame", _icon("prev")),
            button.format("play", "Play", _icon("play") + _icon("pause")),
            button.format("next", "Next frame", _icon("next")),
            f'<label class="course-animation-visually-hidden" for="{uid}-slider">'
            "Frame</label>",
            f'<input type="range" class="course-animation-slider" id="{uid}-slider" '
            f'min="0" max="{n - 1}" step="1" value="0" '
            f'aria-valuetext="{attr(labels[0])}">',
            "</div>",
            f'<span class="course-animation-label" aria-live="polite">'
            f"{escape(labels[0])}</span>",
            "</div>",
            f'<p class="course-animation-hint">The first of {n} frames is shown; '
            "the controls need JavaScript.</p>",
            f"<script>{PLAYER_JS}</script>",
            "</div>",
        ]
    )


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
