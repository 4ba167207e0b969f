"""coursegen/sphinx/icons.py: when the cut-down icon fonts are written, or cannot be.

A real build writes them (tests/test_site_build.py); the CSS work is tested in
tests/test_site.py. Here, the build-finished handler on small output folders.
"""

from __future__ import annotations

import logging
from pathlib import Path
from types import SimpleNamespace

import pydata_sphinx_theme
import pytest
from sphinx.errors import ExtensionError

from coursegen.sphinx import icons


def _built(tmp_path: Path) -> SimpleNamespace:
    """An html build's output with the theme's stylesheet but not its fonts."""
    out = tmp_path / "html"
    (out / "_static" / "styles").mkdir(parents=True)
    (out / "_static" / icons.THEME_CSS).write_text(
        '.fa-bars:before{content:"\\f0c9"}.fa-github:before{content:"\\f09b"}'
    )
    (out / "index.html").write_text('<i class="fa-solid fa-bars"></i>')
    (tmp_path / "doctrees").mkdir()
    doctrees = str(tmp_path / "doctrees")
    html = SimpleNamespace(format="html")
    return SimpleNamespace(outdir=str(out), doctreedir=doctrees, builder=html)


def test_a_failed_build_writes_no_icons(tmp_path):
    app = _built(tmp_path)
    icons.write_icons(app, RuntimeError("the build failed"))
    assert not (Path(app.outdir) / "_static" / icons.TRIMMED_CSS).exists()


def test_a_theme_without_its_icon_font_fails_the_build_naming_the_font(tmp_path):
    app = _built(tmp_path)
    with pytest.raises(ExtensionError, match=r"fa-solid-900\.ttf is missing"):
        icons.write_icons(app, None)
    trimmed = (Path(app.outdir) / "_static" / icons.TRIMMED_CSS).read_text()
    assert trimmed == '.fa-bars:before{content:"\\f0c9"}'  # the page's one icon


def test_the_fonts_are_cut_down_without_a_line_of_fonttools_progress(tmp_path, caplog):
    app = _built(tmp_path)
    theme = Path(pydata_sphinx_theme.__file__).parent / "theme" / "pydata_sphinx_theme"
    webfonts = Path("vendor", "fontawesome", "webfonts")
    (Path(app.outdir) / "_static" / webfonts).mkdir(parents=True)
    for name in icons.FA_FONTS:
        source = theme / "static" / webfonts / f"{name}.ttf"
        (Path(app.outdir) / "_static" / webfonts / source.name).write_bytes(
            source.read_bytes()
        )
    caplog.set_level(logging.INFO)  # as the theme's a11y_pygments sets the root
    icons.write_icons(app, None)
    folder = Path(app.outdir) / "_static" / icons.ICON_FOLDER
    assert sorted(f.name for f in folder.glob("*.woff")) == sorted(
        f"{name}.woff" for name in icons.FA_FONTS
    )
    assert [
        r.getMessage() for r in caplog.records if r.name.startswith("fontTools")
    ] == []
