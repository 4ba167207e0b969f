"""Create a new lesson from tools/lesson_template.md (`make lesson NAME=my-topic`).

Writes lessons/<slug>.md with the slug and title filled in, lists it at the end
of the last numbered part of _toc.yml (by inserting one line: the file's
comments and layout stay as they are), executes it into
tests/expected/<slug>.ipynb with coursegen.expected and says what to do
next. The new lesson builds and passes `make test` as it is; then its author
replaces the template's example with the lesson.

    python -m coursegen lesson my-topic                         # title "My topic"
    python -m coursegen lesson my-topic --title "ReLU in a CNN"
"""

from __future__ import annotations

import argparse
import copy
import re
import sys
import time
from pathlib import Path
from typing import Any

import yaml

from coursegen import expected
from coursegen.course import ROOT, pin_execution_env

TEMPLATE = Path("tools") / "lesson_template.md"  # paths relative to the repository
TOC = Path("_toc.yml")
# The template's placeholders, replaced as plain text (the template has LaTeX $s).
SLUG_PLACEHOLDER, TITLE_PLACEHOLDER = "{{slug}}", "{{title}}"
SLUG = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
SLUG_EXPECTED = (
    "lowercase letters, digits and single hyphens, starting with a letter "
    "(e.g. my-topic)"
)


class LessonError(Exception):
    """The lesson cannot be created as asked; the message says why."""


def slug_argument(text: str) -> str:
    """argparse type of the slug: the lesson's file name without .md."""
    if not SLUG.fullmatch(text):
        raise argparse.ArgumentTypeError(f"expected {SLUG_EXPECTED}, got {text!r}")
    return text


def title_argument(text: str) -> str:
    """argparse type of --title: one non-empty line."""
    if not text.strip() or "\n" in text:
        raise argparse.ArgumentTypeError(f"expected a title on one line, got {text!r}")
    return text.strip()


def default_title(slug: str) -> str:
    """The title a slug stands for: my-topic -> "My topic"."""
    return slug.replace("-", " ").capitalize()


def render(template: str, slug: str, title: str) -> str:
    """The template with its placeholders replaced."""
    return template.replace(SLUG_PLACEHOLDER, slug).replace(TITLE_PLACEHOLDER, title)


def _toc_files(toc: dict[str, Any]) -> list[str]:
    return [
        chapter["file"]
        for part in toc.get("parts", [])
        for chapter in part.get("chapters", [])
        if "file" in chapter
    ]


def add_to_toc(text: str, entry: str) -> str:
    """Return _toc.yml's text with `- file: <entry>` ending the last numbered part.

    The line goes right after the part's last chapter entry, at its indentation,
    so that everything else in the file (comments included) stays as it is.
    """
    toc = yaml.safe_load(text) or {}
    if entry in _toc_files(toc):
        raise LessonError(f"_toc.yml already lists {entry}")
    numbered = [part for part in toc.get("parts", []) if part.get("numbered")]
    if not numbered or not numbered[-1].get("chapters"):
        raise LessonError("_toc.yml has no numbered part with chapters to add to")
    last = numbered[-1]["chapters"][-1].get("file")
    line_of_last = re.compile(
        rf"(?P<indent>\s*)- file: (?P<q>['\"]?){re.escape(str(last))}(?P=q)\s*(#.*)?"
    )
    lines = text.splitlines(keepends=True)
    hits = [
        (n, match)
        for n, line in enumerate(lines)
        if (match := line_of_last.fullmatch(line.rstrip()))
    ]
    if len(hits) != 1:
        raise LessonError(
            f"cannot find the one line '- file: {last}' in _toc.yml; add "
            f"'- file: {entry}' to its last numbered part by hand"
        )
    [(hit, match)] = hits
    indent = match["indent"]
    after = hit + 1
    # Keep the entry's own keys (title:, sections:, ...) above the new line.
    while after < len(lines) and lines[after].strip():
        if len(lines[after]) - len(lines[after].lstrip()) <= len(indent):
            break
        after += 1
    if not lines[after - 1].endswith("\n"):
        lines[after - 1] += "\n"
    lines.insert(after, f"{indent}- file: {entry}\n")
    new = "".join(lines)
    # The one change must be the one meant: the entry, last in that part.
    meant = copy.deepcopy(toc)
    [part for part in meant["parts"] if part.get("numbered")][-1]["chapters"].append(
        {"file": entry}
    )
    if yaml.safe_load(new) != meant:
        raise LessonError(
            f"adding '- file: {entry}' to _toc.yml by text did not give the expected "
            "table of contents; add it to its last numbered part by hand"
        )
    return new


def create(slug: str, title: str, root: Path = ROOT) -> dict[str, Path]:
    """Write the lesson, list it in _toc.yml and generate its expected output.

    Nothing is left behind when a step fails: the lesson file and _toc.yml are
    restored before the error is raised.
    """
    lesson = root / "lessons" / f"{slug}.md"
    if lesson.exists():
        raise LessonError(
            f"lessons/{slug}.md already exists; edit it, or choose another name"
        )
    toc_path = root / TOC
    toc_text = toc_path.read_text()
    new_toc = add_to_toc(toc_text, f"lessons/{slug}")
    text = render((root / TEMPLATE).read_text(), slug, title)
    lesson.write_text(text)
    toc_path.write_text(new_toc)
    try:
        pin_execution_env(root)
        notebook = expected.generate(lesson)
    except BaseException:
        lesson.unlink()
        toc_path.write_text(toc_text)
        print(
            f"lessons/{slug}.md failed to execute; it was removed and _toc.yml "
            "restored",
            file=sys.stderr,
        )
        raise
    return {"lesson": lesson, "toc": toc_path, "expected": notebook}


def main(argv: list[str] | None = None, root: Path = ROOT) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m coursegen lesson", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "slug",
        type=slug_argument,
        help=f"the lesson's file name without .md: {SLUG_EXPECTED}",
    )
    parser.add_argument(
        "--title",
        type=title_argument,
        help='the lesson\'s title (default: from the slug, my-topic -> "My topic")',
    )
    args = parser.parse_args(argv)
    title = args.title or default_title(args.slug)
    if (root / "lessons" / f"{args.slug}.md").exists():
        parser.error(
            f"argument slug: lessons/{args.slug}.md already exists; edit it, or "
            "choose another name"
        )
    start = time.perf_counter()
    try:
        made = create(args.slug, title, root)
    except LessonError as error:
        parser.error(str(error))
    seconds = time.perf_counter() - start
    lesson = made["lesson"].relative_to(root)
    expected = made["expected"].relative_to(root)
    print(
        f"Created {lesson} ({title!r}) from {TEMPLATE}\n"
        f"Listed lessons/{args.slug} last in the last numbered part of {TOC}\n"
        f"Executed it into {expected} ({seconds:.1f} s)\n"
        "\n"
        "Next:\n"
        f'  1. edit {lesson}: replace every "Replace:" and the example section\n'
        "     with the lesson (CONTRIBUTING.md gives the rules)\n"
        f"  2. make expected LESSONS={args.slug}   # after each change of its code\n"
        "  3. make book                        # the whole site, warnings are errors\n"
        "  4. make test                        # everything, as CI runs it"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
