"""coursegen/new_lesson.py (`make lesson`) makes a lesson that passes the checks.

The end-to-end test creates a lesson in a copy of the repository (the files git
tracks or would track, without .venv and _build) and runs there the tests a new
lesson has to pass: its shape, its expected output and nbval.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest
import yaml

from coursegen import course, new_lesson

ROOT = Path(__file__).resolve().parents[1]
SLUG = "made-by-the-test"


def execution_env() -> dict[str, str]:
    """This environment with tools/execution.env's pins where unset, as under make."""
    env = course.execution_env() | dict(os.environ)
    env.pop("MPLBACKEND", None)  # figures vanish under a forced backend
    return env


@pytest.fixture
def small_repo(tmp_path: Path) -> Path:
    """A repository with one lesson, the template and the real _toc.yml."""
    (tmp_path / "lessons").mkdir()
    (tmp_path / "tools").mkdir()
    (tmp_path / "lessons" / "taken.md").write_text("# Taken\n")
    shutil.copy(ROOT / "_toc.yml", tmp_path / "_toc.yml")
    shutil.copy(ROOT / "tools" / "lesson_template.md", tmp_path / "tools")
    return tmp_path


@pytest.mark.parametrize(
    "slug",
    ["My-topic", "1-topic", "my_topic", "-topic", "topic-", "my--topic", "my topic"],
)
def test_a_bad_slug_is_rejected_with_a_message_naming_the_argument(
    slug, small_repo, capsys
):
    toc = (small_repo / "_toc.yml").read_text()
    with pytest.raises(SystemExit) as exit_:
        new_lesson.main(["--", slug], root=small_repo)
    assert exit_.value.code == 2
    error = capsys.readouterr().err
    assert "argument slug" in error, error
    assert "lowercase letters, digits and single hyphens" in error, error
    assert (small_repo / "_toc.yml").read_text() == toc
    assert sorted(p.name for p in (small_repo / "lessons").iterdir()) == ["taken.md"]


def test_an_empty_title_is_rejected(small_repo, capsys):
    with pytest.raises(SystemExit):
        new_lesson.main(["my-topic", "--title", " "], root=small_repo)
    assert "argument --title" in capsys.readouterr().err


def test_an_existing_lesson_is_refused_and_left_alone(small_repo, capsys):
    toc = (small_repo / "_toc.yml").read_text()
    with pytest.raises(SystemExit) as exit_:
        new_lesson.main(["taken"], root=small_repo)
    assert exit_.value.code == 2
    assert "lessons/taken.md already exists" in capsys.readouterr().err
    assert (small_repo / "lessons" / "taken.md").read_text() == "# Taken\n"
    assert (small_repo / "_toc.yml").read_text() == toc


def test_the_default_title_reads_the_slug_as_words():
    assert new_lesson.default_title("my-topic") == "My topic"
    assert new_lesson.default_title("relu-in-cnns") == "Relu in cnns"


def test_the_template_keeps_no_placeholder_once_rendered():
    template = (ROOT / "tools" / "lesson_template.md").read_text()
    text = new_lesson.render(template, "my-topic", "My $topic$")
    assert "{{" not in text
    assert "}}" not in text
    assert "(lesson-my-topic)=\n# My $topic$\n" in text
    assert "name: fig-my-topic-" in text
    assert ":label: ex-my-topic-" in text


def test_the_toc_entry_ends_the_last_numbered_part_and_nothing_else_changes():
    text = (ROOT / "_toc.yml").read_text()
    new = new_lesson.add_to_toc(text, f"lessons/{SLUG}")
    added = [line for line in new.splitlines() if line not in text.splitlines()]
    assert [line.strip() for line in added] == [f"- file: lessons/{SLUG}"]
    assert new.replace(added[0] + "\n", "", 1) == text  # comments and layout kept
    before, after = yaml.safe_load(text), yaml.safe_load(new)
    last = max(n for n, part in enumerate(after["parts"]) if part.get("numbered"))
    assert after["parts"][last]["chapters"][-1] == {"file": f"lessons/{SLUG}"}
    after["parts"][last]["chapters"].pop()
    assert after == before


def test_the_toc_entry_goes_after_the_keys_of_the_last_chapter():
    text = (
        "format: jb-book  # a comment\n"
        "root: intro\n"
        "parts:\n"
        "- caption: One\n"
        "  numbered: true\n"
        "  chapters:\n"
        "  - file: lessons/a\n"
        "    title: A  # kept\n"
        "- caption: Two\n"
        "  chapters:\n"
        "  - file: book/b\n"
    )
    new = new_lesson.add_to_toc(text, "lessons/new")
    assert "    title: A  # kept\n  - file: lessons/new\n- caption: Two\n" in new


def test_a_toc_without_a_numbered_part_or_with_the_lesson_is_refused():
    with pytest.raises(new_lesson.LessonError, match="no numbered part"):
        new_lesson.add_to_toc("root: intro\nparts:\n- chapters: []\n", "lessons/x")
    text = (ROOT / "_toc.yml").read_text()
    with pytest.raises(new_lesson.LessonError, match="already lists"):
        new_lesson.add_to_toc(text, "lessons/what-is-relu")


def _copy_of_the_repository(dest: Path) -> Path:
    """Copy what git tracks, or would track if added, from ROOT into dest."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("needs a git checkout of the course")
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = ROOT / name
        if source.is_file():  # deleted but still tracked: skip
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


def _run(args: list[str], repo: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, *args],
        cwd=repo,
        env=execution_env(),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def test_a_new_lesson_passes_the_lesson_checks_and_nbval(tmp_path):
    repo = _copy_of_the_repository(tmp_path / "repo")
    toc_before = yaml.safe_load((repo / "_toc.yml").read_text())

    made = _run(
        ["-m", "coursegen", "lesson", SLUG, "--title", "Made by the test"], repo
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert f"make expected LESSONS={SLUG}" in made.stdout

    lesson = repo / "lessons" / f"{SLUG}.md"
    assert f"(lesson-{SLUG})=\n# Made by the test\n" in lesson.read_text()
    toc = yaml.safe_load((repo / "_toc.yml").read_text())
    numbered = [part for part in toc["parts"] if part.get("numbered")]
    assert numbered[-1]["chapters"][-1] == {"file": f"lessons/{SLUG}"}
    numbered[-1]["chapters"].pop()
    assert toc == toc_before  # every other entry as it was

    expected = repo / "tests" / "expected" / f"{SLUG}.ipynb"
    nb = nbformat.read(expected, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code
    assert all(cell.execution_count is not None for cell in code)

    checks = _run(
        [
            "-m",
            "pytest",
            "tests/test_lessons.py",
            "tests/test_expected_outputs.py",
            "tests/test_claims.py",
            f"tests/expected/{SLUG}.ipynb",
            "--nbval",
            "--nbval-current-env",
            "--nbval-sanitize-with",
            "tests/nbval_sanitize.cfg",
            "-k",
            f"{SLUG} or test_claims",
            "-p",
            "no:cacheprovider",
            "-v",
        ],
        repo,
    )
    assert checks.returncode == 0, checks.stdout[-3000:] + checks.stderr[-3000:]
    # Ten checks of its shape and four of its expected output ran on the lesson ...
    assert checks.stdout.count(f"[{SLUG}] PASSED") >= 14, checks.stdout[-3000:]
    # ... and nbval re-ran every code cell of its expected output.
    cells = re.findall(
        rf"^tests/expected/{SLUG}\S*::Cell \d+ PASSED", checks.stdout, re.M
    )
    assert len(cells) == len(code), checks.stdout[-3000:]
