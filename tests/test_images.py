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


def _uris(document: nodes.document) -> list[str]:
    return [node["uri"] for node in document.findall(nodes.image)]


@pytest.fixture
def src(tmp_path: Path) -> Path:
    Image.new("RGB", (4, 3), (10, 20, 30)).save(tmp_path / "fig.png")
    Image.new("RGB", (4, 3)).save(tmp_path / "photo.jpg")
    return tmp_path


def test_only_local_pngs_that_exist_become_webp(src):
    page = _page("fig.png", "photo.jpg", "missing.png", "https://example.org/x.png")
    images.webp_images(_app(src), page)
    assert _uris(page) == [
        "fig.webp",
        "photo.jpg",
        "missing.png",
        "https://example.org/x.png",
    ]
    assert sorted(p.name for p in src.iterdir()) == ["fig.png", "fig.webp", "photo.jpg"]


def test_other_builders_keep_the_pngs(src):
    page = _page("fig.png")
    images.webp_images(_app(src, fmt="latex"), page)
    assert _uris(page) == ["fig.png"]
    assert not (src / "fig.webp").exists()


def test_a_webp_is_made_again_only_when_its_png_is_newer(src):
    images.webp_images(_app(src), _page("fig.png"))
    webp = src / "fig.webp"
    os.utime(webp, (1e9, 1e9))  # older than the PNG: made again
    images.webp_images(_app(src), _page("fig.png"))
    made = webp.stat().st_mtime
    assert made > 1e9
    os.utime(src / "fig.png", (1e9, 1e9))  # the PNG older: the WebP is kept
    webp.write_bytes(b"kept")
    images.webp_images(_app(src), _page("fig.png"))
    assert webp.read_bytes() == b"kept"
