"""Keep the execution cache honest: empty it when relu_course or the pins change.

jupyter-cache keys a lesson on its code cells only, so after a change to
relu_course or to requirements.lock a warm build would serve outputs computed
with the old code. `make book` runs this first (every edition shares the
cache): it hashes relu_course's source and requirements.lock, and when the hash
differs from the one the cache was filled with, it empties the cache so every
lesson runs again.

    python tools/cache_key.py _build/.jupyter_cache
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def code_key(root: Path = ROOT) -> str:
    """A hash of what lessons run besides their own code: relu_course and the pins."""
    digest = hashlib.sha256()
    files = [*sorted((root / "relu_course").rglob("*.py")), root / "requirements.lock"]
    for path in files:
        digest.update(str(path.relative_to(root)).encode() + b"\0")
        digest.update(path.read_bytes() + b"\0")
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
        print("usage: python tools/cache_key.py CACHE_FOLDER", file=sys.stderr)
        return 2
    cache = Path(argv[0])
    built_before = cache.with_name(cache.name + ".key").exists()
    if ensure_fresh(cache, code_key()) and built_before:
        print("relu_course or requirements.lock changed: every lesson runs again")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
