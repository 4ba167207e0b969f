"""`make pdf`: each lesson and the book as PDF, per edition, read back with pypdf.

A small course (tests/small_course.py) of two lessons, one with maths, a
figure with its caption, an animation and an exercise with its solution, is
built as the student and the teacher edition, then printed by coursegen.pdf.
The PDFs' text must hold the lesson's title, a sentence, the caption, page
numbers and the animation's link, and no navigation; they hold as many images
as the page has; the student's has no solution, the teacher's has it; the
book joins every page with a bookmark each. About 40 s.
"""

from __future__ import annotations

import re
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from pypdf import PdfReader

from coursegen import editions, execute, pdf
from coursegen.course import toc_lessons
from tests import small_course  # the root is on sys.path (python -m pytest)

ALPHA = """\
(lesson-alpha)=
# Lesson alpha

KNOWN-SENTENCE: the ramp is flat, then it rises.

$$
\\mathrm{relu}(z) = \\max(0, z)
$$

```{code-cell} ipython3
import matplotlib.pyplot as plt
from matplotlib.animation import FuncAnimation

import relu_course as rc
```

```{code-cell} ipython3
---
mystnb:
  figure:
    caption: CAPTION-ALPHA, the ramp.
    name: fig-alpha-ramp
  image:
    alt: A ramp, flat then rising.
---
fig, ax = plt.subplots(figsize=(3, 2))
ax.plot([-1, 0, 1], [0, 0, 1])
plt.show()
```

```{code-cell} ipython3
fig, ax = plt.subplots(figsize=(3, 2))
(line,) = ax.plot([0, 1], [0, 0])
animation = FuncAnimation(fig, lambda i: [line.set_ydata([0, i])], frames=3)
rc.embed(animation, dpi=40, alt="A line that tilts up, frame by frame.")
```

## Exercises

:::{exercise}
:label: ex-alpha-double

Double two.
:::

:::{solution-start} ex-alpha-double
:class: dropdown
:::

SOLUTION-TEXT: four.

```{code-cell} ipython3
assert 2 * 2 == 4
```

:::{solution-end}
:::
"""
BETA = "(lesson-beta)=\n# Lesson beta\n\nThe other lesson.\n"


@pytest.fixture(scope="module")
def printed(tmp_path_factory) -> dict[str, Path]:
    """The student and teacher editions of the small course, printed."""
    lessons = {"alpha": ALPHA, "beta": BETA}
    root = small_course.write(tmp_path_factory.mktemp("course"), lessons)
    cache = execute.Cache(root / "_build" / ".jupyter_cache")
    assert execute.run(toc_lessons(root), cache, jobs=2) == 0
    with ThreadPoolExecutor(max_workers=2) as pool:
        built = list(pool.map(lambda e: editions.build_edition(e, root), EDITIONS))
    assert built == [editions.site_folder(e, root) for e in EDITIONS]
    for edition in EDITIONS:
        written = pdf.print_edition(edition, root)
        folder = root / "_build" / "pdf" / edition
        assert written == [folder / f"{n}.pdf" for n in ("alpha", "beta", "book")]
    return {"root": root}


EDITIONS = ("student", "teacher")


def _text(path: Path) -> str:
    """The PDF's text, its ligatures (fl, fi) as letters."""
    text = "\n".join(page.extract_text() for page in PdfReader(path).pages)
    return unicodedata.normalize("NFKC", text)


def _pdf(printed, edition: str, name: str) -> Path:
    return printed["root"] / "_build" / "pdf" / edition / f"{name}.pdf"


@pytest.mark.parametrize("edition", EDITIONS)
def test_a_lessons_text_caption_maths_and_page_numbers_are_in_its_pdf(printed, edition):
    text = _text(_pdf(printed, edition, "alpha"))
    assert "Lesson alpha" in text
    assert "KNOWN-SENTENCE: the ramp is flat, then it rises." in text
    assert "CAPTION-ALPHA, the ramp." in text
    assert "max" in text  # the maths, as KaTeX typeset it
    pages = len(PdfReader(_pdf(printed, edition, "alpha")).pages)
    assert re.findall(r"page (\d+) of (\d+)", text) == [
        (str(n), str(pages)) for n in range(1, pages + 1)
    ]


def test_every_figure_of_the_page_is_in_the_pdf(printed):
    site = editions.site_folder("teacher", printed["root"])
    page = (site / "lessons" / "alpha.html").read_text()
    article = page[page.index("<article") : page.index("</article>")]
    figures = article.count("<img ")
    assert figures == 2  # the figure and the animation's frames
    reader = PdfReader(_pdf(printed, "teacher", "alpha"))
    assert sum(len(p.images) for p in reader.pages) == figures


def test_an_animation_is_printed_with_a_link_to_its_page(printed):
    path = _pdf(printed, "teacher", "alpha")
    assert "play it on the lesson's page" in _text(path)
    links = [
        annotation.get_object()["/A"]["/URI"]
        for page in PdfReader(path).pages
        for annotation in page.get("/Annots", [])
        if "/A" in annotation.get_object()
    ]
    assert any(link.endswith("/teacher/html/lessons/alpha.html") for link in links)


def test_the_student_pdf_has_no_solution_and_the_teacher_pdf_has_it(printed):
    assert "SOLUTION-TEXT" not in _text(_pdf(printed, "student", "book"))
    assert "SOLUTION-TEXT: four." in _text(_pdf(printed, "teacher", "alpha"))


def test_no_site_navigation_is_printed(printed):
    text = _text(_pdf(printed, "teacher", "alpha"))
    assert "Lesson beta" not in text  # the sidebar lists it
    assert "A small course" not in text  # the intro's title, in the sidebar too
    assert "Previous" not in text
    assert "Next" not in text


def test_the_book_joins_every_page_with_a_bookmark_each(printed):
    book = PdfReader(_pdf(printed, "teacher", "book"))
    titles = [item.title for item in book.outline if not isinstance(item, list)]
    assert titles == [
        "A small course",
        "1. Lesson alpha",
        "2. Lesson beta",
        "References",
    ]
    parts = [_pdf(printed, "teacher", name) for name in ("alpha", "beta")] + [
        printed["root"] / "_build" / "pdf" / "teacher" / "pages" / "intro.pdf"
    ]
    assert len(book.pages) >= sum(len(PdfReader(p).pages) for p in parts)


def test_the_books_pages_are_numbered_through_with_each_pages_title(printed):
    path = _pdf(printed, "teacher", "book")
    pages = PdfReader(path).pages
    feet = [
        re.findall(
            r"(\S.*?)\s*page (\d+) of (\d+)",
            unicodedata.normalize("NFKC", p.extract_text()),
        )
        for p in pages
    ]
    assert [foot[-1][1:] for foot in feet] == [
        (str(n), str(len(pages))) for n in range(1, len(pages) + 1)
    ]
    titles = [foot[-1][0] for foot in feet]
    assert titles[0] == "A small course"
    assert "1. Lesson alpha" in titles  # as the page's heading numbers it
    assert titles.index("2. Lesson beta") > titles.index("1. Lesson alpha")


def test_an_unbuilt_edition_or_an_unknown_lesson_is_refused(printed, tmp_path):
    with pytest.raises(pdf.PdfError, match="run `make book EDITION=student`"):
        pdf.print_edition("student", tmp_path)
    with pytest.raises(pdf.PdfError, match=r"unknown lesson\(s\) \['gamma'\]"):
        pdf.print_edition("teacher", printed["root"], ["gamma"])
