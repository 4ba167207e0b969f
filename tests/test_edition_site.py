"""coursegen/editions.py without a build: `make site`'s layout, configs, a failed class.

tests/test_editions.py builds every edition of a small book and assembles it;
here, the decisions around those builds on folders made by hand.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from coursegen import editions, execute
from coursegen.course import CACHE, ROOT


def _built(html: Path, *pages: str) -> None:
    html.mkdir(parents=True)
    for page in ("index.html", *pages):
        (html / page).write_text(f"<p>{html.parent.name}: {page}</p>")
    (html / ".buildinfo").write_text("Sphinx's own")


def test_the_site_gathers_each_built_edition_under_its_folder(tmp_path):
    build = tmp_path / "_build"
    _built(build / "html", "page.html")
    (build / "html" / "_sources").mkdir()
    (build / "html" / "_sources" / "lesson.md").write_text("solutions inside")
    _built(build / "student" / "html")
    _built(build / "classes" / "two" / "html")
    (build / "classes" / "half-built" / "html").mkdir(parents=True)  # no index.html
    site = editions.assemble_site(tmp_path)
    assert site == build / "site"
    published = sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file())
    assert published == [
        ".nojekyll",  # or GitHub Pages drops _static/
        "classes/two/index.html",
        "index.html",
        "page.html",
        "student/index.html",
    ]
    _built(build / "teacher" / "html")
    (build / "student" / "html" / "index.html").unlink()  # no longer built
    site = editions.assemble_site(tmp_path)
    assert (site / "teacher" / "index.html").is_file()
    assert not (site / "student").exists()  # the site is assembled anew


def test_without_the_public_site_there_is_nothing_to_assemble(tmp_path):
    (tmp_path / "_build" / "student" / "html").mkdir(parents=True)
    with pytest.raises(editions.EditionError, match="run `make book` first"):
        editions.assemble_site(tmp_path)


def test_the_public_config_keeps_the_books_title_and_others_name_their_edition():
    title = yaml.safe_load((ROOT / "_config.yml").read_text())["title"]
    public = editions.edition_config("public", "")
    student = editions.edition_config("student", "student/")
    assert public["title"] == title
    assert student["title"] == f"{title}, student edition"
    assert student["sphinx"]["config"]["course_site_prefix"] == "student/"
    assert "course_lesson_titles" not in public["sphinx"]["config"]  # not a class


def test_a_class_whose_lesson_fails_to_execute_is_not_built(monkeypatch, tmp_path):
    class_file = tmp_path / "failing-class.yml"
    class_file.write_text("title: A class\nlessons: [derivative]\n")
    asked: list[tuple] = []

    def run(lessons: list[Path], cache: execute.Cache, jobs: int) -> int:
        asked.append((lessons, cache.folder, jobs))
        return 1

    monkeypatch.setattr(execute, "run", run)
    with pytest.raises(editions.EditionError, match="a lesson of the class failed"):
        editions.build_class(class_file, ROOT, jobs=1)
    # only the class's lessons ran, into the book's cache
    assert asked == [([ROOT / "lessons" / "derivative.md"], CACHE, 1)]
    assert not (ROOT / "_build" / "classes" / "failing-class").exists()
