"""The editions build as promised: public, student, teacher, a class, the site.

A small book of three tiny lessons and one made from `make lesson`'s template,
with the course's own `_config.yml`, extensions and edition tool, is built once
per edition (about 30 s in all);
the HTML and the downloadable notebooks of each are then searched for the
solution and teacher-note texts, the class's lessons are counted, and every
link and launch button is followed to a file that exists.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import unquote, urlsplit

import jupytext
import nbformat
import pytest
import yaml
from jupyter_cache import get_cache

from coursegen import course, expected, new_lesson
from coursegen import editions as edition
from coursegen import execute as execute_lessons
from coursegen.sphinx import downloads, publish
from tests import small_course

ROOT = Path(__file__).resolve().parents[1]
REPOSITORY = "https://github.com/example-org/relu-course"


LESSON = (
    small_course.HEAD
    + """\
(lesson-{name})=
# Lesson {name}

:::{{admonition}} For teachers
:class: teacher-note

TEACHER-NOTE-{name}: ten minutes.
:::

```{{code-cell}} ipython3
# Settings a reader may change
VALUE = 2
```

The next lesson is {{ref}}`lesson-{other}`.

## Exercises

:::{{exercise}}
:label: ex-{name}-double

Double `VALUE`.
:::

:::{{solution-start}} ex-{name}-double
:class: dropdown
:::

SOLUTION-TEXT-{name}: multiply it by two.

```{{code-cell}} ipython3
solution_code_{name} = VALUE * 2
assert solution_code_{name} == 4
```

:::{{solution-end}}
:::

:::{{exercise}}
:label: ex-{name}-think

Why is {{ref}}`ex-{name}-double` easy?
:::
"""
)
NAMES = ("alpha", "beta", "gamma")
TEMPLATE = "from-template"  # a fourth lesson, made by `make lesson`'s template
CLASS = {"title": "Two lessons", "lessons": ["beta", "alpha"], "welcome": "hello.md"}


def _mini_book(root: Path) -> None:
    """Write a three-lesson book that uses the course's config and extensions."""
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    config["repository"]["url"] = REPOSITORY
    (root / "_config.yml").write_text(yaml.safe_dump(config))
    toc = {
        "format": "jb-book",
        "root": "book/intro",
        "parts": [
            {
                "caption": "Lessons",
                "numbered": True,
                "chapters": [
                    {"file": f"lessons/{name}"} for name in (*NAMES, TEMPLATE)
                ],
            },
            {
                "caption": "Reference",
                "chapters": [{"file": "book/glossary"}, {"file": "book/references"}],
            },
        ],
    }
    (root / "_toc.yml").write_text(yaml.safe_dump(toc))
    (root / "book").mkdir()
    for page in ("references.bib", "references.md"):
        shutil.copy(ROOT / "book" / page, root / "book" / page)
    (root / "book" / "intro.md").write_text("# A small course\n\nStart here.\n")
    glossary = "# Glossary\n\n```{glossary}\nReLU\n  max(0, z).\n```\n"
    (root / "book" / "glossary.md").write_text(glossary)
    (root / "hello.md").write_text("# Welcome to the class\n\nHello.\n")
    (root / "lessons").mkdir()
    for name, other in zip(NAMES, NAMES[1:] + NAMES[:1], strict=True):
        text = LESSON.format(name=name, other=other)
        (root / "lessons" / f"{name}.md").write_text(text)
    template = (ROOT / new_lesson.TEMPLATE).read_text()
    text = new_lesson.render(template, TEMPLATE, "Made from the template")
    (root / "lessons" / f"{TEMPLATE}.md").write_text(text)
    (root / "classes").mkdir()
    (root / "classes" / "two.yml").write_text(yaml.safe_dump(CLASS))


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict[str, Path]:
    """Build the public site, then the student, teacher and class editions."""
    root = tmp_path_factory.mktemp("book")
    _mini_book(root)
    # As `make book`: the lessons execute side by side first, then Sphinx renders.
    lessons = course.toc_lessons(root)
    cache = root / "_build" / ".jupyter_cache"
    assert execute_lessons.run(lessons, execute_lessons.Cache(cache), jobs=2) == 0
    # As `make expected`: the same executor writes tests/expected/NAME.ipynb.
    assert execute_lessons.run(lessons, expected.ExpectedOutputs(), jobs=2) == 0
    command = edition.jupyter_book(root)  # as make book builds it
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    # myst-nb found every pre-executed lesson in the cache and executed none.
    assert done.stdout.count("Using cached notebook") == len(lessons) == 4
    assert "Executing notebook" not in done.stdout
    with ThreadPoolExecutor(max_workers=2) as pool:  # the lessons are cached now
        student = pool.submit(edition.build_edition, "student", root)
        teacher = pool.submit(edition.build_edition, "teacher", root)
        class_ = pool.submit(edition.build_class, root / "classes" / "two.yml", root)
        outputs = pool.submit(
            edition.build_from_outputs, root / "tests" / "expected", root
        )
        html = {
            "public": root / "_build" / "html",
            "student": student.result(),
            "teacher": teacher.result(),
            "class": class_.result(),
            "outputs": outputs.result(),
        }
    html["site"] = edition.assemble_site(root)
    html["root"] = root
    return html


def _text_of(folder: Path) -> str:
    """Everything a reader can fetch from a built site, as one string."""
    return "\n".join(
        path.read_text(errors="replace")
        for path in folder.rglob("*")
        if path.is_file() and path.suffix in {".html", ".js", ".md", ".ipynb", ".txt"}
    )


def _hrefs(page: Path) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]+)"', page.read_text())


def test_the_public_site_has_solutions_collapsed_and_no_teacher_notes(built):
    page = (built["public"] / "lessons" / "alpha.html").read_text()
    assert "SOLUTION-TEXT-alpha" in page
    assert re.search(r'class="[^"]*solution[^"]*dropdown', page)
    assert "TEACHER-NOTE" not in _text_of(built["public"])


def test_the_site_with_expected_outputs_is_built_apart_from_the_books_cache(built):
    root = built["root"]
    assert built["outputs"] == edition.site_under_test(root, env={})
    for name in NAMES:
        page = (built["outputs"] / "lessons" / f"{name}.html").read_text()
        assert page == (built["public"] / "lessons" / f"{name}.html").read_text()
    # Its own cache holds the notebooks' outputs; the book's never saw them.
    book = get_cache(str(root / "_build" / ".jupyter_cache"))
    taken = get_cache(str(root / "_build" / "expected" / ".jupyter_cache"))
    assert {r.data.get("outputs_from") for r in taken.list_cache_records()} == {
        str(root / "tests" / "expected")
    }
    assert all("outputs_from" not in r.data for r in book.list_cache_records())


def test_a_lesson_whose_code_left_its_expected_output_is_named(tmp_path):
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "one.md").write_text(LESSON.format(name="one", other="one"))
    toc = {"format": "jb-book", "root": "intro", "chapters": [{"file": "lessons/one"}]}
    (tmp_path / "_toc.yml").write_text(yaml.safe_dump(toc))
    (tmp_path / "expected").mkdir()  # no notebook: as good as stale
    with pytest.raises(edition.EditionError, match='make expected LESSONS="one"'):
        edition.build_from_outputs(tmp_path / "expected", tmp_path)
    with pytest.raises(edition.EditionError, match="a folder of notebooks, got"):
        edition.build_from_outputs(tmp_path / "nowhere", tmp_path)


def test_a_lesson_made_from_the_template_builds_without_warnings(built):
    # The public build ran with -W -n and succeeded (the fixture asserts it).
    page = (built["public"] / "lessons" / f"{TEMPLATE}.html").read_text()
    assert "Made from the template" in page
    assert "Exercise 4.1" in page  # numbered, in the fourth chapter
    assert 'alt="A line lying on the horizontal axis' in page  # its figure


def test_the_student_edition_contains_no_solution_anywhere(built):
    text = _text_of(built["student"])
    assert "Double `VALUE`" in text or "Double <code" in text  # exercises stay
    for hidden in ("SOLUTION-TEXT", "solution_code_", "TEACHER-NOTE"):
        assert hidden not in text, f"{hidden} is in the student edition"
    assert not (built["student"] / "_sources").exists()


def test_the_teacher_edition_shows_solutions_open_and_teacher_notes(built):
    page = (built["teacher"] / "lessons" / "alpha.html").read_text()
    assert "SOLUTION-TEXT-alpha" in page
    assert "TEACHER-NOTE-alpha" in page
    assert not re.search(r'class="[^"]*solution[^"]*dropdown', page)


@pytest.mark.parametrize("name", ["public", "student", "teacher"])
def test_every_lesson_page_offers_its_notebook_and_its_source(built, name):
    for lesson in NAMES:
        page = built[name] / "lessons" / f"{lesson}.html"
        links = _hrefs(page)
        for suffix in (".ipynb", ".md"):
            assert f"../notebooks/{lesson}{suffix}" in links, (name, lesson, suffix)
        nb = nbformat.read(built[name] / "notebooks" / f"{lesson}.ipynb", 4)
        nbformat.validate(nb)
        assert nb.cells[0].metadata["tags"] == [downloads.SETUP_TAG]
        assert REPOSITORY in nb.cells[0].source  # installs relu_course from there
        executed = [c for c in nb.cells[1:] if c.cell_type == "code"]
        assert all(c.execution_count for c in executed), "outputs are kept"


@pytest.mark.parametrize(
    ("name", "solutions", "notes"),
    [("public", True, False), ("student", False, False), ("teacher", True, True)],
)
def test_the_downloaded_notebooks_hold_what_the_edition_shows(
    built, name, solutions, notes
):
    for suffix in (".ipynb", ".md"):
        text = (built[name] / "notebooks" / f"alpha{suffix}").read_text()
        assert ("solution_code_alpha" in text) is solutions, suffix
        assert ("SOLUTION-TEXT-alpha" in text) is solutions, suffix
        assert ("TEACHER-NOTE-alpha" in text) is notes, suffix
        assert "ex-alpha-think" in text  # the exercises stay in every edition


def test_the_class_edition_contains_exactly_its_lessons_numbered_in_class_order(
    built,
):
    html = built["class"]
    assert sorted(p.stem for p in (html / "lessons").glob("*.html")) == [
        "alpha",
        "beta",
    ]
    assert sorted(p.name for p in (html / "notebooks").iterdir()) == [
        "alpha.ipynb",
        "alpha.md",
        "beta.ipynb",
        "beta.md",
    ]
    assert "hello.html" in (html / "index.html").read_text()  # a redirect
    index = (html / "hello.html").read_text()
    assert "Welcome to the class" in index
    assert "Two lessons" in index
    number = re.compile(r'<span class="section-number">(\d+)\. </span>Lesson (\w+)')
    beta = (html / "lessons" / "beta.html").read_text()
    alpha = (html / "lessons" / "alpha.html").read_text()
    assert number.search(beta).groups() == ("1", "beta"), "the class's first lesson"
    assert number.search(alpha).groups() == ("2", "alpha")
    assert '<a class="reference internal" href="alpha.html">2. Lesson alpha</a>' in beta
    # beta's link to gamma, a lesson the class leaves out, becomes its title.
    assert "<em>Lesson gamma</em>" in beta
    assert "gamma.html" not in beta


def test_every_local_link_of_every_edition_points_to_a_file(built):
    broken = []
    pages = [p for p in built["site"].rglob("*.html") if "_static" not in p.parts]
    for page in pages:
        for href in _hrefs(page):
            parts = urlsplit(href)
            if parts.scheme or href.startswith(("#", "//")):
                continue
            target = (page.parent / unquote(parts.path)).resolve()
            if parts.path and not target.exists():
                broken.append(f"{page.relative_to(built['site'])}: {href}")
    assert not broken, broken[:20]


def test_an_unpublished_site_shows_its_licences_and_no_absolute_address(built):
    # The course's _config.yml leaves html.baseurl empty: the site is not published.
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert not config["html"]["baseurl"]
    licence = config["sphinx"]["config"]["course_licence"]
    footer = publish.licence_footer(licence)
    site = built["site"]
    pages = [p for p in site.rglob("*.html") if "_static" not in p.parts]
    for page in pages:
        text = page.read_text()
        if 'http-equiv="Refresh"' in text:
            continue  # index.html: Jupyter Book's redirect to the first page
        assert footer in text, page
        assert 'rel="canonical"' not in text, page
        assert 'property="og:' not in text, page
    for name in (publish.SITEMAP, publish.ROBOTS, "404.html"):
        assert not list(site.rglob(name)), name
    # Every downloaded lesson opens with the edition's title and the licences.
    for folder, title in [("", ""), ("student/", ", student edition")]:
        notice = publish.licence_notice(licence, f"ReLU, from the ground up{title}")
        nb = nbformat.read(site / folder / "notebooks" / "alpha.ipynb", 4)
        md = (site / folder / "notebooks" / "alpha.md").read_text()
        for text in (nb.cells[0].source, md):
            comments = [line[2:] for line in text.splitlines() if line[:2] == "# "]
            assert notice in " ".join(comments), folder


def test_every_launch_button_opens_a_file_that_is_published(built):
    owner_repo = REPOSITORY.removeprefix("https://github.com/")
    colab = re.compile(
        rf"colab\.research\.google\.com/github/{owner_repo}/blob/"
        r"gh-pages/([^\"]+)"
    )
    binder = re.compile(
        rf"mybinder\.org/v2/gh/{owner_repo}/main\?urlpath=lab/tree/"
        r"([^\"]+)"
    )
    found = {"colab": 0, "binder": 0}
    for page in built["site"].rglob("lessons/*.html"):
        text = page.read_text()
        for path in colab.findall(text):
            found["colab"] += 1
            assert (built["site"] / path).is_file(), f"{page}: Colab opens {path}"
        for path in binder.findall(text):
            found["binder"] += 1
            assert (built["root"] / path).is_file(), f"{page}: Binder opens {path}"
        is_student = page.is_relative_to(built["site"] / "student")
        assert ("mybinder.org" in text) is not is_student  # Binder shows solutions
    # 4 lessons in public, student and teacher, 2 in the class: 14 pages.
    assert found == {"colab": 14, "binder": 10}


def test_the_binder_environment_files_exist_in_the_repository():
    requirements = ROOT / "binder" / "requirements.txt"
    for line in requirements.read_text().splitlines():
        if line.startswith("-r "):
            assert (requirements.parent / line[3:].strip()).is_file(), line
    assert (ROOT / "binder" / "postBuild").stat().st_mode & 0o111, "postBuild runs"


def _app(url: str, edition_name: str = "public") -> SimpleNamespace:
    config = SimpleNamespace(
        html_theme_options={"repository_url": url, "repository_branch": "main"},
        course_launch={"binderhub_url": "https://mybinder.org", "colab_url": "x"},
        course_edition=edition_name,
        course_site_prefix="",
    )
    return SimpleNamespace(config=config)


def test_no_launch_button_appears_without_a_repository_address():
    assert downloads.launch_links(_app(""), "lessons/alpha") == []
    assert len(downloads.launch_links(_app(REPOSITORY), "lessons/alpha")) == 2


def test_the_public_config_sets_the_repository_address_in_one_place():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert "url" in config["repository"]
    assert not config["launch_buttons"].get("colab_url"), "Jupyter Book's Colab fails"
    assert not config["launch_buttons"].get("binderhub_url")


def test_a_repository_address_outside_github_is_refused():
    app = _app("https://example.org/relu")
    app.config.course_launch = {}
    with pytest.raises(Exception, match=r"repository\.url"):
        downloads._check(app, app.config)


# --- cutting the real lessons ---------------------------------------------------
LESSONS = sorted((ROOT / "lessons").glob("*.md"))
SOLUTION = re.compile(r"\{solution-start\}.*?\{solution-end\}\n:+\n", re.DOTALL)


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_the_student_cut_of_a_lesson_removes_every_solution_and_keeps_the_rest(
    lesson,
):
    source = lesson.read_text()
    cut = downloads.cut_source(source, solutions=True, notes=True, setup="pass")
    assert "solution-start" not in cut
    assert "solution-end" not in cut
    assert "teacher-note" not in cut
    assert cut.count("{exercise}") == source.count("{exercise}")
    outside = SOLUTION.sub("", source)
    for region in SOLUTION.findall(source):
        for line in region.splitlines():
            if len(line) > 30 and line not in outside:  # a line only the solution has
                assert line not in cut, line
    kept = jupytext.reads(cut, fmt="md:myst")
    full = jupytext.reads(source, fmt="md:myst")
    solution_cells = sum(
        region.count("{code-cell}") for region in SOLUTION.findall(source)
    )
    code = [c for c in kept.cells if c.cell_type == "code"]
    assert (
        len(code) == 1 + sum(c.cell_type == "code" for c in full.cells) - solution_cells
    )


@pytest.mark.parametrize("lesson", LESSONS, ids=lambda p: p.stem)
def test_the_notebook_and_the_source_of_a_lesson_are_cut_alike(lesson):
    source = lesson.read_text()
    nb = downloads.cut_notebook(
        jupytext.reads(source, fmt="md:myst"), True, True, setup="pass"
    )
    md = jupytext.reads(
        downloads.cut_source(source, True, True, setup="pass"), fmt="md:myst"
    )
    assert [c.source.strip() for c in nb.cells] == [c.source.strip() for c in md.cells]


def test_a_checking_the_article_block_downloads_as_plain_markdown_rules():
    source = (
        "Before.\n\n:::{article-check-start} the listing\n:::\n\nThe passage.\n\n"
        ":::{article-check-end}\n:::\n\nAfter.\n"
    )
    text, _ = downloads.cut(source, solutions=True, notes=True)
    assert "article-check" not in text
    assert text == (
        "Before.\n\n***\n\n**Checking the article: the listing** (to the next rule)"
        "\n\nThe passage.\n\n***\n\nAfter.\n"
    )


def test_an_unclosed_directive_is_reported():
    with pytest.raises(ValueError, match="unclosed directive"):
        downloads.cut(":::{solution-start} ex\n:class: dropdown\n", True, True)


# --- class files ----------------------------------------------------------------
def test_an_unknown_lesson_in_a_class_file_lists_the_valid_names(tmp_path):
    path = tmp_path / "c.yml"
    path.write_text("title: T\nlessons: [what-is-relu, no-such-lesson]\n")
    with pytest.raises(edition.EditionError) as error:
        edition.read_class(path)
    message = str(error.value)
    assert "no-such-lesson" in message
    assert "what-is-relu" in message
    assert "derivative" in message  # the valid names are listed


@pytest.mark.parametrize(
    ("content", "complaint"),
    [
        ("lessons: [what-is-relu]\n", "title"),
        ("title: T\n", "lessons"),
        ("title: T\nlessons: []\n", "lessons"),
        ("title: T\nlessons: [derivative, derivative]\n", "twice"),
        ("title: T\nlessons: [derivative]\nwelcome: nope.md\n", "welcome"),
        ("title: T\nlessons: [derivative]\ncolour: red\n", "unknown keys"),
        (
            "title: T\nlessons: [derivative]\nedition: private\n",
            r"edition must be one of \['public', 'student', 'teacher'\]",
        ),
        ("- a list\n", "mapping"),
    ],
)
def test_a_malformed_class_file_is_refused_with_the_reason(
    tmp_path, content, complaint
):
    path = tmp_path / "c.yml"
    path.write_text(content)
    with pytest.raises(edition.EditionError, match=complaint):
        edition.read_class(path)


def test_a_class_can_be_any_edition_and_its_pages_are_built_as_that_edition(tmp_path):
    path = tmp_path / "c.yml"
    path.write_text("title: T\nlessons: [derivative]\nedition: student\n")
    spec = edition.read_class(path)
    assert spec["edition"] == "student"
    config = edition.edition_config(
        spec["edition"], "classes/c/", title="T", class_=True
    )
    assert config["sphinx"]["config"]["course_edition"] == "student"
    path.write_text("title: T\nlessons: [derivative]\n")
    assert edition.read_class(path)["edition"] == "public"  # the default


def test_one_table_says_what_each_edition_shows():
    shows = {name: course.edition(name) for name in course.EDITIONS}
    assert shows["public"] == course.Edition("collapsed", False, True)
    assert shows["student"] == course.Edition("none", False, False)
    assert shows["teacher"] == course.Edition("open", True, True)
    with pytest.raises(ValueError, match="edition must be one of"):
        course.edition("private")


def test_the_shipped_example_class_has_two_lessons_and_a_welcome_page():
    spec = edition.read_class(ROOT / "classes" / "example.yml")
    assert len(spec["lessons"]) == 2
    assert spec["welcome"]
    toc = edition.class_toc(spec)
    assert toc["root"] == str(Path(spec["welcome"]).with_suffix(""))
    chapters = toc["parts"][0]["chapters"]
    assert chapters == [{"file": f"lessons/{n}"} for n in spec["lessons"]]
    assert toc["parts"][0]["numbered"] is True


def test_an_unknown_edition_is_refused():
    with pytest.raises(edition.EditionError, match="edition must be one of"):
        edition.edition_config("draft", "")


def test_publishing_an_edition_copies_only_what_changed_and_drops_what_went(tmp_path):
    built = tmp_path / "_build" / "html"
    (built / "lessons").mkdir(parents=True)
    for name in ("index.html", "lessons/a.html", "lessons/b.html"):
        (built / name).write_text(name)
    html = edition.publish_html(tmp_path)
    # a published file of the built one's size and time is not copied again:
    # mark it, keeping both
    published = html / "lessons" / "a.html"
    stat = published.stat()
    published.write_text("X" * stat.st_size)
    os.utime(published, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    (built / "lessons" / "b.html").write_text("b, rebuilt")
    (built / "index.html").unlink()
    os.utime(built / "lessons" / "b.html", ns=(10**18, 10**18))
    assert edition.publish_html(tmp_path) == html
    assert sorted(str(p.relative_to(html)) for p in html.rglob("*")) == [
        "lessons",
        "lessons/a.html",
        "lessons/b.html",
    ]
    assert (html / "lessons" / "b.html").read_text() == "b, rebuilt"
    assert published.read_text() == "X" * stat.st_size  # kept, not copied
