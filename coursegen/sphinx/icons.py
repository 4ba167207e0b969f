"""The Font Awesome glyphs the site uses, as a cut-down font and a trimmed theme CSS.

Part of the site extension (coursegen.sphinx.site says why and wires it up).
"""

from __future__ import annotations

import logging as std_logging
import re
from pathlib import Path

from sphinx.application import Sphinx
from sphinx.errors import ExtensionError
from sphinx.util import logging

from coursegen.sphinx import unused_css

logger = logging.getLogger(__name__)

ICON_FOLDER = "course-icons"
# The Font Awesome fonts the theme ships, and the name of their cut-down copy.
FA_FONTS = ("fa-solid-900", "fa-regular-400", "fa-brands-400")


RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
CONTENT = re.compile(r'content:\s*"((?:\\[0-9a-fA-F]{1,6}\s?|[^"\\])+)"')
ICON_VAR = re.compile(r'--pst-icon-[\w-]+:\s*"([^"]+)"')
GLYPH_SELECTOR = re.compile(r"^\.(fa-[\w-]+)::?before$")
GLYPH_RULE = re.compile(r'(?:\.fa-[\w-]+::?before,?)+\{content:"[^"]*"\}')
FA_FACE = re.compile(r"@font-face\{[^{}]*Font Awesome[^{}]*\}")
FA_CLASS = re.compile(r"\bfa-[a-z0-9-]+\b")
INLINE_SCRIPT = re.compile(r"<script(?:\s[^>]*)?>(.*?)</script>", re.S)
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
            matches = [GLYPH_SELECTOR.match(s.strip()) for s in selectors.split(",")]
            names = [match.group(1) for match in matches if match]
            chars = _chars(content.group(1))
            # All glyphs: .fa-bars:before,.fa-navicon:before{content:"\f0c9"}
            if len(names) == len(matches):
                for name in names:
                    glyphs.setdefault(name, set()).update(chars)
            else:  # an icon the theme's CSS draws itself (admonitions, links)
                needed |= chars
    for icon in classes:
        needed |= glyphs.get(icon, set())
    return needed


def trim_theme_css(css: str, classes: set[str]) -> str:
    """The theme's CSS without the 1,900 glyph rules of icons no page uses."""

    def keep(match: re.Match[str]) -> str:
        used = set(re.findall(r"\.(fa-[\w-]+)::?before", match.group(0))) & classes
        return match.group(0) if used else ""

    return FA_FACE.sub("", GLYPH_RULE.sub(keep, css))


def write_icons(app: Sphinx, exception: Exception | None) -> None:
    """Icons from the fa-* classes the site uses: trimmed theme CSS, cut-down fonts."""
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    static = out / "_static"
    # Not loaded by any page: Font Awesome's script, the search index (data).
    skip = (
        "fontawesome.js",
        "searchindex.js",
        "katex",
        ICON_FOLDER,
        "course-theme.css",
    )
    files = [
        path
        for path in [*out.rglob("*.html"), *static.rglob("*.js")]
        if not any(part.startswith(skip) for part in path.relative_to(out).parts)
    ]
    texts = {path: path.read_text(errors="replace") for path in files}
    classes: set[str] = set()
    for text in texts.values():  # pages, and scripts that add icons (the theme's)
        classes.update(FA_CLASS.findall(text))
    css = [p.read_text(errors="replace") for p in static.rglob("*.css")]
    codepoints = icon_codepoints(css, classes)
    theme = trim_theme_css((static / THEME_CSS).read_text(), classes)
    pages = [text for path, text in texts.items() if path.suffix == ".html"]
    scripts = [text for path, text in texts.items() if path.suffix == ".js"]
    scripts += [s for page in pages for s in INLINE_SCRIPT.findall(page)]
    used = unused_css.site_names(pages, scripts)
    (static / TRIMMED_CSS).write_text(unused_css.drop_unused_rules(theme, used))
    folder = static / ICON_FOLDER
    folder.mkdir(exist_ok=True)
    # The same icons as last build: the fonts there are right (and fontTools,
    # a fifth of a warm build, is not even imported).
    stamp = Path(app.doctreedir) / "course-icons.txt"
    key = " ".join(f"{c:x}" for c in sorted(codepoints))
    fonts = [folder / f"{name}.woff" for name in FA_FONTS]
    if all(f.is_file() for f in fonts) and stamp.is_file() and stamp.read_text() == key:
        return
    _cut_down_fonts(static, folder, codepoints)
    stamp.write_text(key)


def _cut_down_fonts(static: Path, folder: Path, codepoints: set[int]) -> None:
    """The theme's Font Awesome fonts with only codepoints, as woff in folder."""
    from fontTools import subset  # matplotlib's dependency, pinned in requirements.lock

    # Its progress is logged at INFO, which the build printed: a11y_pygments (the
    # theme's) sets the root logger to INFO when it is imported.
    std_logging.getLogger(subset.__name__).setLevel(std_logging.WARNING)

    for name in FA_FONTS:
        source = next(static.rglob(f"vendor/fontawesome/webfonts/{name}.ttf"), None)
        if source is None:
            raise ExtensionError(f"the theme's Font Awesome font {name}.ttf is missing")
        options = subset.Options()
        options.flavor = "woff"  # zlib; woff2 would need brotli
        options.name_IDs = ["*"]  # keep the copyright and licence (SIL OFL 1.1)
        options.notdef_outline = True
        options.layout_features = []
        with subset.load_font(str(source), options) as font:  # closes the file
            subsetter = subset.Subsetter(options)
            subsetter.populate(unicodes=sorted(codepoints))
            subsetter.subset(font)
            subset.save_font(font, str(folder / f"{name}.woff"), options)
