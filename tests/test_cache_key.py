"""A warm build is never stale: relu_course or pin changes empty the cache."""

from __future__ import annotations

import importlib.util
import shutil
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location(
    "course_cache_key", ROOT / "tools" / "cache_key.py"
)
cache_key = importlib.util.module_from_spec(spec)
sys.modules["course_cache_key"] = cache_key
spec.loader.exec_module(cache_key)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of relu_course and requirements.lock, with a filled cache."""
    shutil.copytree(ROOT / "relu_course", tmp_path / "relu_course")
    shutil.copy(ROOT / "requirements.lock", tmp_path / "requirements.lock")
    return tmp_path


def _fill(cache: Path) -> Path:
    cache.mkdir(parents=True, exist_ok=True)
    entry = cache / "executed-lesson"
    entry.write_text("outputs computed with the code of the day")
    for doctrees in (cache.parent, cache.parent / "student" / "_build"):
        (doctrees / ".doctrees").mkdir(parents=True, exist_ok=True)
        (doctrees / ".doctrees" / "environment.pickle").write_text("env")
    return entry


def _doctrees(cache: Path) -> list[Path]:
    return sorted(cache.parent.rglob(".doctrees/environment.pickle"))


def test_a_cache_filled_under_the_current_code_is_kept(repo):
    cache = repo / "_build" / ".jupyter_cache"
    cache_key.ensure_fresh(cache, cache_key.code_key(repo))
    entry = _fill(cache)
    assert cache_key.ensure_fresh(cache, cache_key.code_key(repo)) is False
    assert entry.exists()
    assert len(_doctrees(cache)) == 2


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


@pytest.mark.parametrize(
    "edit",
    [
        lambda repo: _append(repo / "relu_course" / "activation.py", "\n# edited\n"),
        lambda repo: (repo / "relu_course" / "new_module.py").write_text("X = 1\n"),
        lambda repo: _append(repo / "requirements.lock", "extra==1.0\n"),
    ],
    ids=["a relu_course module edited", "a module added", "a pin changed"],
)
def test_a_change_to_relu_course_or_the_pins_empties_the_cache(repo, edit):
    cache = repo / "_build" / ".jupyter_cache"
    cache_key.ensure_fresh(cache, cache_key.code_key(repo))
    entry = _fill(cache)
    edit(repo)
    assert cache_key.ensure_fresh(cache, cache_key.code_key(repo)) is True
    assert not entry.exists(), "a stale lesson output survived"
    assert _doctrees(cache) == [], "Sphinx would not read the lessons again"
    # Filled again under the new code, it is kept from then on.
    entry = _fill(cache)
    assert cache_key.ensure_fresh(cache, cache_key.code_key(repo)) is False
    assert entry.exists()
    assert len(_doctrees(cache)) == 2


def test_a_cache_without_a_key_is_emptied(repo):
    cache = repo / "_build" / ".jupyter_cache"
    entry = _fill(cache)
    assert cache_key.ensure_fresh(cache, cache_key.code_key(repo)) is True
    assert not entry.exists()


def test_the_makefile_checks_the_key_before_every_book_build():
    makefile = (ROOT / "Makefile").read_text()
    book = makefile[makefile.index("\nbook:") : makefile.index("\nsite:")]
    assert "tools/cache_key.py _build/.jupyter_cache" in book.split("ifneq")[0]
