"""The published site: fast, offline and accessible, and still the book's theme.

What this extension changes in sphinx-book-theme's pages, and why:

- Maths is rendered at build time with KaTeX (``html_math_renderer = "katex"``):
  the pages hold the finished HTML and MathML, so nothing typesets in the
  browser and nothing comes from a CDN. Each page with maths loads KaTeX's
  stylesheet and the few fonts it uses (woff2, from ``_static/katex``). KaTeX
  runs in node from ``tools/site/node_modules`` (``npm ci`` from the committed
  ``tools/site/package-lock.json``; ``make book`` does it). Rendered formulas
  are cached in the doctree folder, so an unchanged formula is not rendered
  twice.
- Font Awesome's 1.5 MB ``fontawesome.js`` (it swaps every icon for an SVG) is
  not loaded. The theme's own CSS draws the same icons with the Font Awesome
  font; the build writes that font cut down to the glyphs the site uses
  (``_static/course-icons/``, a few KB) and ``course-site.css`` points the
  font at it, so the 150 KB font is never downloaded either. The pages link
  the theme's stylesheet without the 1,900 glyph rules of unused icons
  (``styles/course-theme.css``, 45 KB instead of 65 KB compressed).
- Scripts and styles a page does not use are not linked: sphinx-thebe (no
  live code here), sphinx-design (no tabs or cards), and the search index on
  every page but the search page (the theme only needs it for search-as-you-
  type, which is off). The remaining scripts load with ``defer``.
- Every page gets ``<meta name="description">``: the first paragraph of the
  page (for a lesson, the "You will ..." line of its "In this lesson" box),
  and a favicon (no 404 in the console).
- Figures are lossless WebP (the same pixels as matplotlib's PNGs in about
  40 % of the bytes) with their ``width``/``height`` (no layout shift),
  ``loading="lazy"`` and ``decoding="async"``.
- Accessibility (axe): the book's title in the sidebar is in a landmark,
  references are list items instead of the deprecated doc-biblioentry, a
  display formula too wide for the screen can take the keyboard focus to be
  scrolled, links keep 4.5:1 contrast on tinted admonitions.
- ``site_templates/layout.html``: the colour mode is resolved before
  the first paint, and the article header's sidebar buttons work (on a phone
  they opened nothing: the themes bind only the first such button, hidden).

``make bench-site`` (coursegen/bench_site.py) measures the result.
"""

from __future__ import annotations

import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.locale import _
from sphinx.util import logging
from sphinx.util.images import get_image_size
from sphinx.util.math import get_node_equation_number

logger = logging.getLogger(__name__)

HERE = Path(__file__).resolve().parent
STATIC = HERE / "site_static"
TEMPLATES = HERE / "site_templates"
KATEX_PACKAGE = Path("tools") / "site" / "node_modules" / "katex"
CACHE_NAME = "course-katex.json"
ICON_FOLDER = "course-icons"
# The Font Awesome fonts the theme ships, and the name of their cut-down copy.
FA_FONTS = ("fa-solid-900", "fa-regular-400", "fa-brands-400")
DESCRIPTION_LENGTH = 200
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


# --- KaTeX ----------------------------------------------------------------


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

    def render(self, formulas: list[tuple[str, bool]], location: Any = None) -> None:
        """Render the formulas not rendered yet (one node process for all)."""
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
            self.cache_file.parent.mkdir(parents=True, exist_ok=True)
            data = {"version": self.version, "html": self.rendered}
            self.cache_file.write_text(json.dumps(data, sort_keys=True))
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


def _katex(app: Sphinx) -> Katex:
    if not hasattr(app, "course_katex"):
        app.course_katex = Katex(app)
    return app.course_katex


def render_page_maths(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """Render every formula of a page in one go, before the page is written."""
    if app.builder.format != "html":
        return
    formulas = [(n.astext(), False) for n in doctree.findall(nodes.math)]
    formulas += [(display_tex(n), True) for n in doctree.findall(nodes.math_block)]
    if formulas:
        _katex(app).render(formulas, location=docname)


def visit_math(self: Any, node: nodes.math) -> None:
    katex = _katex(self.builder.app)
    self.body.append(self.starttag(node, "span", "", CLASS=MATH_CLASSES))
    self.body.append(katex.html(node.astext(), False, node) + "</span>")
    raise nodes.SkipNode


def visit_displaymath(self: Any, node: nodes.math_block) -> None:
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
    shutil.rmtree(target, ignore_errors=True)
    (target / "fonts").mkdir(parents=True)
    css = (package / "dist" / "katex.min.css").read_text()
    # Every browser that runs the site reads woff2: drop the woff and ttf copies.
    css = re.sub(r',url\(fonts/[\w-]+\.woff\) format\("woff"\)', "", css)
    css = re.sub(r',url\(fonts/[\w-]+\.ttf\) format\("truetype"\)', "", css)
    (target / "katex.min.css").write_text(css)
    for font in (package / "dist" / "fonts").glob("*.woff2"):
        shutil.copy2(font, target / "fonts" / font.name)
    license_file = package / "LICENSE"
    if license_file.is_file():
        shutil.copy2(license_file, target / "LICENSE")
    if str(staged) not in app.config.html_static_path:
        app.config.html_static_path.append(str(staged))


# --- Page head: description, scripts and styles ----------------------------

# TeX commands as the characters they print (the rest are dropped).
TEX_WORDS = {
    "le": "≤", "leq": "≤", "ge": "≥", "geq": "≥", "neq": "≠", "ne": "≠", "cdot": "·",
    "times": "\N{MULTIPLICATION SIGN}", "to": "→", "infty": "∞", "in": "∈",
    "approx": "≈", "pm": "±", "ldots": "…", "dots": "…", "cdots": "…",
    "alpha": "\N{GREEK SMALL LETTER ALPHA}", "beta": "β",
    "gamma": "\N{GREEK SMALL LETTER GAMMA}", "delta": "δ", "epsilon": "ε", "eta": "η",
    "theta": "θ", "lambda": "λ", "mu": "μ", "sigma": "\N{GREEK SMALL LETTER SIGMA}",
    "partial": "∂", "nabla": "∇", "sum": "Σ", "prime": "\N{PRIME}",
}  # fmt: skip
TEX_FONTS = re.compile(r"\\(?:mathrm|operatorname|text|math[a-z]+)\s*\{([^{}]*)\}")


def tex_to_text(tex: str) -> str:
    """A formula as plain text for a description: relu'(0) = 1/2, z ≤ 0."""
    text = TEX_FONTS.sub(r"\1", tex)
    text = re.sub(r"\\[td]?frac\s*(\{[^{}]*\}|\w)\s*(\{[^{}]*\}|\w)", r"\1/\2", text)
    text = re.sub(r"\\([a-zA-Z]+)", lambda m: TEX_WORDS.get(m.group(1), ""), text)
    text = re.sub(r"\\.", " ", text).replace("{", "").replace("}", "")
    return re.sub(r"\s+", " ", text).strip()


def _text(node: nodes.Node) -> str:
    if isinstance(node, nodes.math):
        return tex_to_text(node.astext())
    if isinstance(node, nodes.Text):
        return str(node)
    if isinstance(node, nodes.footnote_reference | nodes.citation_reference):
        return ""
    return "".join(_text(child) for child in node.children)


def description(doctree: nodes.document | None) -> str:
    """The page's first paragraph as plain text, cut at a word near 200 chars."""
    if doctree is None:
        return ""
    for paragraph in doctree.findall(nodes.paragraph):
        if "reading-time" in paragraph["classes"]:  # coursegen.sphinx.reading_time
            continue
        text = re.sub(r"\s+", " ", _text(paragraph)).strip()
        if len(text.split()) < 5:  # a label, a one-word line: not a summary
            continue
        if len(text) > DESCRIPTION_LENGTH:
            text = text[:DESCRIPTION_LENGTH].rsplit(" ", 1)[0].rstrip(",;:") + " …"
        return text
    return ""


# A display formula wider than the screen scrolls sideways: it takes the
# keyboard focus then (and only then), so it can be scrolled without a mouse.
FOCUS_WIDE_MATHS = """addEventListener("DOMContentLoaded", () => {
  const all = () => document.querySelectorAll("div.math .katex-display");
  const fit = () => all().forEach((el) => {
    if (el.scrollWidth > el.clientWidth + 1) el.tabIndex = 0;
    else el.removeAttribute("tabindex");
  });
  fit();
  addEventListener("resize", fit);
});"""

# Scripts and styles of extensions this book loads but does not use.
UNUSED_ASSETS = ("sphinx-thebe", "design-tabs", "sphinx-design")
KEEP_BLOCKING = ("documentation_options.js",)  # inline scripts after it use it


def _unused(asset: Any) -> bool:
    name = Path(os.fspath(getattr(asset, "filename", "") or "")).name
    body = getattr(asset, "attributes", {}).get("body", "")
    return name.startswith(UNUSED_ASSETS) or "THEBE_JS_URL" in body


def _site_description(app: Sphinx) -> str:
    if not hasattr(app, "course_site_description"):
        root = app.config.root_doc
        doctree = app.env.get_doctree(root) if root in app.env.all_docs else None
        app.course_site_description = description(doctree) or app.config.project
    return app.course_site_description


def page_head(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: Any
) -> None:
    """The description meta tag; KaTeX's CSS; no unused assets; deferred scripts."""
    text = html.escape(description(doctree) or _site_description(app), quote=True)
    context["metatags"] = context.get("metatags", "") + (
        f'\n<meta name="description" content="{text}" />'
    )
    page = context.get("body", "") + context.get("toc", "") + context.get("title", "")
    if 'class="katex' in page:  # added to this page only (html-page-context)
        app.add_css_file("katex/katex.min.css", priority=900)
    if 'class="katex-display' in page:
        app.add_js_file(None, body=FOCUS_WIDE_MATHS, priority=900)
    scripts = []
    for script in context.get("script_files", []):
        if _unused(script):
            continue
        name = os.fspath(script.filename or "")
        # The search page's own inline scripts need doctools.js loaded at once.
        blocking = name.endswith(KEEP_BLOCKING) or pagename == "search"
        if name and not blocking and "async" not in script.attributes:
            attributes = {**script.attributes, "defer": "defer"}
            script = type(script)(name, priority=script.priority, **attributes)
        scripts.append(script)
    context["script_files"] = scripts
    context["css_files"] = [c for c in context.get("css_files", []) if not _unused(c)]


def drop_thebe_config(app: Sphinx, doctree: nodes.document, docname: str) -> None:
    """sphinx-thebe's configuration scripts: no page here runs live code."""
    for raw in list(doctree.findall(nodes.raw)):
        text = raw.astext()
        if "x-thebe-config" in text or text.startswith("<script>kernelName"):
            raw.parent.remove(raw)


# --- Images -----------------------------------------------------------------


def visit_image(self: Any, node: nodes.image) -> None:
    """The image with its pixel size, loaded lazily and decoded off the main thread."""
    size = None
    if not any(key in node for key in ("width", "height", "scale")):
        uri = node["uri"]
        if "://" not in uri and not uri.startswith("data:"):
            size = get_image_size(os.path.join(self.builder.srcdir, uri))
    node.setdefault("loading", "lazy")
    start = len(self.body)
    type(self).visit_image(self, node)
    if size is None:
        return
    for index in range(len(self.body) - 1, start - 1, -1):
        if self.body[index].startswith("<img "):
            extra = f'<img width="{size[0]}" height="{size[1]}" decoding="async" '
            self.body[index] = extra + self.body[index][len("<img ") :]
            break


def depart_image(self: Any, node: nodes.image) -> None:
    type(self).depart_image(self, node)


def visit_citation(self: Any, node: nodes.citation) -> None:
    """A reference in the list of references, as a list item.

    docutils gives it role="doc-biblioentry", deprecated in DPUB-ARIA 1.1 and
    not allowed on a div (axe: aria-deprecated-role, aria-allowed-role); its
    parent already has role="list".
    """
    start = len(self.body)
    type(self).visit_citation(self, node)
    for index in range(start, len(self.body)):
        self.body[index] = self.body[index].replace(
            'role="doc-biblioentry"', 'role="listitem"'
        )


def depart_citation(self: Any, node: nodes.citation) -> None:
    type(self).depart_citation(self, node)


def webp_images(app: Sphinx, doctree: nodes.document) -> None:
    """Each PNG of a page (the lessons' figures) as lossless WebP.

    The same pixels in well under half the bytes (matplotlib's PNGs are barely
    compressed). Runs before Sphinx collects the page's images, so the WebP is
    the file copied into _images and linked. Downloaded notebooks keep PNGs.
    """
    if app.builder.format != "html":
        return
    from PIL import Image

    for node in doctree.findall(nodes.image):
        uri = node["uri"]
        if "://" in uri or not uri.lower().endswith(".png"):
            continue
        _, path = app.env.relfn2path(uri, app.env.docname)
        png = Path(path)
        if not png.is_file():
            continue
        webp = png.with_suffix(".webp")
        if not webp.is_file() or webp.stat().st_mtime < png.stat().st_mtime:
            with Image.open(png) as image:
                image.save(webp, "WEBP", lossless=True, quality=100, method=4)
        node["uri"] = uri[: -len(".png")] + ".webp"


# --- Icons: the Font Awesome glyphs the site uses ----------------------------

RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
CONTENT = re.compile(r'content:\s*"((?:\\[0-9a-fA-F]{1,6}\s?|[^"\\])+)"')
ICON_VAR = re.compile(r'--pst-icon-[\w-]+:\s*"([^"]+)"')
GLYPH_SELECTOR = re.compile(r"^\.(fa-[\w-]+)::?before$")
GLYPH_RULE = re.compile(r'(?:\.fa-[\w-]+::?before,?)+\{content:"[^"]*"\}')
FA_FACE = re.compile(r"@font-face\{[^{}]*Font Awesome[^{}]*\}")
FA_CLASS = re.compile(r"\bfa-[a-z0-9-]+\b")
THEME_CSS = Path("styles") / "pydata-sphinx-theme.css"
TRIMMED_CSS = "styles/course-theme.css"  # linked by site_templates/layout.html


CSS_ESCAPE = re.compile(r"\\([0-9a-fA-F]{1,6})\s?")


def _chars(value: str) -> set[int]:
    """The private-use codepoints (icons) of a CSS string: "\\f0c9" or the character."""
    value = CSS_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), value)
    return {ord(c) for c in value if 0xE000 <= ord(c) <= 0xF8FF or ord(c) > 0xFFFF}


def icon_codepoints(css_texts: list[str], classes: set[str]) -> set[int]:
    """Private-use codepoints the pages can show: theme icons and fa-* classes used."""
    glyphs: dict[str, set[int]] = {}
    needed: set[int] = set()
    for css in css_texts:
        for value in ICON_VAR.findall(css):
            needed |= _chars(value)
        for selectors, body in RULE.findall(css):
            content = CONTENT.search(body)
            if not content:
                continue
            names = [GLYPH_SELECTOR.match(s.strip()) for s in selectors.split(",")]
            chars = _chars(content.group(1))
            if all(names):  # .fa-bars:before,.fa-navicon:before{content:"\f0c9"}
                for name in names:
                    glyphs.setdefault(name.group(1), set()).update(chars)
            else:  # an icon the theme's CSS draws itself (admonitions, links)
                needed |= chars
    for name in classes:
        needed |= glyphs.get(name, set())
    return needed


def trim_theme_css(css: str, classes: set[str]) -> str:
    """The theme's CSS without the 1,900 glyph rules of icons no page uses."""

    def keep(match: re.Match) -> str:
        used = set(re.findall(r"\.(fa-[\w-]+)::?before", match.group(0))) & classes
        return match.group(0) if used else ""

    return FA_FACE.sub("", GLYPH_RULE.sub(keep, css))


def write_icons(app: Sphinx, exception: Exception | None) -> None:
    """Icons from the fa-* classes the site uses: trimmed theme CSS, cut-down fonts."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    static = out / "_static"
    skip = ("fontawesome.js", "katex", ICON_FOLDER, "course-theme.css")
    files = [
        path
        for path in [*out.rglob("*.html"), *static.rglob("*.js")]
        if not any(part.startswith(skip) for part in path.relative_to(out).parts)
    ]
    classes: set[str] = set()
    for path in files:  # pages, and scripts that add icons (the theme's)
        classes.update(FA_CLASS.findall(path.read_text(errors="replace")))
    css = [p.read_text(errors="replace") for p in static.rglob("*.css")]
    codepoints = icon_codepoints(css, classes)
    theme = static / THEME_CSS
    (static / TRIMMED_CSS).write_text(trim_theme_css(theme.read_text(), classes))
    folder = static / ICON_FOLDER
    folder.mkdir(exist_ok=True)
    # The same icons as last build: the fonts there are right (and fontTools,
    # a fifth of a warm build, is not even imported).
    stamp = Path(app.doctreedir) / "course-icons.txt"
    key = " ".join(f"{c:x}" for c in sorted(codepoints))
    fonts = [folder / f"{name}.woff" for name in FA_FONTS]
    if all(f.is_file() for f in fonts) and stamp.is_file() and stamp.read_text() == key:
        return
    from fontTools import subset  # matplotlib's dependency, pinned in requirements.lock

    for name in FA_FONTS:
        source = next(static.rglob(f"vendor/fontawesome/webfonts/{name}.ttf"), None)
        if source is None:
            raise ExtensionError(f"the theme's Font Awesome font {name}.ttf is missing")
        options = subset.Options()
        options.flavor = "woff"  # zlib; woff2 would need brotli
        options.name_IDs = ["*"]  # keep the copyright and licence (SIL OFL 1.1)
        options.notdef_outline = True
        options.layout_features = []
        font = subset.load_font(str(source), options)
        subsetter = subset.Subsetter(options)
        subsetter.populate(unicodes=sorted(codepoints))
        subsetter.subset(font)
        subset.save_font(font, str(folder / f"{name}.woff"), options)
    stamp.write_text(key)


def finish(app: Sphinx, exception: Exception | None) -> None:
    if hasattr(app, "course_katex"):
        app.course_katex.save()
    write_icons(app, exception)


# --- Setup ------------------------------------------------------------------


def _configure(app: Sphinx, config: Any) -> None:
    config.html_static_path = [*config.html_static_path, str(STATIC)]
    config.templates_path = [str(TEMPLATES), *config.templates_path]
    ours = ("course-site.css", {"priority": 900})
    config.html_css_files = [*config.html_css_files, ours]
    if not config.html_math_renderer:
        config.html_math_renderer = "katex"
    if not config.html_favicon:  # or every browser asks for /favicon.ico, a 404
        config.html_favicon = str(STATIC / "favicon.svg")
    # The theme's default, "", logs "Got invalid theme mode" in the console.
    # course_assets_version: cache-busting for the CSS the layout links itself.
    config.html_context = {
        "default_mode": "auto",
        "course_assets_version": assets_version(app),
        **config.html_context,
    }


def assets_version(app: Sphinx) -> str:
    """A token that changes with Sphinx, the theme, KaTeX or this extension.

    It is part of the configuration, so a new one also rewrites every page
    (a new KaTeX renders the maths again).
    """
    import pydata_sphinx_theme
    import sphinx

    try:
        package = json.loads((katex_package(app) / "package.json").read_text())
    except ExtensionError:  # reported when the build needs KaTeX
        package = {}
    versions = (
        f"{sphinx.__version__} {pydata_sphinx_theme.__version__} "
        f"{package.get('version')}"
    )
    digest = hashlib.sha256(versions.encode() + Path(__file__).read_bytes())
    return digest.hexdigest()[:12]


def setup(app: Sphinx) -> dict[str, Any]:
    # Where the katex npm package is; "" looks in tools/site/node_modules.
    app.add_config_value("course_katex_path", "", "env", [str])
    app.add_html_math_renderer("katex", (visit_math, None), (visit_displaymath, None))
    app.add_node(nodes.image, override=True, html=(visit_image, depart_image))
    app.add_node(nodes.citation, override=True, html=(visit_citation, depart_citation))
    app.connect("config-inited", _configure, priority=900)
    app.connect("builder-inited", stage_katex)
    app.connect("doctree-read", webp_images, priority=400)  # before ImageCollector
    app.connect("doctree-resolved", render_page_maths)
    app.connect("doctree-resolved", drop_thebe_config, priority=900)  # after thebe
    app.connect("html-page-context", page_head, priority=900)
    app.connect("build-finished", finish)
    return {"parallel_read_safe": True, "parallel_write_safe": False, "version": "1"}
