"""coursegen/sphinx/katex.py: formulas rendered by KaTeX in node, and its cache.

KaTeX really runs (node and the pinned package of tools/site, as `make book`
needs them); Sphinx does not: the renderer only reads a few attributes of the
application, given here. tests/test_site_build.py renders pages with it.
"""

from __future__ import annotations

import json
import os
import shutil
import sys
import threading
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from docutils import nodes
from sphinx.errors import ExtensionError

from coursegen.sphinx import katex

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / katex.KATEX_PACKAGE


class App:
    """What the renderer reads of a Sphinx application; like one, it is hashed and
    weakly referenced (one renderer per build)."""

    def __init__(self, **attributes: Any) -> None:
        self.__dict__.update(attributes)


def _app(tmp_path: Path, package: Path | str = "", fmt: str = "html") -> App:
    return App(
        config=SimpleNamespace(course_katex_path=str(package), html_static_path=[]),
        srcdir=str(tmp_path / "src"),
        doctreedir=str(tmp_path / "doctrees"),
        builder=SimpleNamespace(format=fmt),
    )


@pytest.fixture
def app(tmp_path: Path) -> App:
    if shutil.which("node") is None or not (PACKAGE / "package.json").is_file():
        pytest.skip("needs node and `npm ci --prefix tools/site`, as make book does")
    return _app(tmp_path, PACKAGE)


@pytest.fixture
def warnings(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The warnings the renderer logs (each one fails a -W build)."""
    logged: list[str] = []
    monkeypatch.setattr(katex.logger, "warning", lambda msg, **_: logged.append(msg))
    return logged


def test_a_formula_becomes_html_and_mathml(app):
    renderer = katex.Katex(app)
    html = renderer.html(r"\frac{1}{2}", display=False)
    assert html.startswith('<span class="katex">')
    assert "<math" in html
    assert "mfrac" in html
    display = renderer.html(r"\frac{1}{2}", display=True)
    assert 'class="katex-display"' in display
    assert html != display  # inline and display are kept apart


def test_formulas_are_cached_across_builds_and_need_no_node_then(
    app, tmp_path, monkeypatch
):
    first = katex.Katex(app)
    first.render([("z^2", False), ("z^2", True)])
    first.save()
    cache = json.loads((tmp_path / "doctrees" / katex.CACHE_NAME).read_text())
    assert sorted(cache["html"]) == ["Dz^2", "Iz^2"]
    version = json.loads((PACKAGE / "package.json").read_text())["version"]
    assert cache["version"] == version
    monkeypatch.setenv("PATH", str(tmp_path))  # no node from here on
    again = katex.Katex(app)
    again.render([("z^2", True)])  # cached: nothing to run
    assert again.html("z^2", True) == first.html("z^2", True)
    with pytest.raises(ExtensionError, match="node is missing"):
        again.render([("y^3", False)])


def test_a_new_katex_renders_every_formula_again(app, tmp_path):
    cache = tmp_path / "doctrees" / katex.CACHE_NAME
    cache.parent.mkdir()
    cache.write_text(json.dumps({"version": "0.0.1", "html": {"Iz": "<old>"}}))
    renderer = katex.Katex(app)
    assert renderer.rendered == {"Iz": "<old>"}  # as saved
    renderer.render([("z", False)])  # as a page's formulas are, before it is written
    assert "<old>" not in renderer.html("z", False)  # another version: rendered anew
    renderer.save()
    assert json.loads(cache.read_text())["version"] != "0.0.1"


def test_a_formula_katex_cannot_render_is_a_warning_naming_it(app, warnings):
    renderer = katex.Katex(app)
    html = renderer.html(r"\frac{1}{<2", display=False, location="lessons/x")
    assert html == r"\frac{1}{&lt;2"  # shown as text, after the warning
    assert len(warnings) == 1
    assert warnings[0].startswith(r"KaTeX cannot render '\\frac{1}{<2'")
    assert not renderer.dirty  # nothing new to save


def test_a_broken_katex_package_fails_the_build_with_nodes_message(tmp_path):
    if shutil.which("node") is None:
        pytest.skip("needs node")
    broken = tmp_path / "katex"
    broken.mkdir()
    (broken / "package.json").write_text('{"version": "9.9.9"}')  # and no code
    renderer = katex.Katex(_app(tmp_path, broken))
    with pytest.raises(ExtensionError, match="KaTeX failed in node"):
        renderer.render([("z", False)])


def test_without_katex_the_error_says_how_to_install_it_and_where_it_looked(
    tmp_path, monkeypatch
):
    monkeypatch.setattr(sys, "prefix", str(tmp_path / "venv"))
    app = _app(tmp_path, tmp_path / "configured")
    with pytest.raises(ExtensionError, match=r"npm ci --prefix tools/site") as error:
        katex.katex_package(app)
    for looked in (tmp_path / "configured", tmp_path / "src" / katex.KATEX_PACKAGE):
        assert str(looked) in str(error.value)


def test_every_formula_of_a_page_is_rendered_in_one_go(app, monkeypatch):
    document = nodes.document(None, None)
    document += nodes.paragraph("", "", nodes.math(text="a"), nodes.math(text="b"))
    document += nodes.math_block("c \\\\ d", "c \\\\ d")
    batches: list[list] = []
    monkeypatch.setattr(katex.Katex, "render", lambda self, f, **_: batches.append(f))
    katex.render_page_maths(app, document, "lessons/x")
    assert batches == [
        [("a", False), ("b", False), (r"\begin{split}c \\ d\end{split}", True)]
    ]


def _page(*formulas: str) -> nodes.document:
    document = nodes.document(None, None)
    document += nodes.paragraph("", "", *(nodes.math(text=f) for f in formulas))
    return document


def test_the_formulas_of_every_page_read_are_rendered_in_one_node_process(
    app, monkeypatch
):
    pages = {"lessons/a": _page("a", "b"), "lessons/b": _page("b", "c^2")}
    for page in pages.values():  # as Sphinx reads them (doctree-read)
        katex.collect_page_maths(app, page)
    runs: list[list[str]] = []
    run = katex.subprocess.run
    monkeypatch.setattr(
        katex.subprocess, "run", lambda c, **k: runs.append(c) or run(c, **k)
    )
    katex.render_read_maths(app, None)  # all read (env-updated)
    for docname, page in pages.items():  # then each page is written
        katex.render_page_maths(app, page, docname)
    assert len(runs) == 1
    assert "<math" in katex._katex(app).html("c^2", False)


def test_a_formula_of_the_pages_read_that_fails_is_a_warning_naming_its_page(
    app, monkeypatch
):
    logged: list[tuple[str, object]] = []
    monkeypatch.setattr(
        katex.logger, "warning", lambda m, location=None: logged.append((m, location))
    )
    bad = _page("a", r"\frac{1}{<2")
    katex.collect_page_maths(app, bad)
    katex.render_read_maths(app, None)
    assert logged == []  # not yet: the batch knows no page
    katex.render_page_maths(app, bad, "lessons/bad")
    assert [location for _, location in logged] == ["lessons/bad"]
    assert logged[0][0].startswith(r"KaTeX cannot render '\\frac{1}{<2'")


def test_other_builders_than_html_render_and_stage_nothing(tmp_path):
    app = _app(tmp_path, fmt="latex")
    document = nodes.document(None, None)
    document += nodes.math(text="a")
    katex.collect_page_maths(app, document)
    katex.render_read_maths(app, None)
    katex.render_page_maths(app, document, "x")
    katex.stage_katex(app)
    assert not (tmp_path / "doctrees").exists()  # no renderer, nothing staged


def test_builds_staging_katex_at_once_never_fail_or_show_half_a_file(app, tmp_path):
    # `make watch` sets its next build up (staging KaTeX) while `make book` may
    # stage the same folder: neither may fail, nor a reader see a partial file.
    katex.stage_katex(app)
    css = tmp_path / "doctrees" / "course_site_static" / "katex" / "katex.min.css"
    whole = css.read_bytes()
    errors: list[BaseException] = []
    seen: set[bytes] = set()
    done = threading.Event()

    def stage() -> None:
        try:
            for _ in range(40):
                katex.stage_katex(_app(tmp_path, PACKAGE))
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)

    def read() -> None:
        while not done.is_set():
            try:
                seen.add(css.read_bytes())
            except FileNotFoundError as error:
                errors.append(error)
                return

    stagers = [threading.Thread(target=stage) for _ in range(3)]
    reader = threading.Thread(target=read)
    for thread in [reader, *stagers]:
        thread.start()
    for thread in stagers:
        thread.join()
    done.set()
    reader.join()
    assert errors == []
    assert seen == {whole}


def test_staging_again_removes_an_older_katexs_files_and_keeps_the_rest(app, tmp_path):
    katex.stage_katex(app)
    target = tmp_path / "doctrees" / "course_site_static" / "katex"
    staged = [path for path in target.rglob("*") if path.is_file()]
    for path in staged:  # a time no write leaves
        os.utime(path, ns=(0, 0))
    old = target / "fonts" / "KaTeX_Old-Regular.woff2"
    old.write_bytes(b"a font of an older KaTeX")
    katex.stage_katex(_app(tmp_path, PACKAGE))
    assert not old.exists()
    assert [path.stat().st_mtime_ns for path in staged] == [0] * len(staged)
