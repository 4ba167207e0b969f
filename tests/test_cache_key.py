"""A warm build is never stale: what changes an output, besides a lesson, empties it."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from coursegen import __main__ as cli
from coursegen import cache_key, editions, execute

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A copy of relu_course, requirements.lock and the execution environment."""
    shutil.copytree(
        ROOT / "relu_course",
        tmp_path / "relu_course",
        ignore=shutil.ignore_patterns("__pycache__"),
    )
    shutil.copy(ROOT / "requirements.lock", tmp_path / "requirements.lock")
    (tmp_path / "tools").mkdir()
    shutil.copy(ROOT / "tools" / "execution.env", tmp_path / "tools" / "execution.env")
    return tmp_path


RUNTIME = "python 3.11.2; ipykernel 6.29.5"  # the runtime the tests pretend to run on


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
    cache_key.ensure_fresh(cache, cache_key.code_key(repo, RUNTIME))
    entry = _fill(cache)
    assert cache_key.ensure_fresh(cache, cache_key.code_key(repo, RUNTIME)) is False
    assert entry.exists()
    assert len(_doctrees(cache)) == 2


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text() + text)


@pytest.mark.parametrize(
    ("edit", "runtime"),
    [
        (
            lambda repo: _append(repo / "relu_course" / "activation.py", "\n#\n"),
            RUNTIME,
        ),
        (lambda repo: (repo / "relu_course" / "new.py").write_text("X = 1\n"), RUNTIME),
        (lambda repo: (repo / "relu_course" / "player.js").write_text("//\n"), RUNTIME),
        (lambda repo: _append(repo / "requirements.lock", "extra==1.0\n"), RUNTIME),
        (
            lambda repo: _append(
                repo / "tools" / "execution.env", "MKL_NUM_THREADS=2\n"
            ),
            RUNTIME,
        ),
        (lambda repo: None, RUNTIME.replace("python 3.11.2", "python 3.12.0")),
        (lambda repo: None, RUNTIME.replace("ipykernel 6.29.5", "ipykernel 7.0.0")),
    ],
    ids=[
        "a relu_course module edited",
        "a module added",
        "a data file of relu_course added",
        "a pin changed",
        "the execution environment changed",
        "another Python",
        "another kernel",
    ],
)
def test_whatever_changes_an_output_besides_the_lesson_empties_the_cache(
    repo, edit, runtime
):
    cache = repo / "_build" / ".jupyter_cache"
    cache_key.ensure_fresh(cache, cache_key.code_key(repo, RUNTIME))
    entry = _fill(cache)
    edit(repo)
    assert cache_key.ensure_fresh(cache, cache_key.code_key(repo, runtime)) is True
    assert not entry.exists(), "a stale lesson output survived"
    assert _doctrees(cache) == [], "Sphinx would not read the lessons again"
    # Filled again under the new code, it is kept from then on.
    entry = _fill(cache)
    assert cache_key.ensure_fresh(cache, cache_key.code_key(repo, runtime)) is False
    assert entry.exists()
    assert len(_doctrees(cache)) == 2


def test_a_cache_without_a_key_is_emptied(repo):
    cache = repo / "_build" / ".jupyter_cache"
    entry = _fill(cache)
    assert cache_key.ensure_fresh(cache, cache_key.code_key(repo, RUNTIME)) is True
    assert not entry.exists()


def test_every_book_build_checks_the_key_before_it_executes(monkeypatch):
    calls = []
    monkeypatch.setattr(cache_key, "main", lambda argv: calls.append("key") or 0)
    monkeypatch.setattr(
        execute, "run", lambda lessons, to, jobs: calls.append("execute") or 1
    )
    monkeypatch.setattr(editions, "main", lambda argv: calls.append("edition") or 0)
    assert cli.main(["book"]) == 1  # a failing execution stops the build
    assert cli.main(["book", "--edition", "student"]) == 1
    assert cli.main(["book", "--class", "classes/example.yml"]) == 0
    assert calls == ["key", "execute", "key", "execute", "key", "edition"]


def test_a_changed_expected_notebook_changes_the_key_of_the_build_with_its_outputs(
    tmp_path,
):
    (tmp_path / "one.ipynb").write_text("{}")
    before = cache_key.outputs_key(tmp_path)
    assert cache_key.outputs_key(tmp_path) == before
    (tmp_path / "one.ipynb").write_text('{"changed": 1}')
    assert cache_key.outputs_key(tmp_path) != before
    (tmp_path / "two.ipynb").write_text("{}")
    (tmp_path / "notes.txt").write_text("not a notebook")
    after = cache_key.outputs_key(tmp_path)
    (tmp_path / "notes.txt").write_text("still not a notebook")
    assert cache_key.outputs_key(tmp_path) == after


def test_the_key_reads_this_machines_python_and_kernel():
    from importlib.metadata import version

    assert cache_key.runtime() == (
        f"python {sys.version.split()[0]}; ipykernel {version('ipykernel')}"
    )
    assert cache_key.code_key() != cache_key.code_key(on="python 0; ipykernel 0")
