"""Unit tests of relu_course.animation: an animation's frames, its sprite and
HTML player, and the files it saves (on the training animation of
relu_course.panels).

Every animation made here is rendered (or saved) before the test ends: matplotlib
warns about an animation deleted unrendered, and warnings are errors.
"""

from __future__ import annotations

import gzip
import json
import re
from html import unescape
from importlib import resources
from io import BytesIO

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest
from matplotlib.animation import FuncAnimation
from PIL import Image

import relu_course as rc
from relu_course import animation

mpl.use("Agg")

N_HIDDEN = 3


@pytest.fixture(autouse=True)
def _small_renders_and_no_open_figures():
    # Frames are rendered at a low resolution to keep the tests fast.
    with mpl.rc_context({"savefig.dpi": 30}):
        yield
    plt.close("all")


@pytest.fixture(scope="module")
def run():
    """cubic data on 40 points, shuffled, and a 20-epoch history (3 snapshots)."""
    x, y = rc.cubic_data(40)
    order = np.random.default_rng(0).permutation(len(x))
    x, y = x[order], y[order]
    _, history = rc.train(x, y, epochs=20, snapshot_every=10, n_hidden=N_HIDDEN)
    assert [s.epoch for s in history.snapshots] == [0, 10, 20]
    return x, y, history


@pytest.fixture
def animate(run):
    """Make animations of `run`; any left unrendered is drawn once at the end."""
    made = []

    def make(**kwargs):
        x, y, history = run
        anim = rc.training_animation(history, x, y, **kwargs)
        made.append(anim)
        return anim

    yield make
    for anim in made:
        if not getattr(anim, "_draw_was_started", True):
            anim._fig.canvas.draw()  # one real render; starts the animation


def sprite_of(player) -> Image.Image:
    """The player's sprite, decoded."""
    return Image.open(BytesIO(player.sprite))


def test_embed_stacks_one_frame_per_snapshot_of_equal_height_in_one_png(animate, run):
    player = rc.embed(animate())
    n = len(run[2].snapshots)
    assert player.frames == n
    assert player.sprite[:8] == b"\x89PNG\r\n\x1a\n"
    sprite = sprite_of(player)
    assert sprite.mode == "P"  # a palette PNG: a few times smaller than RGB
    # Twice the pixels of the display size, for high-density screens.
    width, height = player.width * 2, player.height * 2
    assert rc.PIXEL_DENSITY == 2
    assert sprite.size == (width, n * height)
    frames = [sprite.crop((0, k * height, width, (k + 1) * height)) for k in range(n)]
    # The title changes with each snapshot, so no two frames are the same.
    assert len({frame.tobytes() for frame in frames}) == n


def test_the_sprite_is_close_to_the_frames_and_its_white_is_pure_white(animate):
    anim = animate()
    dpi = anim._fig.dpi
    anim._fig.set_dpi(dpi * rc.PIXEL_DENSITY)  # as embed renders the frames
    frame = animation._render_frames(anim, [0])[0]
    sprite = sprite_of(rc.embed(anim, dpi=dpi)).convert("RGB")
    first = sprite.crop((0, 0, *frame.size))
    assert first.getpixel((0, 0)) == (255, 255, 255)  # no grey box on a white page
    error = np.abs(np.asarray(first, int) - np.asarray(frame, int))
    assert error.mean() < 1  # 64 colours are plenty for lines on white


def test_the_sprite_records_its_smallest_text_in_its_own_pixels(animate):
    player = rc.embed(animate(), dpi=50)
    recorded = float(sprite_of(player).info[rc.TEXT_PX_KEY])
    # Text of the default font size (the smallest there), drawn at twice 50 dpi.
    assert recorded == pytest.approx(mpl.rcParams["font.size"] * 100 / 72, abs=0.01)
    assert 'data-density="2"' in player.html


def test_an_odd_frame_is_padded_to_whole_display_pixels():
    fig, ax = plt.subplots(figsize=(1.01, 1.01), dpi=100)  # 101 x 101 pixels
    (line,) = ax.plot([0, 1], [0, 1])
    anim = FuncAnimation(fig, lambda i: [line.set_ydata([0, i])], frames=2)
    player = rc.embed(anim, dpi=50.5)  # frames of 101 x 101 pixels
    assert (player.width, player.height) == (51, 51)
    assert sprite_of(player).size == (102, 204)


def test_embed_closes_the_figure(animate):
    rc.embed(animate())
    assert plt.get_fignums() == []


def test_a_notebook_shows_the_sprite_and_then_the_player(animate, monkeypatch):
    import IPython.display

    shown = []
    monkeypatch.setattr(IPython.display, "display", shown.append)
    player = rc.embed(animate())
    player._ipython_display_()
    image, html = shown
    assert image.data == player.sprite
    assert image.format == "png"
    assert html.data == player.html


def test_the_player_has_the_hooks_the_browser_tests_use(animate, run):
    html = rc.embed(animate()).html
    n = len(run[2].snapshots)
    root = re.search(r'<div class="course-animation" id="([\w-]+)"[^>]*>', html)
    assert root, html[:300]
    assert 'data-frame="0"' in root[0]
    assert f'data-frames="{n}"' in root[0]
    for name, label in (
        ("prev", "Previous frame"),
        ("play", "Play"),
        ("next", "Next frame"),
    ):
        assert f'<button type="button" class="course-animation-{name}" ' in html
        assert f'aria-label="{label}"' in html
    slider = re.search(
        r'<input type="range" class="course-animation-slider"[^>]*>', html
    )
    assert slider
    assert f'max="{n - 1}"' in slider[0]
    slider_id = re.search(r'id="([\w-]+)"', slider[0])[1]
    assert f'<label class="course-animation-visually-hidden" for="{slider_id}">' in html
    assert '<span class="course-animation-label" aria-live="polite">' in html


def test_the_player_loads_nothing_from_elsewhere_and_no_icon_font(animate):
    html = rc.embed(animate()).html
    assert "http" not in html
    assert not re.search(r"""(src|href)=|url\(""", html)  # nothing to fetch
    assert "fa-" not in html
    assert "<link" not in html
    assert "<img" not in html  # the frames are the separate sprite output
    assert "base64" not in html
    assert html.count("<svg") == 4  # inline icons: previous, play, pause, next


def test_the_players_style_and_script_are_files_of_the_package(animate):
    files = resources.files("relu_course")
    style = files.joinpath("player.css").read_text()
    script = files.joinpath("player.js").read_text()
    html = rc.embed(animate()).html
    assert style.strip() in html  # inlined: the page loads nothing else
    assert script.strip() in html


def test_the_player_never_starts_by_itself_and_minds_reduced_motion(animate):
    html = rc.embed(animate()).html
    assert "autoplay" not in html
    assert "prefers-reduced-motion: reduce" in html
    # Only the play button's handler starts the timer.
    assert html.count(" start();") == 1


def test_the_labels_default_to_frame_k_of_n(animate, run):
    html = rc.embed(animate()).html
    n = len(run[2].snapshots)
    assert f">Frame 1 of {n}</span>" in html
    labels = re.search(r'data-labels="([^"]*)"', html)[1]
    assert json.loads(unescape(labels)) == [
        f"Frame {k} of {n}" for k in range(1, n + 1)
    ]


def test_the_labels_given_are_shown_as_text_and_escaped(animate, run):
    epochs = [s.epoch for s in run[2].snapshots]
    labels = [f"Epoch {e} of {epochs[-1]} <&>" for e in epochs]
    html = rc.embed(animate(), labels=labels).html
    assert f">Epoch 0 of {epochs[-1]} &lt;&amp;&gt;</span>" in html
    assert "<&>" not in html
    stored = re.search(r'data-labels="([^"]*)"', html)[1]
    assert json.loads(unescape(stored)) == labels


@pytest.mark.parametrize("labels", [["one", "two"], ["a", "b", "c", "d"], "abc"])
def test_labels_not_one_per_frame_are_refused_naming_the_argument(animate, labels):
    with pytest.raises(ValueError, match=r"^labels must .* 3 "):
        rc.embed(animate(), labels=labels)
    assert plt.get_fignums() == []


def test_the_default_alt_text_names_the_panels(animate, run):
    html = rc.embed(animate()).html
    n = len(run[2].snapshots)
    alt = unescape(re.search(r'data-alt="([^"]*)"', html)[1])
    assert alt == (
        f"Animation in {n} frames of 3 panels: each unit: relu(w0 x + b0); "
        "scaled: relu(w0 x + b0) * w1; sum + b1 vs target."
    )
    custom = rc.embed(animate(), alt='Fits "early" and late').html
    assert 'data-alt="Fits &quot;early&quot; and late"' in custom


def test_embed_gives_identical_output_for_the_same_animation(animate):
    first, second = rc.embed(animate()), rc.embed(animate())
    assert first.sprite == second.sprite
    assert first.html == second.html
    assert re.search(r'id="course-animation-[0-9a-f]{16}"', first.html)


def test_another_animation_gets_another_id(animate):
    ids = {
        re.search(r'id="(course-animation-\w+)"', rc.embed(animate(**kw)).html)[1]
        for kw in ({}, {"interval": 500})
    }
    assert len(ids) == 2


def test_embed_renders_frames_at_the_requested_dpi(animate):
    sizes = {dpi: rc.embed(animate(), dpi=dpi) for dpi in (40, 80)}
    assert sizes[80].width == pytest.approx(2 * sizes[40].width, abs=2)
    shown = (sizes[80].width * 2, 3 * sizes[80].height * 2)
    assert sprite_of(sizes[80]).size == shown


@pytest.mark.parametrize("dpi", [0, -10.0])
def test_embed_rejects_a_dpi_that_is_not_positive(animate, dpi):
    with pytest.raises(ValueError, match="dpi must be > 0"):
        rc.embed(animate(), dpi=dpi)
    assert plt.get_fignums() == []


def test_a_40_frame_animation_like_the_lessons_weighs_under_a_megabyte():
    """The lesson's figure (seven units, 300 points, 60 dpi) with 40 frames."""
    x, y = rc.cubic_data(300)
    _, history = rc.train(x, y, epochs=3900, snapshot_every=100)
    anim = rc.training_animation(history, x, y)
    player = rc.embed(anim, dpi=60)
    assert player.frames == 40
    html = gzip.compress(player.html.encode())
    assert len(player.sprite) + len(html) < 1_000_000


def test_save_writes_a_gif_with_one_frame_per_snapshot(animate, run, tmp_path):
    from PIL import Image

    anim = animate()
    path = rc.save(anim, tmp_path / "training.gif", fps=4)
    assert path == tmp_path / "training.gif"
    assert path.read_bytes()[:4] == b"GIF8"
    with Image.open(path) as gif:
        assert gif.n_frames == len(run[2].snapshots)


def test_save_writes_an_html_player(animate, tmp_path):
    anim = animate()
    path = rc.save(anim, str(tmp_path / "training.html"))
    assert path == tmp_path / "training.html"
    text = path.read_text()
    assert "<script" in text
    assert "animation" in text


@pytest.mark.parametrize("name", ["training.mp4", "training", "training.GIF"])
def test_save_rejects_other_suffixes_listing_the_valid_ones(animate, tmp_path, name):
    anim = animate()
    with pytest.raises(ValueError, match=r"one of \['\.gif', '\.html'\], got"):
        rc.save(anim, tmp_path / name)
    assert list(tmp_path.iterdir()) == []


def _frames(anim, blit: bool) -> list[np.ndarray]:
    """The frames of anim, drawn the fast way (blit) or the whole figure each."""
    fig = anim._fig
    fig.canvas.draw()
    data = list(anim.new_saved_frame_seq())
    if blit:
        images = animation._render_frames(anim, data)
    else:
        images = [animation._whole_frame(anim, d) for d in data]
    anim._draw_was_started = True
    return [np.asarray(image) for image in images]


def test_frames_drawn_by_blitting_equal_whole_redraws_pixel_for_pixel(animate):
    fast, whole = _frames(animate(), blit=True), _frames(animate(), blit=False)
    assert len(fast) == len(whole) == 3
    for a, b in zip(fast, whole, strict=True):
        np.testing.assert_array_equal(a, b)
    assert not np.array_equal(fast[0], fast[-1])  # the frames do differ


def test_an_animation_that_returns_no_artists_is_redrawn_whole_each_frame():
    fig, ax = plt.subplots(figsize=(2, 2), dpi=20)
    (line,) = ax.plot([0, 1], [0, 0])
    ax.set_ylim(-1, 3)

    def update(i):
        line.set_ydata([0, i])  # returns None: nothing says what changed

    anim = FuncAnimation(fig, update, frames=3)
    frames = _frames(anim, blit=True)
    assert len({frame.tobytes() for frame in frames}) == 3
