"""Maths rendered at build time by KaTeX in node: pages hold finished HTML and MathML.

Part of the site extension (coursegen.sphinx.site says why and wires it up).
"""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.math import get_node_equation_number
from sphinx.writers.html5 import HTML5Translator

from coursegen.sphinx import files

logger = logging.getLogger(__name__)

KATEX_PACKAGE = Path("tools") / "site" / "node_modules" / "katex"
CACHE_NAME = "course-katex.json"
# Sphinx's classes for maths, kept: the theme styles them, tests look for them.
MATH_CLASSES = "math notranslate nohighlight"

# Renders [{"tex", "display"}] from stdin to [{"html"} | {"error"}] on stdout.
KATEX_SCRIPT = """
const katex = require(process.argv[1]);
let input = "";
process.stdin.on("data", (chunk) => (input += chunk));
process.stdin.on("end", () => {
  const out = JSON.parse(input).map(({ tex, display }) => {
    try {
      return { html: katex.renderToString(tex, {
        displayMode: display, output: "htmlAndMathml", throwOnError: true,
        strict: "error", trust: false,
      }) };
    } catch (error) {
      return { error: String(error.message || error) };
    }
  });
  process.stdout.write(JSON.stringify({ version: katex.version, out }));
});
"""


def katex_package(app: Sphinx) -> Path:
    """The katex npm package: configured, in the book, or in the repository of .venv.

    The last is for books built from elsewhere with the course's environment
    (the test suite's small books): .venv lives in the repository root.
    """
    configured = app.config.course_katex_path
    candidates = [Path(configured)] if configured else []
    for root in (Path(app.srcdir), Path(sys.prefix).parent):
        candidates.append(root / KATEX_PACKAGE)
    for candidate in candidates:
        if (candidate / "package.json").is_file():
            return candidate.resolve()
    raise ExtensionError(
        "KaTeX is missing, so the maths cannot be rendered: run "
        "`npm ci --prefix tools/site` (`make book` does it). Looked in: "
        + ", ".join(str(c) for c in candidates)
    )


class Katex:
    """Formulas rendered by KaTeX in node, cached across builds."""

    def __init__(self, app: Sphinx) -> None:
        self.app = app
        self.cache_file = Path(app.doctreedir) / CACHE_NAME
        self.package: Path | None = None
        self.version = ""
        self.rendered: dict[str, str] = {}
        self.dirty = False
        self.read: list[tuple[str, bool]] = []  # the formulas of the pages read
        if self.cache_file.is_file():
            with self.cache_file.open() as stream:
                data = json.load(stream)
            self.version, self.rendered = data.get("version", ""), data.get("html", {})

    @staticmethod
    def key(tex: str, display: bool) -> str:
        return ("D" if display else "I") + tex

    def package_dir(self) -> Path:
        if self.package is None:
            self.package = katex_package(self.app)
            version = json.loads((self.package / "package.json").read_text())["version"]
            if version != self.version:  # a new KaTeX renders everything again
                self.version, self.rendered = version, {}
        return self.package

    def render(
        self, formulas: list[tuple[str, bool]], location: Any = None, warn: bool = True
    ) -> None:
        """Render the formulas not rendered yet, in one node process."""
        # One KaTeX cannot render is left unrendered, with a warning if `warn`.
        package = self.package_dir()
        todo = sorted({f for f in formulas if self.key(*f) not in self.rendered})
        if not todo:
            return
        node = shutil.which("node")
        if node is None:
            raise ExtensionError("node is missing: KaTeX renders the maths with it")
        request = [{"tex": tex, "display": display} for tex, display in todo]
        done = subprocess.run(
            [node, "-e", KATEX_SCRIPT, str(package)],
            input=json.dumps(request),
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            raise ExtensionError(f"KaTeX failed in node:\n{done.stderr}")
        results = json.loads(done.stdout)["out"]
        for (tex, display), result in zip(todo, results, strict=True):
            if "error" in result:
                if not warn:
                    continue
                message = f"KaTeX cannot render {tex!r}: {result['error']}"
                logger.warning(message, location=location)
                continue
            self.rendered[self.key(tex, display)] = result["html"]
            self.dirty = True

    def html(self, tex: str, display: bool, location: Any = None) -> str:
        key = self.key(tex, display)
        if key not in self.rendered:  # a formula outside a page body (a title)
            self.render([(tex, display)], location)
        fallback = html.escape(tex)  # only after a warning, which fails the build
        return self.rendered.get(key, fallback)

    def save(self) -> None:
        if self.dirty:
            data = {"version": self.version, "html": self.rendered}
            files.write(self.cache_file, json.dumps(data, sort_keys=True).encode())
            self.dirty = False


def display_tex(node: nodes.math_block) -> str:
    """The TeX of a display formula, as Sphinx's MathJax renderer wraps it."""
    if node.get("nowrap"):
        return node.astext()
    parts = [part for part in node.astext().split("\n\n") if part.strip()]
    wrapped = [rf"\begin{{split}}{p}\end{{split}}" if r"\\" in p else p for p in parts]
    if len(wrapped) > 1:
        return r"\begin{aligned}" + r"\\".join(wrapped) + r"\end{aligned}"
    return wrapped[0] if wrapped else ""


# One renderer per build (the test suite builds several books in one process).
_RENDERERS: WeakKeyDictionary[Sphinx, Katex] = WeakKeyDictionary()


def _katex(app: Sphinx) -> Katex:
    if app not in _RENDERERS:
        _RENDERERS[app] = Katex(app)
    return _RENDERERS[app]


def save_rendered(app: Sphinx) -> None:
    """Keep the formulas this build rendered for the next one."""
    if app in _RENDERERS:
        _RENDERERS[app].save()


def page_formulas(doctree: nodes.document) -> list[tuple[str, bool]]:
    """Each formula of a page: its TeX and whether it is displayed."""
    formulas = [(n.astext(), False) for n in doctree.findall(nodes.math)]
    formulas += [(display_tex(n), True) for n in doctree.findall(nodes.math_block)]
    return formulas


def collect_page_maths(app: Sphinx, doctree: nodes.document) -> None:
    """Keep the formulas of a page just read, for render_read_maths."""
    if app.builder.format == "html":
        _katex(app).read += page_formulas(doctree)


def render_read_maths(app: Sphinx, env: Any) -> None:
    """Render the formulas of every page read in one node process, before any
    page is written: one process a page took 0.15 s each to start, 2-3 s a build.

    They are the formulas as read: the few that Sphinx's post-transforms add
    (glue:math) are rendered with their page, as are all of a page read in a
    parallel process; one of an output the page does not show (text/latex beside
    text/html) is rendered for nothing. A formula KaTeX cannot render is left to
    render_page_maths, which names its page in the warning.
    """
    katex = _RENDERERS.get(app)
    if katex is not None and katex.read:
        formulas, katex.read = katex.read, []
        katex.render(formulas, warn=False)


def render_page_maths(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Render every formula of a page in one go, before the page is written."""
    if app.builder.format != "html":
        return
    formulas = page_formulas(doctree)
    if formulas:
        _katex(app).render(formulas, location=docname)


def visit_math(self: HTML5Translator, node: nodes.math) -> None:
    katex = _katex(self.builder.app)
    self.body.append(self.starttag(node, "span", "", CLASS=MATH_CLASSES))
    self.body.append(katex.html(node.astext(), False, node) + "</span>")
    raise nodes.SkipNode


def visit_displaymath(self: HTML5Translator, node: nodes.math_block) -> None:
    katex = _katex(self.builder.app)
    self.body.append(self.starttag(node, "div", CLASS=MATH_CLASSES))
    if node["number"] and not node.get("nowrap"):
        number = get_node_equation_number(self, node)
        self.body.append(f'<span class="eqno">({number})')
        self.add_permalink_ref(node, _("Link to this equation"))
        self.body.append("</span>")
    self.body.append(katex.html(display_tex(node), True, node) + "</div>\n")
    raise nodes.SkipNode


def stage_katex(app: Sphinx) -> None:
    """KaTeX's stylesheet (woff2 fonts only) and fonts, as static files of the site."""
    if app.builder.format != "html":
        return
    package = _katex(app).package_dir()
    staged = Path(app.doctreedir) / "course_site_static"
    target = staged / "katex"
    css = (package / "dist" / "katex.min.css").read_text()
    # Every browser that runs the site reads woff2: drop the woff and ttf copies.
    css = re.sub(r',url\(fonts/[\w-]+\.woff\) format\("woff"\)', "", css)
    css = re.sub(r',url\(fonts/[\w-]+\.ttf\) format\("truetype"\)', "", css)
    wanted = {target / "katex.min.css": css.encode()}
    for font in (package / "dist" / "fonts").glob("*.woff2"):
        wanted[target / "fonts" / font.name] = font.read_bytes()
    license_file = package / "LICENSE"
    if license_file.is_file():
        wanted[target / "LICENSE"] = license_file.read_bytes()
    for path, data in wanted.items():
        files.write(path, data)
    for path in target.rglob("*"):  # an older KaTeX's files
        if path.is_file() and path not in wanted and not path.name.startswith("."):
            path.unlink(missing_ok=True)
    if str(staged) not in app.config.html_static_path:
        app.config.html_static_path.append(str(staged))
