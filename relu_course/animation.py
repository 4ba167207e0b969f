"""An animation made ready for a page: its frames drawn fast (only what changes),
stacked in one sprite PNG, and an accessible HTML player that shows them; or
saved as a GIF or an HTML file.

Introduced in the lesson "Training a ReLU regressor", for the animation of
relu_course.panels.
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
from typing import Any, Protocol, cast

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
from matplotlib.animation import FuncAnimation, HTMLWriter, PillowWriter
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from PIL import Image
from PIL.PngImagePlugin import PngInfo

from relu_course.figures import PIXEL_DENSITY, TEXT_PX_KEY, smallest_text_pt, text_px

__all__ = ["Player", "embed", "save"]


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
    `width` and `height` are a frame's display size; the sprite has
    PIXEL_DENSITY times their pixels, for high-density screens.
    """

    sprite: bytes = field(repr=False)
    html: str = field(repr=False)
    frames: int
    width: int
    height: int

    def _ipython_display_(self) -> None:
        """Show the sprite (written to a file by myst-nb) and then the player."""
        from IPython.display import HTML, Image, display

        # IPython.display has no annotations.
        image = Image(  # type: ignore[no-untyped-call]
            data=self.sprite,
            format="png",
            width=self.width,
            height=self.height * self.frames,
        )
        display(image)  # type: ignore[no-untyped-call]
        display(HTML(self.html))  # type: ignore[no-untyped-call]


class _AnimationInternals(Protocol):
    """The private parts of matplotlib's Animation that embed relies on to draw
    the frames itself (matplotlib's type stubs leave them out)."""

    _fig: Figure
    _interval: int
    _drawn_artists: list[Artist] | None  # what the last frame's function returned
    _draw_was_started: bool

    def _draw_frame(self, framedata: Any) -> None: ...


def _internals(anim: FuncAnimation) -> _AnimationInternals:
    return cast(_AnimationInternals, anim)


def _render_frames(anim: FuncAnimation, frame_data: list[Any]) -> list[Image.Image]:
    """Draw the frames of `anim` for `frame_data` and return them as RGB images.

    Only what changes is drawn per frame: the artists the animation's function
    returns go onto a copy of the rest (axes, ticks, labels), drawn once
    (blitting); their axes' spines and legends are drawn again over them, as a
    whole draw would. A function that returns no artists gets the whole figure
    drawn for every frame.
    """
    inner = _internals(anim)
    fig, canvas = inner._fig, inner._fig.canvas
    inner._draw_frame(frame_data[0])
    changing = [a for a in (inner._drawn_artists or []) if isinstance(a, Artist)]
    if not changing or not isinstance(canvas, FigureCanvasAgg):
        return [_whole_frame(inner, data) for data in frame_data]
    axes = list(dict.fromkeys(a.axes for a in changing if a.axes is not None))
    spines: list[Artist] = [spine for ax in axes for spine in ax.spines.values()]
    legends = [legend for ax in axes if (legend := ax.get_legend()) is not None]
    # In zorder, as a whole draw would: lines, then the spines over them, legends last.
    on_top = sorted([*changing, *spines], key=lambda a: a.get_zorder()) + legends
    animated = [a.get_animated() for a in on_top]
    for artist in on_top:
        artist.set_animated(True)  # left out of the background
    # backend_agg's methods have no annotations: each call below is typed Any.
    try:
        fig.canvas.draw()
        background = canvas.copy_from_bbox(fig.bbox)  # type: ignore[no-untyped-call]
        images = []
        for data in frame_data:
            inner._draw_frame(data)
            canvas.restore_region(background)  # type: ignore[no-untyped-call]
            for artist in on_top:
                fig.draw_artist(artist)
            pixels = np.asarray(canvas.buffer_rgba())  # type: ignore[no-untyped-call]
            images.append(_on_white(Image.fromarray(pixels, "RGBA")))
    finally:
        for artist, was in zip(on_top, animated, strict=True):
            artist.set_animated(was)
    return images


def _whole_frame(inner: _AnimationInternals, framedata: Any) -> Image.Image:
    """One frame, the whole figure drawn."""
    inner._draw_frame(framedata)
    return _figure_image(inner._fig)


def _figure_image(fig: Figure) -> Image.Image:
    """The whole figure drawn at its dpi, as an RGB image on white."""
    buffer = BytesIO()
    with mpl.rc_context({"savefig.bbox": "standard", "savefig.transparent": False}):
        fig.savefig(buffer, format="rgba", dpi=fig.dpi)
    width, height = (int(size) for size in fig.bbox.size)
    return _on_white(Image.frombuffer("RGBA", (width, height), buffer.getvalue()))


def _on_white(rgba: Image.Image) -> Image.Image:
    white = Image.new("RGBA", rgba.size, "white")
    return Image.alpha_composite(white, rgba).convert("RGB")


def _sprite(
    frames: list[Image.Image], cell: tuple[int, int], text: dict[str, str]
) -> bytes:
    """The frames stacked top to bottom in one palette PNG, one `cell` (a size
    at least theirs) each, with `text` chunks."""
    width, height = cell
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
    info = PngInfo()
    for key, value in text.items():
        info.add_text(key, value)
    buffer = BytesIO()
    palette.save(buffer, format="PNG", optimize=True, pnginfo=info)
    return buffer.getvalue()


def _dense_sprite(
    frames: list[Image.Image], points: float | None, dpi: float
) -> tuple[bytes, int, int]:
    """The sprite of frames drawn at `dpi` (PIXEL_DENSITY times their display
    size), recording their smallest text of `points`; and a frame's display size.
    """
    # The frame's pixels over PIXEL_DENSITY, rounded up: the sprite pads each
    # frame to a whole multiple of it, so the player finds it exactly.
    width, height = (-(-size // PIXEL_DENSITY) for size in frames[0].size)
    text = {} if points is None else {TEXT_PX_KEY: text_px(points, dpi)}
    cell = (width * PIXEL_DENSITY, height * PIXEL_DENSITY)
    return _sprite(frames, cell, text), width, height


def _default_alt(fig: Figure, n_frames: int) -> str:
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

    Frames are shown at `dpi` (default: the figure's), drawn at PIXEL_DENSITY times
    it and stacked in one palette PNG recording their smallest text
    (relu_course.figures); in a notebook the result shows as two outputs, the image
    (a file of its own on a built page) and the player. The figure is closed.
    `labels` are the frames' captions (default "Frame k of n"), `alt` the image's
    alt text (default: the panels' titles). Nothing plays until the reader presses
    play; with prefers-reduced-motion, play steps at most one frame a second. Ids
    are a hash of the content: the same animation gives the same output. Without
    JavaScript the page shows the first frame.

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
    inner = _internals(anim)
    fig = inner._fig
    try:
        if dpi is not None and not dpi > 0:
            raise ValueError(f"dpi must be > 0, got {dpi!r}")
        frame_data = list(anim.new_saved_frame_seq())
        texts = _frame_labels(labels, len(frame_data))
        fig.set_dpi((fig.dpi if dpi is None else dpi) * PIXEL_DENSITY)
        # Lay the figure out once: every frame then skips the layout pass.
        fig.canvas.draw()
        fig.set_layout_engine("none")
        points = smallest_text_pt(fig, drawn=True)
        frames = _render_frames(anim, frame_data)
    finally:
        inner._draw_was_started = True  # no warning about an animation unrendered
        plt.close(fig)
    alt = _default_alt(fig, len(frames)) if alt is None else alt
    sprite, width, height = _dense_sprite(frames, points, fig.dpi)
    interval = int(inner._interval)
    digest = hashlib.sha256(sprite)
    digest.update(json.dumps([texts, alt, interval]).encode())
    uid = f"course-animation-{digest.hexdigest()[:16]}"
    html = _player_html(uid, texts, alt, width, height, interval)
    return Player(
        sprite=sprite, html=html, frames=len(frames), width=width, height=height
    )


def _frame_labels(labels: Sequence[str] | None, n: int) -> list[str]:
    """One caption per frame: `labels` as text, or "Frame k of n" by default."""
    if labels is None:
        return [f"Frame {k + 1} of {n}" for k in range(n)]
    if isinstance(labels, str):
        raise ValueError(f"labels must be one text per frame, not a str: {n} texts")
    if len(labels) != n:
        raise ValueError(
            f"labels must have one text per frame: got {len(labels)} labels "
            f"for {n} frames"
        )
    return [str(label) for label in labels]


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
            f'data-density="{PIXEL_DENSITY}" '
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
