"""coursegen/sphinx/images.py: which figures of a page become WebP, and when.

The conversion itself, and the <img> it gives, are checked in a real build
(tests/test_site_build.py); here, the decisions on a page's image nodes.
"""

from __future__ import annotations

import os
from pathlib import Path
from types import SimpleNamespace

import pytest
from docutils import nodes
from PIL import Image

from coursegen.sphinx import images


def _app(src: Path, fmt: str = "html") -> SimpleNamespace:
    def relfn2path(uri: str, docname: str) -> tuple[str, str]:
        return uri, str(src / uri)  # as Sphinx resolves a path of the page

    env = SimpleNamespace(docname="lessons/x", relfn2path=relfn2path)
    return SimpleNamespace(builder=SimpleNamespace(format=fmt), env=env)


def _page(*uris: str) -> nodes.document:
    document = nodes.document(None, None)
    document += [nodes.image(uri=uri) for uri in uris]
    return document


def _convert(app: SimpleNamespace, page: nodes.document) -> None:
    """As a build does: the page read, then every encoding waited for."""
    images.webp_images(app, page)
    images.wait_for_webp(app, app.env)


def _uris(document: nodes.document) -> list[str]:
    return [node["uri"] for node in document.findall(nodes.image)]


@pytest.fixture
def src(tmp_path: Path) -> Path:
    Image.new("RGB", (4, 3), (10, 20, 30)).save(tmp_path / "fig.png")
    Image.new("RGB", (4, 3)).save(tmp_path / "photo.jpg")
    return tmp_path


def test_only_local_pngs_that_exist_become_webp(src):
    page = _page("fig.png", "photo.jpg", "missing.png", "https://example.org/x.png")
    _convert(_app(src), page)
    assert _uris(page) == [
        "fig.webp",
        "photo.jpg",
        "missing.png",
        "https://example.org/x.png",
    ]
    assert sorted(p.name for p in src.iterdir()) == ["fig.png", "fig.webp", "photo.jpg"]


def test_other_builders_keep_the_pngs(src):
    page = _page("fig.png")
    _convert(_app(src, fmt="latex"), page)
    assert _uris(page) == ["fig.png"]
    assert not (src / "fig.webp").exists()


def test_a_webp_is_made_again_only_when_its_png_is_newer(src):
    _convert(_app(src), _page("fig.png"))
    webp = src / "fig.webp"
    os.utime(webp, (1e9, 1e9))  # older than the PNG: made again
    _convert(_app(src), _page("fig.png"))
    made = webp.stat().st_mtime
    assert made > 1e9
    os.utime(src / "fig.png", (1e9, 1e9))  # the PNG older: the WebP is kept
    webp.write_bytes(b"kept")
    _convert(_app(src), _page("fig.png"))
    assert webp.read_bytes() == b"kept"


def test_the_webp_has_the_pngs_pixels_once_the_pages_are_read(src):
    page = _page("fig.png", "fig.png")  # twice on the page: encoded once
    images.webp_images(_app(src), page)  # the encoding may still be going on
    assert (src / "fig.webp").exists()  # Sphinx's image collector looks for it
    assert images.wait_for_webp(_app(src), None) == []
    with Image.open(src / "fig.webp") as webp, Image.open(src / "fig.png") as png:
        assert webp.format == "WEBP"
        assert webp.convert("RGB").tobytes() == png.convert("RGB").tobytes()
    # the PNG's time, not newer: the next build must not read the page again
    made = (src / "fig.png").stat().st_mtime_ns
    assert (src / "fig.webp").stat().st_mtime_ns == made


def test_a_page_is_written_with_its_figures_size_while_the_webp_is_encoding(src):
    page = _page("fig.png")
    images.webp_images(_app(src), page)
    (node,) = page.findall(nodes.image)
    assert node["pixels"] == (4, 3)  # the PNG's, read with its text size
    (src / "fig.webp").write_bytes(b"")  # as while it is being encoded
    writer = SimpleNamespace(builder=SimpleNamespace(srcdir=str(src)))
    assert images._display_size(writer, node) == ((4, 3), (4, 3))  # type: ignore[arg-type]
    images.wait_for_webp(_app(src))


def test_an_empty_webp_left_by_a_stopped_build_is_made_again(src):
    webp = src / "fig.webp"
    webp.write_bytes(b"")  # newer than the PNG, but empty
    _convert(_app(src), _page("fig.png"))
    assert webp.stat().st_size > 0


def test_a_failed_encoding_fails_the_build_and_leaves_no_webp(src, monkeypatch):
    def full_disk(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr(Image.Image, "save", full_disk)
    images.webp_images(_app(src), _page("fig.png"))
    with pytest.raises(OSError, match="No space left"):
        images.wait_for_webp(_app(src), None)
    assert sorted(p.name for p in src.iterdir()) == ["fig.png", "photo.jpg"]


def _colours(count: int) -> list[tuple[int, int, int]]:
    """count distinct colours, far apart from black and from each other's neighbours."""
    return [(40 + i % 16 * 12, 40 + i // 16 * 12, 200) for i in range(count)]


def test_a_figure_of_at_most_256_colours_keeps_every_pixel(src):
    image = Image.new("RGB", (256, 2))
    image.putdata(_colours(256) * 2)
    image.save(src / "fig.png")
    assert images.palette(image) is image
    _convert(_app(src), _page("fig.png"))
    with Image.open(src / "fig.webp") as webp:
        assert webp.convert("RGB").tobytes() == image.tobytes()


def test_a_figure_keeps_its_256_commonest_colours_and_snaps_others_to_the_nearest(src):
    common = _colours(256)  # each twice: kept exactly
    rare = [(41, 39, 203), (255, 255, 255), (0, 0, 0)]  # each once
    image = Image.new("RGB", (256 * 2 + len(rare), 1))
    image.putdata(common * 2 + rare)
    image.save(src / "fig.png")
    snapped = list(images.palette(image).get_flattened_data())
    assert snapped[: 256 * 2] == common * 2
    # nearest in RGB: the first common colour; the brightest; the darkest
    assert snapped[256 * 2 :] == [(40, 40, 200), (220, 220, 200), (40, 40, 200)]
    _convert(_app(src), _page("fig.png"))
    with Image.open(src / "fig.webp") as webp:
        # the palette's pixels, losslessly
        assert list(webp.convert("RGB").get_flattened_data()) == snapped


def test_of_colours_equally_common_the_lower_ones_are_kept():
    # 400 colours, every other one (by packed value 0xRRGGBB) twice: the 200
    # twice are kept, then the 56 lowest of those once (a sort that is not
    # stable picks others among the ties)
    colours = sorted((r * 16, g * 16, 100) for r in range(16) for g in range(16))
    colours += sorted((r * 16 + 1, g, 7) for r in range(16) for g in range(9))
    colours = sorted(colours)[:400]
    twice, once = colours[::2], colours[1::2]
    image = Image.new("RGB", (len(twice) * 2 + len(once), 1))
    image.putdata((twice * 2 + once)[::-1])
    kept = set(images.palette(image, most_changed=1).get_flattened_data())
    assert kept == set(twice + once[:56])


def test_the_nearest_colour_is_the_nearest_in_straight_line_distance():
    # from black, (9, 9, 9) is nearer than (0, 0, 16) in RGB space (243 < 256
    # squared) though further in summed steps (27 > 16)
    common = [*_colours(254), (9, 9, 9), (0, 0, 16)]
    image = Image.new("RGB", (256 * 2 + 1, 1))
    image.putdata(common * 2 + [(0, 0, 0)])
    assert images.palette(image).getpixel((256 * 2, 0)) == (9, 9, 9)


def test_an_image_of_gradients_or_noise_is_kept_whole():
    # every pixel a colour of its own: most would change, so none does
    image = Image.new("RGB", (64, 64))
    image.putdata([(r, g, 9) for r in range(64) for g in range(64)])
    assert images.palette(image) is image
    # 257 of them on a black ground: two pixels change, so palette applies
    rare = [(r, g, 9) for r in range(1, 64) for g in range(64)][:257]
    image.putdata([(0, 0, 0)] * (64 * 64 - len(rare)) + rare)
    assert images.palette(image) is not image


def test_transparency_is_kept_and_counts_in_the_distance():
    # 256 opaque colours twice, then a rare half-transparent pixel of the first
    # colour and a rare opaque one a step off it: the alpha one snaps to the
    # nearest colour counting alpha (kept transparent: a transparent colour is
    # among the commonest)
    common = [(*c, 255) for c in _colours(255)] + [(40, 40, 200, 120)]
    rare = [(40, 40, 200, 110), (41, 40, 200, 255)]
    image = Image.new("RGBA", (256 * 2 + len(rare), 1))
    image.putdata(common * 2 + rare)
    snapped = images.palette(image)
    assert snapped.mode == "RGBA"
    pixels = list(snapped.get_flattened_data())
    assert pixels[: 256 * 2] == common * 2
    assert pixels[256 * 2 :] == [(40, 40, 200, 120), (40, 40, 200, 255)]


def test_an_opaque_figure_comes_back_without_an_alpha_channel():
    image = Image.new("RGBA", (257, 1))  # as matplotlib saves: RGBA, all opaque
    image.putdata([(*c, 255) for c in _colours(257)])
    assert images.palette(image).mode == "RGB"
