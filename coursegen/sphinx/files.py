"""Files a build writes in one step: a reader sees the old file or the new, not a part.

Part of the site extension (coursegen.sphinx.site says why and wires it up).
`make watch`'s waiting build and `make book` may stage the same files at the same
moment, and a build stopped mid-write must leave no half-written file behind.

>>> import tempfile
>>> folder = Path(tempfile.mkdtemp())
>>> write(folder / "a.txt", b"new")
>>> (folder / "a.txt").read_bytes(), [p.name for p in folder.iterdir()]
(b'new', ['a.txt'])
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["replacing", "write"]


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """A temporary file beside path, which replaces path when the block ends.

    Readable by all, as a plain write would leave it (a temporary file is
    private); removed, and path left as it was, if the block fails.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    os.close(handle)
    part = Path(name)
    try:
        yield part
        part.chmod(0o644)
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def write(path: Path, data: bytes) -> None:
    """path holding data, written in one step unless it holds data already."""
    if path.is_file() and path.read_bytes() == data:
        return
    with replacing(path) as part:
        part.write_bytes(data)
