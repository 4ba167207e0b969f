"""Print the built site to PDF: one file per lesson and one for the whole book.

    python -m coursegen pdf [--edition student|teacher] [LESSON ...]   # make pdf

Chromium (coursegen.browser finds it) prints each page of a built edition
(`make book` first) as its print stylesheet lays it out (`@media print` in
coursegen/sphinx/site_static/course-site.css, which a browser's own print uses
too): no site navigation, maths as KaTeX rendered it, every figure, an
animation's first frame with a link to its page. pypdf joins every page of
`_toc.yml` into the book, with a bookmark per page, and lays a foot on every
page: the title of its page and its number, through the whole book.
Offline: nothing but the built files is read.
Output: `_build/pdf/<edition>/NAME.pdf` and `book.pdf`.
"""

from __future__ import annotations

import argparse
import html
import sys
import tempfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from coursegen import editions
from coursegen.browser import NoChromium, find_chromium
from coursegen.course import EDITIONS, ROOT, toc_lessons, toc_pages
from coursegen.serve import CHROMIUM_FLAGS

if TYPE_CHECKING:
    from playwright._impl._api_structures import PdfMargins
    from playwright.sync_api import Browser

MARGIN: PdfMargins = {"top": "16mm", "bottom": "18mm", "left": "14mm", "right": "14mm"}
# The foot of every page: the title of its page of the site, and its number in
# the PDF (in the book, counted through the whole book). Printed by Chromium as
# pages that are blank but for their foot, laid over the printed pages by pypdf,
# because Chromium's own footer numbers each printed page from 1 again.
FOOTERS = """<!doctype html><meta charset="utf-8"><style>
@page {{ size: A4; margin: 0 }}
body {{ margin: 0 }}
.page {{ height: 296mm; position: relative; overflow: hidden }}
.page:not(:last-child) {{ break-after: page }}
.foot {{ position: absolute; left: 14mm; right: 14mm; bottom: 7mm;
  font: 8px sans-serif; color: #555; display: flex; justify-content: space-between }}
</style>{pages}"""
FOOT = (
    '<div class="page"><div class="foot"><span>{title}</span>'
    "<span>page {number} of {total}</span></div></div>"
)
# Before printing: every image loaded (lazy ones too), the fonts of the maths
# ready, and after each animation a link to the page where it plays.
PREPARE = """async () => {
  const images = [...document.querySelectorAll("img")];
  images.forEach((img) => { img.loading = "eager"; });
  await Promise.all(images.map((img) => img.decode().catch(() => null)));
  await document.fonts.ready;
  const link = document.querySelector('link[rel="canonical"]');
  const url = link ? link.href : location.href;
  for (const player of document.querySelectorAll(".course-animation")) {
    const note = document.createElement("p");
    note.className = "course-print-link";
    note.append("An animation of " + player.dataset.frames +
      " frames: its first frame is shown; play it on the lesson's page, ");
    const a = document.createElement("a");
    a.href = a.textContent = url;
    note.append(a, ".");
    player.after(note);
  }
  const heading = document.querySelector(".bd-article h1");
  return heading ? heading.textContent.replace(/[#¶]/g, "").trim() : document.title;
}"""


class PdfError(ValueError):
    """A site that is not built, or a lesson it does not have."""


@dataclass(frozen=True)
class Printed:
    """One page printed: its PDF (without numbers) and its title (its bookmark)."""

    path: Path
    title: str


def page_of(source: Path, root: Path) -> Path:
    """The built page of a source file: lessons/x.md -> lessons/x.html."""
    return source.relative_to(root).with_suffix(".html")


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless Chromium of coursegen.browser, closed on exit."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=find_chromium(), args=CHROMIUM_FLAGS
        )
        try:
            yield browser
        finally:
            browser.close()


def print_page(browser: Browser, page_file: Path, out: Path) -> Printed:
    """Print one built page to out, as its print stylesheet lays it out."""
    page = browser.new_page()
    try:
        page.route("http*://**", lambda route: route.abort())  # offline, always
        page.goto(page_file.as_uri(), wait_until="load")
        title = str(page.evaluate(PREPARE))
        page.emulate_media(media="print")
        page.pdf(
            path=out,
            format="A4",
            margin=MARGIN,
            print_background=True,
            outline=True,
            tagged=True,
        )
    finally:
        page.close()
    return Printed(out, title)


def footers(browser: Browser, titles: Sequence[str], out: Path) -> Path:
    """A PDF of blank A4 pages but for their foot: titles[k] and page k + 1 of n."""
    feet = "".join(
        FOOT.format(title=html.escape(title), number=k, total=len(titles))
        for k, title in enumerate(titles, start=1)
    )
    page = browser.new_page()
    try:
        page.set_content(FOOTERS.format(pages=feet))
        page.pdf(path=out, format="A4", margin={"top": "0", "bottom": "0"})
    finally:
        page.close()
    return out


def join(browser: Browser, printed: Sequence[Printed], out: Path) -> Path:
    """The printed pages in one PDF, numbered through; a bookmark per page if many."""
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter()
    titles: list[str] = []
    for one in printed:
        writer.append(
            str(one.path), outline_item=one.title if len(printed) > 1 else None
        )
        titles += [one.title] * (len(writer.pages) - len(titles))
    with tempfile.TemporaryDirectory() as folder:
        feet = PdfReader(footers(browser, titles, Path(folder) / "feet.pdf"))
        if len(feet.pages) != len(writer.pages):
            raise RuntimeError(f"{len(feet.pages)} feet for {len(writer.pages)} pages")
        for page, foot in zip(writer.pages, feet.pages, strict=True):
            page.merge_page(foot)
    writer.page_mode = "/UseOutlines"  # a reader opens the bookmarks beside it
    with out.open("wb") as file:
        writer.write(file)
    return out


def print_edition(
    edition: str, root: Path = ROOT, names: Sequence[str] = ()
) -> list[Path]:
    """Print an edition's lessons (or those named) and, for all, the book."""
    site = editions.site_folder(edition, root)
    if not (site / "index.html").is_file():
        make = "make book" + ("" if edition == "public" else f" EDITION={edition}")
        raise PdfError(f"the {edition} edition is not built in {site}: run `{make}`")
    lessons = {path.stem: path for path in toc_lessons(root)}
    unknown = sorted(set(names) - set(lessons))
    if unknown:
        raise PdfError(f"unknown lesson(s) {unknown}; valid lessons: {sorted(lessons)}")
    out = root / "_build" / "pdf" / edition
    pages = toc_pages(root) if not names else [lessons[name] for name in names]
    (out / "pages").mkdir(parents=True, exist_ok=True)
    written, printed = [], []
    with chromium() as browser, tempfile.TemporaryDirectory() as unnumbered:
        for source in pages:
            is_lesson = source.stem in lessons
            target = out / ("" if is_lesson else "pages") / f"{source.stem}.pdf"
            raw = Path(unnumbered) / f"{source.stem}.pdf"
            one = print_page(browser, site / page_of(source, root), raw)
            printed.append(one)
            join(browser, [one], target)
            written += [target] if is_lesson else []
        if not names:
            written.append(join(browser, printed, out / "book.pdf"))
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--edition", default="public", choices=EDITIONS)
    parser.add_argument(
        "lessons", nargs="*", metavar="LESSON", help="only these (no book then)"
    )
    args = parser.parse_args(argv)
    try:
        written = print_edition(args.edition, names=args.lessons)
    except PdfError as error:
        parser.error(str(error))
    except NoChromium as missing:
        print(missing, file=sys.stderr)
        return 1
    for path in written:
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
