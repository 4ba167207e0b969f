"""coursegen/kernels.py: every lesson kernel talks over Unix sockets of its own."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import nbval.kernel
import pytest

from coursegen import kernels

pytestmark = pytest.mark.skipif(not kernels.IPC, reason="no IPC transport on Windows")


def test_each_manager_gets_ipc_sockets_of_its_own_in_the_temporary_folder():
    first, second = kernels.CourseKernelManager(), kernels.CourseKernelManager()
    assert first.transport == second.transport == "ipc"
    assert first.ip != second.ip  # no two kernels can pick the same sockets
    assert Path(first.ip).parent == Path(tempfile.gettempdir())
    assert len(first.ip) + len("-1") < 100  # a Unix socket path holds ~104 bytes


def test_the_sockets_fit_in_macos_temporary_folder(monkeypatch):
    # A Unix socket's path holds 104 bytes on macOS, whose $TMPDIR is this long.
    macos_tmp = "/var/folders/zz/zyxvpxvq6csfxvn_n0000000000000/T"
    monkeypatch.setattr(tempfile, "gettempdir", lambda: macos_tmp)
    assert len(kernels.socket_prefix().encode()) + len(b"-5") < 104  # NUL ends it


def test_a_kernel_answers_over_ipc_says_nothing_on_stderr_and_leaves_no_socket(
    tmp_path,
):
    manager = kernels.CourseKernelManager(kernel_name="python3")
    with open(tmp_path / "stderr", "w") as stderr:
        manager.start_kernel(stderr=stderr, cwd=str(tmp_path))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        reply = client.execute_interactive("x = 6 * 7", timeout=60)
        assert reply["content"]["status"] == "ok"
        sockets = sorted(Path(manager.ip).parent.glob(Path(manager.ip).name + "-*"))
        assert sockets, "the kernel listens on no socket of its prefix"
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    # ipykernel's "Kernel is running over TCP without encryption" is gone
    assert (tmp_path / "stderr").read_text() == ""
    assert not list(Path(manager.ip).parent.glob(Path(manager.ip).name + "-*"))
    assert os.listdir(tmp_path) == ["stderr"]  # nothing in the lesson's folder


def test_nbval_starts_its_kernels_with_the_course_manager():
    # tests/conftest.py swaps it in, so `make test` starts no TCP kernel
    assert nbval.kernel.KernelManager is kernels.CourseKernelManager


def test_a_kernel_does_not_inherit_coverages_subprocess_measurement(
    tmp_path, monkeypatch
):
    monkeypatch.setenv("COVERAGE_PROCESS_CONFIG", "{}")
    monkeypatch.setenv("COURSE_KERNEL_PROBE", "inherited")
    manager = kernels.CourseKernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(tmp_path))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        code = (
            "import os; print(os.environ.get('COVERAGE_PROCESS_CONFIG'), "
            "os.environ.get('COURSE_KERNEL_PROBE'))"
        )
        printed = []
        client.execute_interactive(
            code,
            timeout=60,
            output_hook=lambda msg: printed.append(msg["content"].get("text", "")),
        )
        assert "".join(printed).split() == ["None", "inherited"]
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
