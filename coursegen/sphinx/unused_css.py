"""The theme's CSS without the rules no page of the site can match.

Part of the site extension (coursegen.sphinx.site says why and wires it up).
pydata-sphinx-theme ships all of Bootstrap and every component of its own:
Lighthouse found nine tenths of its 45 KB (compressed) unused on a page, and a
phone on a slow connection waits for all of it before it paints anything. A
rule is dropped only when one of the classes or ids each of its selectors
needs appears in no page and in no word of the site's scripts (which add
classes as the reader opens menus: Bootstrap's "show", the theme's "pst-...");
everything else stays:
rules without a class or id, pseudo-classes, attribute selectors, at-rules
other than the grouping ones (@media, @supports, @layer, @container).

>>> used = SiteNames(names={"note", "title"}, prefixes=set())
>>> drop_unused_rules(".note .title{color:red}.card{margin:0}", used)
'.note .title{color:red}'
>>> drop_unused_rules("@media (min-width:9em){.card,p{margin:0}}", used)
'@media (min-width:9em){p{margin:0}}'
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

__all__ = ["SiteNames", "drop_unused_rules", "selectors_of", "site_names"]

COMMENT = re.compile(r"/\*.*?\*/", re.S)
HTML_CLASS = re.compile(r"""\sclass=(?:"([^"]*)"|'([^']*)')""")
HTML_ID = re.compile(r"""\sid=(?:"([^"]*)"|'([^']*)')""")
NAME = re.compile(r"-?[A-Za-z_][\w-]*")
GROUPING = ("@media", "@supports", "@layer", "@container")
# What a selector's class and id tokens are read from: no strings, no attribute
# selectors (their values may hold dots), no pseudo-classes (their arguments
# may name classes that need not be present: :not(.x)).
SELECTOR_NOISE = re.compile(r"""\[[^\]]*\]|"[^"]*"|'[^']*'|::?[\w-]+(\([^()]*\))?""")
SELECTOR_NAMES = re.compile(r"([.#])(-?[A-Za-z_][\w-]*)")
MIN_PREFIX = 3  # a script's "bs-" + name: classes starting so count as used


@dataclass(frozen=True)
class SiteNames:
    """The class and id names the pages hold or the scripts may add."""

    names: set[str]
    prefixes: set[str]  # string pieces ending in "-", as in `bs-${name}-auto`

    def has(self, name: str) -> bool:
        return name in self.names or any(name.startswith(p) for p in self.prefixes)


def site_names(pages: Iterable[str], scripts: Iterable[str]) -> SiteNames:
    """Every class and id of the pages, and every word of the scripts (a script
    may add any of them as a class)."""
    names: set[str] = set()
    for page in pages:
        for match in HTML_CLASS.finditer(page):
            names.update((match.group(1) or match.group(2) or "").split())
        for match in HTML_ID.finditer(page):
            names.add(match.group(1) or match.group(2) or "")
    pieces: set[str] = set()
    for script in scripts:  # every word: a minified script's strings are not
        pieces.update(NAME.findall(script))  # safely told from its code
    prefixes = {p for p in pieces if p.endswith("-") and len(p) >= MIN_PREFIX}
    return SiteNames(names | pieces, prefixes)


def _may_match(selector: str, used: SiteNames) -> bool:
    """False only if the selector needs a class or id the site never has."""
    if "\\" in selector:  # an escaped name (".md\:flex"): not read, kept
        return True
    bare = SELECTOR_NOISE.sub(" ", selector)
    while SELECTOR_NOISE.search(bare):  # nested: :not(:is(.a))
        bare = SELECTOR_NOISE.sub(" ", bare)
    return all(used.has(name) for _, name in SELECTOR_NAMES.findall(bare))


def _split_selectors(prelude: str) -> list[str]:
    """A rule's selectors: split at the commas outside brackets and parentheses."""
    parts, depth, start = [], 0, 0
    for k, char in enumerate(prelude):
        if char in "([":
            depth += 1
        elif char in ")]":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(prelude[start:k])
            start = k + 1
    return [*parts, prelude[start:]]


def _string_end(css: str, k: int) -> int:
    """The index of the quote that closes the string opening at k."""
    quote, k = css[k], k + 1
    while css[k] != quote:
        k += 2 if css[k] == "\\" else 1
    return k


def _css_blocks(css: str) -> Iterable[tuple[str, str | None]]:
    """Top-level (prelude, body) pairs; a statement (@import ...;) has body None."""
    i, n = 0, len(css)
    while i < n:
        brace, semi = css.find("{", i), css.find(";", i)
        if brace < 0 or (0 <= semi < brace and css[i:semi].lstrip().startswith("@")):
            end = n if brace < 0 and semi < 0 else (semi + 1 if semi >= 0 else n)
            yield css[i:end], None
            i = end
            continue
        depth, k = 1, brace + 1
        while depth and k < n:
            char = css[k]
            if char in "\"'":  # a string may hold braces
                k = _string_end(css, k)
            elif char == "{":
                depth += 1
            elif char == "}":
                depth -= 1
            k += 1
        if depth:
            raise ValueError(f"css: unbalanced braces after {css[i:brace][:80]!r}")
        yield css[i:brace], css[brace + 1 : k - 1]
        i = k


def drop_unused_rules(css: str, used: SiteNames) -> str:
    """`css` without the style rules none of whose selectors the site can match."""
    kept = []
    for prelude, body in _css_blocks(COMMENT.sub("", css)):
        head = prelude.strip()
        if body is None:
            kept.append(prelude)
        elif head.startswith(GROUPING):
            inner = drop_unused_rules(body, used)
            if inner.strip():
                kept.append(f"{prelude}{{{inner}}}")
        elif head.startswith("@"):  # @font-face, @keyframes, @page: kept whole
            kept.append(f"{prelude}{{{body}}}")
        else:
            selectors = [s for s in _split_selectors(prelude) if _may_match(s, used)]
            if selectors:
                kept.append(f"{','.join(selectors)}{{{body}}}")
    return "".join(kept).strip()


def selectors_of(css: str) -> set[str]:
    """Every selector of the style rules of `css`, in @media and the like too.

    >>> sorted(selectors_of("a,.b{x:y}@media print{.c{x:y}}@font-face{x:y}"))
    ['.b', '.c', 'a']
    """
    found: set[str] = set()
    for prelude, body in _css_blocks(COMMENT.sub("", css)):
        head = prelude.strip()
        if body is None or (head.startswith("@") and not head.startswith(GROUPING)):
            continue
        if head.startswith(GROUPING):
            found |= selectors_of(body)
        else:
            found |= {s.strip() for s in _split_selectors(prelude)}
    return found
