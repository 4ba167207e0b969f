"""Build an edition of the course, or a class edition, from the one source.

    python -m coursegen edition --edition student   # -> _build/student/html
    python -m coursegen edition --edition teacher   # -> _build/teacher/html
    python -m coursegen edition --class classes/example.yml
                                   # -> _build/classes/example/html
    python -m coursegen edition --site  # every built edition -> _build/site

An edition writes its own `_config.yml` (and, for a class, `_toc.yml`) under
its output folder, derived from the root ones, and builds with Jupyter Book
into that folder. Every edition shares the execution cache of `make book`
(`_build/.jupyter_cache`), so a lesson executed once is not executed again.
The Makefile calls this: `make book EDITION=student`, `make book CLASS=...`,
`make site`.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any, TypedDict

import yaml

from coursegen import cache_key, course, execute
from coursegen.course import CACHE, EDITIONS, ROOT, toc_lessons
from coursegen.sphinx import publish

# Every build of the book: warnings are errors (-W, -n: broken references too), and
# all of them are reported before it stops (--keep-going).
STRICT = ("--builder", "html", "-W", "-n", "--keep-going")


def jupyter_book(root: Path, *options: str) -> list[str]:
    """The command that builds the book at root, as every edition is built."""
    executable = str(Path(sys.executable).with_name("jupyter-book"))
    return [executable, "build", str(root), *options, *STRICT]


class EditionError(ValueError):
    """A class file or an edition name that cannot be built."""


def lessons(root: Path = ROOT) -> dict[str, str]:
    """Every lesson's name (file stem) -> its title (the first '# ' heading)."""
    titles = {}
    for path in sorted(toc_lessons(root)):
        title = re.search(r"^# (.+)$", path.read_text(), re.MULTILINE)
        titles[path.stem] = title.group(1).strip() if title else path.stem
    return titles


class ClassSpec(TypedDict):
    """A class file, validated: what `read_class` returns."""

    title: str
    lessons: list[str]  # lesson names, in the class's order
    welcome: str | None  # a page of the repository, or None: the book's intro
    edition: str  # what the class's pages show (course.EDITIONS)


def read_class(path: Path, root: Path = ROOT) -> ClassSpec:
    """Validate a class file: title, lessons (known names, in class order), welcome."""
    if not path.is_file():
        raise EditionError(f"class file {path} does not exist")
    spec = yaml.safe_load(path.read_text()) or {}
    if not isinstance(spec, dict):
        raise EditionError(f"{path}: expected a mapping with title and lessons")
    unknown_keys = sorted(set(spec) - {"title", "lessons", "welcome", "edition"})
    if unknown_keys:
        raise EditionError(
            f"{path}: unknown keys {unknown_keys}; valid keys: title, lessons, "
            "welcome, edition"
        )
    shows = spec.get("edition", "public")
    try:
        course.edition(shows)
    except ValueError as error:
        raise EditionError(f"{path}: {error}") from None
    title = spec.get("title")
    if not isinstance(title, str) or not title.strip():
        raise EditionError(f"{path}: title must be a non-empty string")
    chosen = spec.get("lessons")
    if not isinstance(chosen, list) or not chosen:
        raise EditionError(f"{path}: lessons must be a non-empty list of lesson names")
    valid = lessons(root)
    unknown = [name for name in chosen if name not in valid]
    if unknown:
        raise EditionError(
            f"{path}: unknown lesson(s) {unknown}; valid lessons: {sorted(valid)}"
        )
    if len(set(chosen)) != len(chosen):
        raise EditionError(f"{path}: a lesson is listed twice: {chosen}")
    welcome = spec.get("welcome")
    if welcome is not None:
        page = root / welcome
        if page.suffix != ".md" or not page.is_file():
            raise EditionError(
                f"{path}: welcome must be an existing .md file, got {welcome!r}"
            )
    return {
        "title": title.strip(),
        "lessons": chosen,
        "welcome": welcome,
        "edition": shows,
    }


def class_toc(spec: ClassSpec) -> dict[str, Any]:
    """The class table of contents: welcome page, lessons numbered 1.., reference."""
    root = spec["welcome"] or "book/intro.md"
    return {
        "format": "jb-book",
        "root": str(Path(root).with_suffix("")),
        "parts": [
            {
                "caption": "Lessons",
                "numbered": True,
                "chapters": [{"file": f"lessons/{name}"} for name in spec["lessons"]],
            },
            {
                "caption": "Reference",
                "chapters": [{"file": "book/glossary"}, {"file": "book/references"}],
            },
        ],
    }


def edition_config(
    edition: str,
    prefix: str,
    root: Path = ROOT,
    title: str | None = None,
    class_: bool = False,
) -> dict[str, Any]:
    """The root _config.yml with this edition's settings.

    prefix is the edition's folder in the published site (``make site``).
    """
    try:
        course.edition(edition)
    except ValueError as error:
        raise EditionError(str(error)) from None
    config: dict[str, Any] = yaml.safe_load((root / "_config.yml").read_text())
    config["execute"]["cache"] = str(root / CACHE.relative_to(ROOT))
    sphinx = config["sphinx"]
    sphinx["config"]["course_edition"] = edition
    sphinx["config"]["course_site_prefix"] = prefix
    config["bibtex_bibfiles"] = [str(root / p) for p in config["bibtex_bibfiles"]]
    if title:
        config["title"] = title
    elif edition != "public":
        config["title"] = f"{config['title']}, {edition} edition"
    if class_:
        labels = {f"lesson-{name}": t for name, t in lessons(root).items()}
        sphinx["config"]["course_lesson_titles"] = labels
    return config


def build(
    out: Path, config: dict[str, Any], toc: dict[str, Any] | None, root: Path = ROOT
) -> Path:
    """Write the edition's config (and toc), build it, return its html folder."""
    subprocess.run(prepare(out, config, toc, root), check=True)
    return publish_html(out)


def prepare(
    out: Path, config: dict[str, Any], toc: dict[str, Any] | None, root: Path = ROOT
) -> list[str]:
    """Write the edition's config (and toc) into out; the command that builds it."""
    out.mkdir(parents=True, exist_ok=True)
    (out / "_config.yml").write_text(yaml.safe_dump(config, sort_keys=False))
    toc_path = root / "_toc.yml"
    if toc is not None:
        toc_path = out / "_toc.yml"
        toc_path.write_text(yaml.safe_dump(toc, sort_keys=False))
    options = ["--config", str(out / "_config.yml"), "--toc", str(toc_path)]
    return jupyter_book(root, *options, "--path-output", str(out))


def publish_html(out: Path) -> Path:
    """Jupyter Book's <out>/_build/html as <out>/html; the files it already has
    (same size and time) are kept, so that a rebuild of one page copies little."""
    built, html = out / "_build" / "html", out / "html"
    shutil.copytree(built, html, dirs_exist_ok=True, copy_function=_copy_if_changed)
    for path in sorted(html.rglob("*"), reverse=True):  # files before folders
        if (built / path.relative_to(html)).exists():
            continue
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink()
    return html


def _copy_if_changed(source: str, destination: str) -> str:
    before, after = os.stat(source), None
    with contextlib.suppress(FileNotFoundError):
        after = os.stat(destination)
    if after is None or (after.st_size, after.st_mtime_ns) != (
        before.st_size,
        before.st_mtime_ns,
    ):
        shutil.copy2(source, destination)
    return destination


def site_folder(edition: str, root: Path = ROOT) -> Path:
    """Where an edition's site is built: _build/html, or _build/<edition>/html."""
    course.edition(edition)  # a ValueError that lists the editions
    return root / "_build" / ("" if edition == "public" else edition) / "html"


def build_edition(edition: str, root: Path = ROOT) -> Path:
    """Build the student or teacher edition into _build/<edition>/html."""
    command = edition_command(edition, root)
    subprocess.run(command, check=True)
    return publish_html(site_folder(edition, root).parent)


def edition_command(edition: str, root: Path = ROOT) -> list[str]:
    """The command that builds an edition (the public one, or its config written)."""
    if edition == "public":
        return jupyter_book(root)
    config = edition_config(edition, f"{edition}/", root)
    return prepare(site_folder(edition, root).parent, config, None, root)


def site_under_test(root: Path = ROOT, env: Mapping[str, str] = os.environ) -> Path:
    """The site the browser tests open: COURSE_SITE, else build_from_outputs's."""
    return Path(env.get("COURSE_SITE") or root / "_build" / "expected" / "html")


def build_from_outputs(folder: Path, root: Path = ROOT) -> Path:
    """Build the public edition with the outputs of folder/NAME.ipynb, running nothing.

    Into _build/expected, with an execution cache of its own: the browser tests
    then see exactly the outputs nbval checked, and the book's cache holds only
    what executed on this machine. A lesson whose code differs from its
    notebook's is an error that names it.
    """
    if not folder.is_dir():
        raise EditionError(
            f"--outputs-from: expected a folder of notebooks, got {folder}"
        )
    out = site_under_test(root, env={}).parent
    cache = out / ".jupyter_cache"
    cache_key.ensure_fresh(cache, cache_key.outputs_key(folder))
    stale = execute.Cache(cache).take_outputs(toc_lessons(root), folder)
    if stale:
        names = " ".join(path.stem for path in stale)
        raise EditionError(
            f"the code of {names} differs from its notebook in {folder}: "
            f'run `make expected LESSONS="{names}"`'
        )
    config = edition_config("public", "", root)
    config["execute"]["cache"] = str(cache)
    return build(out, config, None, root)


def build_class(path: Path, root: Path = ROOT, jobs: int = execute.CORES) -> Path:
    """Build a class edition into _build/classes/<file name>/html."""
    spec = read_class(path, root)
    # Only the class's lessons, side by side (make book runs every lesson otherwise).
    chosen = [root / "lessons" / f"{name}.md" for name in spec["lessons"]]
    if execute.run(chosen, execute.Cache(root / CACHE.relative_to(ROOT)), jobs) != 0:
        raise EditionError("a lesson of the class failed to execute (see above)")
    prefix = f"classes/{path.stem}/"
    config = edition_config(spec["edition"], prefix, root, spec["title"], class_=True)
    return build(root / "_build" / "classes" / path.stem, config, class_toc(spec), root)


def assemble_site(root: Path = ROOT) -> Path:
    """Put every built edition into _build/site, laid out as it is published.

    The public site is the root; student/, teacher/ and classes/NAME/ hold the
    editions that were built. Colab opens the lessons' notebooks there.
    """
    public = site_folder("public", root)
    if not (public / "index.html").is_file():
        raise EditionError("the public site is not built: run `make book` first")
    site = root / "_build" / "site"
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(
        public, site, ignore=shutil.ignore_patterns(".buildinfo", "_sources")
    )
    folders = [site_folder(e, root) for e in EDITIONS if e != "public"]
    folders += sorted((root / "_build" / "classes").glob("*/html"))
    for html in folders:
        if (html / "index.html").is_file():
            prefix = html.parent.relative_to(root / "_build")
            shutil.copytree(
                html, site / prefix, ignore=shutil.ignore_patterns(".buildinfo")
            )
    publish.merge_robots(site)  # with html.baseurl set: one robots.txt, every sitemap
    (site / ".nojekyll").touch()  # GitHub Pages would drop _static/ and _images/
    return site


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    group = parser.add_mutually_exclusive_group(required=True)
    group.add_argument("--edition", choices=[e for e in EDITIONS if e != "public"])
    group.add_argument(
        "--class", dest="class_file", help="a class file, e.g. classes/example.yml"
    )
    group.add_argument(
        "--site", action="store_true", help="assemble the built editions in _build/site"
    )
    execute.jobs_argument(parser)
    args = parser.parse_args(argv)
    try:
        if args.site:
            site = assemble_site()
            print(f"The site to publish is in {site.relative_to(ROOT)}/")
            return 0
        if args.edition:
            html = build_edition(args.edition)
        else:
            html = build_class(Path(args.class_file).resolve(), jobs=args.jobs)
    except EditionError as error:
        parser.error(str(error))
    except subprocess.CalledProcessError as error:
        print(f"the edition build failed (exit {error.returncode})", file=sys.stderr)
        return 1
    print(f"Built: open file://{html / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
