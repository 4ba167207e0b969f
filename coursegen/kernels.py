"""Lesson kernels on IPC transport: Unix sockets instead of TCP ports.

Every kernel the course starts (the book's executor, `make expected`, nbval in
`make test`) talks to its client over Unix sockets with a name of its own, not
over TCP ports on localhost. Why: a client picks "free" TCP ports by binding and
releasing them, and when several kernels start at once another one can take a
port in between (a fresh-clone CI run once lost a kernel that way); and ipykernel
warns at every TCP start that its traffic is unencrypted. Windows has no IPC
transport, so there the kernels keep TCP.

    from coursegen.kernels import CourseKernelManager
    NotebookClient(nb, kernel_manager_class=CourseKernelManager, ...)
"""

from __future__ import annotations

import os
import tempfile
import uuid
from typing import Any

from jupyter_client.manager import KernelManager

from coursegen import forkserver

IPC = os.name != "nt"  # Unix sockets: Linux and macOS


def socket_prefix() -> str:
    """A path no other kernel uses; the kernel's sockets are PREFIX-1 to PREFIX-5.

    Short: a Unix socket's path must fit in 104 bytes on macOS, whose temporary
    folder alone takes about 50.
    """
    return os.path.join(tempfile.gettempdir(), f"relu-{uuid.uuid4().hex[:12]}")


class CourseKernelManager(KernelManager):
    """A KernelManager whose kernel listens on Unix sockets of its own (IPC)."""

    def __init__(self, **kwargs: Any) -> None:
        if IPC:
            kwargs.setdefault("transport", "ipc")
            kwargs.setdefault("ip", socket_prefix())
        super().__init__(**kwargs)

    async def _async_launch_kernel(self, kernel_cmd: list[str], **kw: Any) -> None:
        """Launch as KernelManager does, forked where it can be (forkserver.py)."""
        env = kw.get("env")
        if isinstance(env, dict):
            kernel_cmd, kw["env"] = forkserver.kernel_command(kernel_cmd, env)
        await super()._async_launch_kernel(kernel_cmd, **kw)
