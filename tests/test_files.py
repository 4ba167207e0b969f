"""coursegen/sphinx/files.py: a file written in one step, read whole by any reader."""

from __future__ import annotations

import os
import threading

import pytest

from coursegen.sphinx import files


def test_a_file_being_replaced_is_read_whole_old_or_new_never_in_part(tmp_path):
    path = tmp_path / "katex.min.css"
    versions = [b"a" * 200_000, b"b" * 300_000]  # each write differs from the last
    files.write(path, versions[0])
    seen: set[bytes] = set()
    done = threading.Event()

    def read() -> None:
        while not done.is_set():
            seen.add(path.read_bytes())

    reader = threading.Thread(target=read)
    reader.start()
    for index in range(200):
        files.write(path, versions[index % 2])
    done.set()
    reader.join()
    assert seen <= set(versions)
    assert oct(path.stat().st_mode & 0o777) == oct(0o644)  # readable, as before
    assert [p.name for p in tmp_path.iterdir()] == ["katex.min.css"]  # no temp left


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(tmp_path):
    path = tmp_path / "fig.webp"
    path.write_bytes(b"old")

    def write_half() -> None:
        with files.replacing(path) as part:
            part.write_bytes(b"half a fi")
            raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_half()
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["fig.webp"]


def test_the_same_data_is_not_written_again_and_other_data_is(tmp_path):
    path = tmp_path / "katex.min.css"
    files.write(path, b"css")
    os.utime(path, ns=(0, 0))  # a time no write leaves
    files.write(path, b"css")
    assert path.stat().st_mtime_ns == 0
    files.write(path, b"other css")
    assert path.read_bytes() == b"other css"
