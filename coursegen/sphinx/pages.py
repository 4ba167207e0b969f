"""Each page's head: its description, and only the scripts and styles it uses.

Part of the site extension (coursegen.sphinx.site says why and wires it up).
"""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any
from weakref import WeakKeyDictionary

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

from coursegen.sphinx import files

logger = logging.getLogger(__name__)

DESCRIPTION_LENGTH = 200


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


# A block wider (or taller) than its box scrolls: it takes the keyboard focus
# then, and only then, so it can be scrolled without a mouse. The theme's own
# check (pydata-sphinx-theme.js, at load) reads the size of every block of the
# page at once: the whole page laid out in one long task, cells the reader has
# not reached included (course-site.css leaves them unrendered until they near
# the screen). Here every block starts as a tab stop, and each is checked when
# it is laid out (a ResizeObserver reports it then, at no extra cost); every
# block is checked at the first Tab press after a load or a resize, before the
# focus moves, so the keyboard meets exactly the blocks that scroll. Display
# maths lose the attribute when they fit; the theme's blocks get -1.
SCROLLABLE_BLOCKS = (
    "pre, .nboutput > .output_area, .cell_output > .output, "
    ".jp-RenderedHTMLCommon, .pst-scrollable-table-container"
)
TAB_STOPS = """addEventListener("DOMContentLoaded", () => {
  const maths = "div.math .katex-display";
  const blocks = document.querySelectorAll(`${maths}, BLOCKS`);
  const fit = (el) => {
    const wide = el.scrollWidth > el.clientWidth + 1;
    if (el.matches(maths)) {
      if (wide) el.tabIndex = 0;
      else el.removeAttribute("tabindex");
    } else {
      el.tabIndex = wide || el.scrollHeight > el.clientHeight + 1 ? 0 : -1;
    }
  };
  const seen = new ResizeObserver((entries) => entries.forEach((e) => fit(e.target)));
  blocks.forEach((el) => {
    el.tabIndex = 0;
    seen.observe(el);
  });
  let checked = false;
  addEventListener("resize", () => { checked = false; });
  addEventListener("keydown", (event) => {
    if (event.key === "Tab" && !checked) {
      checked = true;
      blocks.forEach(fit);
    }
  }, true);
});""".replace("BLOCKS", SCROLLABLE_BLOCKS)
HAS_BLOCKS = re.compile(r'<pre\b|class="katex-display|class="(?:[^"]* )?cell_output\b')

# The theme's script runs its check at load ("complete" === readyState ? f() :
# addEventListener("load", f)); TAB_STOPS does it instead (lazy_theme_tab_stops).
THEME_SCRIPT = Path("_static/scripts/pydata-sphinx-theme.js")
THEME_CHECK_CALL = re.compile(
    r'"complete"===document\.readyState\?(\w+)\(\):'
    r'window\.addEventListener\("load",\1\)'
)
# In its place: 0, the call kept in a comment to be put back (keep_theme_script).
THEME_CHECK_TAKEN = (
    "0/* coursegen: blocks are checked as laid out (TAB_STOPS), not by {} */"
)
TAKEN_CALL = re.compile(re.escape(THEME_CHECK_TAKEN).replace(re.escape("{}"), "(.*?)"))

# Scripts and styles of extensions this book loads but does not use.
UNUSED_ASSETS = ("sphinx-thebe", "design-tabs", "sphinx-design")
KEEP_BLOCKING = ("documentation_options.js",)  # inline scripts after it use it


def _unused(asset: Any) -> bool:
    name = Path(os.fspath(getattr(asset, "filename", "") or "")).name
    body = getattr(asset, "attributes", {}).get("body", "")
    return name.startswith(UNUSED_ASSETS) or "THEBE_JS_URL" in body


# The description of pages without a paragraph of their own, once per build.
_SITE_DESCRIPTIONS: WeakKeyDictionary[Sphinx, str] = WeakKeyDictionary()


def _site_description(app: Sphinx) -> str:
    if app not in _SITE_DESCRIPTIONS:
        root = app.config.root_doc
        doctree = app.env.get_doctree(root) if root in app.env.all_docs else None
        _SITE_DESCRIPTIONS[app] = description(doctree) or app.config.project
    return _SITE_DESCRIPTIONS[app]


def page_description(app: Sphinx, doctree: nodes.document | None) -> str:
    """What the page is about, as plain text: its own summary, else the site's."""
    return description(doctree) or _site_description(app)


def page_head(
    app: Sphinx,
    pagename: str,
    templatename: str,
    context: dict[str, Any],
    doctree: nodes.document | None,
) -> None:
    """The description meta tag; KaTeX's CSS; no unused assets; deferred scripts."""
    text = html.escape(page_description(app, doctree), quote=True)
    context["metatags"] = context.get("metatags", "") + (
        f'\n<meta name="description" content="{text}" />'
    )
    page = context.get("body", "") + context.get("toc", "") + context.get("title", "")
    if 'class="katex' in page:  # added to this page only (html-page-context)
        app.add_css_file("katex/katex.min.css", priority=900)
    if HAS_BLOCKS.search(page):
        app.add_js_file(None, body=TAB_STOPS, priority=900)
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


def lazy_theme_tab_stops(app: Sphinx, exception: Exception | None) -> None:
    """The theme's script, copied into the site, without its check at load of
    every block's size (TAB_STOPS does it lazily); a theme whose script differs
    is left as it is, with a warning."""
    path = Path(app.outdir) / THEME_SCRIPT
    if exception is not None or not path.is_file():
        return
    script = path.read_text(encoding="utf-8")
    if TAKEN_CALL.search(script):  # a rebuild that kept the site's copy
        return
    call = THEME_CHECK_CALL.search(script)
    checks = call is not None and re.search(
        rf"function {call.group(1)}\(\)\{{[^}}]*scrollWidth", script
    )
    if call is None or not checks:
        logger.warning(
            "pydata-sphinx-theme.js has no check of scrollable blocks at load "
            "where coursegen.sphinx.pages expects it: pages lay out every block "
            "at load (a newer theme? see TAB_STOPS)"
        )
        return
    taken = script.replace(call.group(0), THEME_CHECK_TAKEN.format(call.group(0)), 1)
    files.write(path, taken.encode())  # in one step: make watch serves the site


def keep_theme_script(app: Sphinx, *_: object) -> None:
    """The site's copy of the theme's script put back as the theme has it."""
    # Before Sphinx copies the theme's files (write-started), so that it finds them
    # equal: it logged that it "will overwrite data". The build's end takes the
    # check out again (lazy_theme_tab_stops).
    path = Path(app.outdir) / THEME_SCRIPT
    if path.is_file():
        script = path.read_text(encoding="utf-8")
        kept = TAKEN_CALL.sub(lambda taken: taken.group(1), script, count=1)
        files.write(path, kept.encode())  # nothing written if nothing was taken
