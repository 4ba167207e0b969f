"""Figures as a notebook shows them: twice the pixels, the smallest text recorded.

A figure a lesson shows goes out as a PNG of twice its pixels (IPython's "retina"
PNG), with the size to display it at in the output's metadata: sharp on
high-density screens, the same size as before in JupyterLab and on the site. The
PNG also records, as a text chunk, the size in its own pixels of the smallest
text the figure draws. The site reads it back (coursegen.sphinx.images) and never
shows the figure so narrow that this text falls under a legible size: the size of
the text is a fact of the figure only the figure knows, so it travels with it.

Installed by use_course_style in an IPython kernel; elsewhere nothing changes.
"""

from __future__ import annotations

import struct
import zlib
from binascii import b2a_base64
from collections.abc import Iterator
from typing import Any

from matplotlib.artist import Artist
from matplotlib.figure import Figure
from matplotlib.text import Text

__all__ = ["PIXEL_DENSITY", "TEXT_PX_KEY", "smallest_text_pt"]

# Image pixels per displayed (CSS) pixel: 2 is sharp on phones and most laptops.
PIXEL_DENSITY = 2
# The PNG text chunk holding the smallest text's size, in the image's pixels.
TEXT_PX_KEY = "relu-course:smallest-text-px"


def _shown_texts(artist: Artist) -> Iterator[Text]:
    """The non-blank texts under `artist` that a draw would show."""
    if not artist.get_visible():
        return
    if isinstance(artist, Text) and artist.get_text().strip():
        yield artist
    for child in artist.get_children():
        yield from _shown_texts(child)


def smallest_text_pt(fig: Figure, drawn: bool = False) -> float | None:
    """The font size in points of the figure's smallest shown text; None if none.

    Tick labels get their text when the figure is drawn: it is drawn first, to
    no pixels (fig.draw_without_rendering), unless `drawn` says it just was.

    >>> import matplotlib.pyplot as plt
    >>> fig, ax = plt.subplots()
    >>> _ = ax.set_title("big", fontsize=20); _ = ax.text(0, 0, "small", fontsize=7)
    >>> smallest_text_pt(fig)
    7.0
    >>> ax.tick_params(labelsize=6); smallest_text_pt(fig)
    6.0
    >>> plt.close(fig)
    """
    if not drawn:
        fig.draw_without_rendering()
    sizes = [float(text.get_fontsize()) for text in _shown_texts(fig)]
    return min(sizes) if sizes else None


def text_px(points: float, dpi: float) -> str:
    """A font size in points as pixels of an image drawn at `dpi`, as PNG text."""
    return f"{points * dpi / 72:.2f}"


def _sharp_png(fig: Figure) -> Any:
    """IPython's retina PNG of `fig`, recording its smallest text in pixels.

    The text is read off the draw that made the PNG, then written into it: asked
    before, it took a draw of its own, a third of the time a figure takes.
    """
    from IPython.core.pylabtools import retina_figure

    made = retina_figure(fig)  # type: ignore[no-untyped-call]
    if made is None:  # an empty figure, which IPython does not show
        return None
    png, shown = made
    points = smallest_text_pt(fig, drawn=True)
    if points is not None:
        dpi = fig.dpi * PIXEL_DENSITY  # the dpi retina_figure drew at
        png = _with_text(png, TEXT_PX_KEY, text_px(points, dpi))
    return b2a_base64(png, newline=False).decode("ascii"), shown


def _with_text(png: bytes, key: str, value: str) -> bytes:
    """png with a tEXt chunk key=value before its image data, where readers
    (Pillow's Image.open) look for text."""
    at = 8  # after the signature: chunks of length, type, data, CRC
    while png[at + 4 : at + 8] != b"IDAT":
        (length,) = struct.unpack(">I", png[at : at + 4])
        at += 12 + length
    body = b"tEXt" + key.encode("latin-1") + b"\0" + value.encode("latin-1")
    crc = zlib.crc32(body)
    chunk = struct.pack(">I", len(body) - 4) + body + struct.pack(">I", crc)
    return png[:at] + chunk + png[at:]


def show_sharp_figures() -> None:
    """In an IPython kernel, show every figure as _sharp_png draws it."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return
    # Importing the inline backend sets up its own PNG formatter, once: after
    # that import, ours stays in place (a later `%matplotlib inline` resets it).
    import matplotlib_inline.backend_inline  # noqa: F401

    shell.display_formatter.formatters["image/png"].for_type(Figure, _sharp_png)
