"""Keep the execution cache honest: empty it when anything but a lesson's code changes.

jupyter-cache keys a lesson on its code cells only, so after a change to
anything else that shapes an output a warm build would serve stale outputs.
`make book` runs this first (every edition shares the cache): it hashes every
file of relu_course (not only its modules), requirements.lock, the execution
environment (tools/execution.env: threads) and the versions of Python and of
the kernel, and when the hash differs from the one the cache was filled with,
it empties the cache so every lesson runs again.

    python -m coursegen cache-key _build/.jupyter_cache
"""

from __future__ import annotations

import hashlib
import platform
import shutil
import sys
from importlib.metadata import version
from pathlib import Path

from coursegen.course import EXECUTION_ENV, ROOT


def runtime() -> str:
    """The Python and kernel the lessons run on, as text for the key."""
    return f"python {platform.python_version()}; ipykernel {version('ipykernel')}"


def _inputs(root: Path) -> list[Path]:
    """Every file besides the lessons whose change can change an output."""
    package = [
        path
        for path in sorted((root / "relu_course").rglob("*"))
        if path.is_file() and "__pycache__" not in path.parts
    ]
    return [*package, root / "requirements.lock", root / EXECUTION_ENV]


def code_key(root: Path = ROOT, on: str | None = None) -> str:
    """A hash of what lessons run besides their own code (on: runtime() by default)."""
    digest = hashlib.sha256((on or runtime()).encode() + b"\0")
    for path in _inputs(root):
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
    return digest.hexdigest()


def outputs_key(folder: Path) -> str:
    """A hash of the executed notebooks in folder (a build with their outputs)."""
    digest = hashlib.sha256()
    for path in sorted(folder.glob("*.ipynb")):
        digest.update(path.name.encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()


def ensure_fresh(cache: Path, key: str) -> bool:
    """Empty cache unless it was filled under key; True if it was emptied.

    Sphinx's saved environments beside it (every ``.doctrees`` under the
    cache's folder, one per edition) go too: with them, Sphinx would not even
    read an unchanged lesson again, so nothing would execute.
    """
    stamp = cache.with_name(cache.name + ".key")
    if stamp.is_file() and stamp.read_text().strip() == key:
        return False
    shutil.rmtree(cache, ignore_errors=True)
    for doctrees in sorted(cache.parent.rglob(".doctrees")):
        shutil.rmtree(doctrees, ignore_errors=True)
    stamp.parent.mkdir(parents=True, exist_ok=True)
    stamp.write_text(key + "\n")
    return True


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m coursegen cache-key CACHE_FOLDER", file=sys.stderr)
        return 2
    cache = Path(argv[0])
    built_before = cache.with_name(cache.name + ".key").exists()
    if ensure_fresh(cache, code_key()) and built_before:
        print(
            "relu_course, requirements.lock, tools/execution.env, Python or the "
            "kernel changed: every lesson runs again"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
