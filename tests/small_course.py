"""A small course for tests that build a whole book: the generator, two pages.

`write(root, lessons)` copies the course's generator (`coursegen/`), its
configuration and the files its cache key reads into root, and writes a table
of contents of an intro and the given lessons (name -> MyST text), so that
`python -m coursegen ...` run in root builds that course with the real tools.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
HEAD = """\
---
jupytext:
  text_representation:
    extension: .md
    format_name: myst
    format_version: 0.13
kernelspec:
  display_name: Python 3
  language: python
  name: python3
---

"""


def write(root: Path, lessons: dict[str, str]) -> Path:
    """Write the course into root (lesson texts without their front matter)."""
    shutil.copytree(
        ROOT / "coursegen",
        root / "coursegen",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    for name in ("_config.yml", "requirements.lock", "tools/execution.env"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, root / name)
    (root / "book").mkdir()
    for page in ("references.bib", "references.md"):
        shutil.copy(ROOT / "book" / page, root / "book" / page)
    (root / "book" / "intro.md").write_text("# A small course\n\nStart here.\n")
    (root / "lessons").mkdir()
    for name, text in lessons.items():
        (root / "lessons" / f"{name}.md").write_text(HEAD + text)
    chapters = [{"file": f"lessons/{name}"} for name in lessons]
    toc = {
        "format": "jb-book",
        "root": "book/intro",
        "parts": [
            {"caption": "Lessons", "numbered": True, "chapters": chapters},
            {"caption": "Reference", "chapters": [{"file": "book/references"}]},
        ],
    }
    (root / "_toc.yml").write_text(yaml.safe_dump(toc, sort_keys=False))
    return root
