"""The fork server: one process per environment that imports what every lesson
imports, then forks a lesson kernel for each launcher that asks (forkserver.py).

Started by a launcher or by `forkserver.prestart` as
`python -m coursegen.kernel_forks ADDRESS`; it listens at ADDRESS, a Unix socket
in the serving block's folder, and ends with that block (or its owner process),
killing the kernels still running.
"""

from __future__ import annotations

import contextlib
import importlib.util
import os
import selectors
import signal
import socket
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn

from coursegen.forkserver import IMPORTS, OWNER, Request, receive

# Modules a lesson imports, imported once by the server: its kernels start with them.
# Not matplotlib's inline backend: imported, it hooks itself into the kernel's shell
# (figures shown as PNG), which only exists after the fork.
PRELOAD = (
    "ipykernel.kernelapp",
    "numpy",
    "torch",
    "torch.nn.functional",
    "matplotlib.pyplot",
    "myst_nb",
    "relu_course",
)
KERNEL = PRELOAD[0]  # imported whatever the lessons import: every kernel runs it
TICK = 0.2  # seconds between the server's looks at its owner and its children


def serve(address: Path) -> int:
    """Import what of PRELOAD the lessons need, then fork a kernel for each launcher,
    until the owner is gone."""
    _preload(preloaded(address.parent))
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    listening = address.with_suffix(".new")
    listener.bind(str(listening))
    listener.listen(64)
    os.rename(listening, address)  # launchers see the address only once it listens
    selector = selectors.DefaultSelector()
    selector.register(listener, selectors.EVENT_READ)
    kernels: dict[int, socket.socket] = {}  # pid -> its launcher's connection
    while _owner_alive(address):
        for key, _ in selector.select(TICK):
            if key.fileobj is listener:
                connection, _ = listener.accept()
                pid = _fork_kernel(connection, listener, kernels)
                kernels[pid] = connection
                selector.register(connection, selectors.EVENT_READ, pid)
            elif not _read_or_eof(key.fileobj):  # type: ignore[arg-type]
                _kill(key.data)  # its launcher was killed: so is the kernel
        for pid, status in _exited():
            connection = kernels.pop(pid)
            selector.unregister(connection)
            with contextlib.suppress(OSError):
                connection.sendall(f"{status}\n".encode())
            connection.close()
    for pid in kernels:
        _kill(pid)
    return 0


def preloaded(folder: Path) -> list[str]:
    """What of PRELOAD the servers of a serving block's folder import: the kernel,
    and what its lessons import, where the block names it (forkserver.serving)."""
    try:
        imports = set((folder / IMPORTS).read_text().split())
    except FileNotFoundError:
        return list(PRELOAD)
    return [m for m in PRELOAD if m == KERNEL or m.split(".")[0] in imports]


def _preload(modules: list[str]) -> None:
    """Import what every lesson imports, as its kernel would, under its environment."""
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does: the kernel adds its folder back
    # ipykernel sets this when it starts (kernelapp.py); matplotlib reads it on import.
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for name in modules:
        try:
            __import__(name)
        except Exception as error:  # the lesson's own import shows it, in its cell
            print(f"fork server: could not import {name}: {error!r}", file=sys.stderr)


def _owner_alive(address: Path) -> bool:
    """Whether the block that started the fork servers is still open."""
    owner = int(os.environ.get(OWNER) or 0)
    if not address.exists():
        return False
    try:
        if owner:
            os.kill(owner, 0)  # signal 0: only asks whether it exists
    except ProcessLookupError:
        return False
    return True


def _read_or_eof(connection: socket.socket) -> bool:
    """False once the launcher at the other end has gone."""
    try:
        return bool(connection.recv(1))
    except OSError:
        return False


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


def _exited() -> Iterator[tuple[int, int]]:
    """Each kernel that has exited and its exit status (128 + N for signal N)."""
    while True:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = os.waitstatus_to_exitcode(status)
        yield pid, code if code >= 0 else 128 - code


def _fork_kernel(
    connection: socket.socket,
    listener: socket.socket,
    kernels: dict[int, socket.socket],
) -> int:
    """Fork a kernel for the launcher at connection; the kernel's pid."""
    request, fds = receive(connection)
    pid = os.fork()
    if pid:
        for fd in fds:
            os.close(fd)
        connection.sendall(f"{pid}\n".encode())
        return pid
    _become_kernel(request, fds, [listener, connection, *kernels.values()])


# The two functions below run in the forked kernel, which coverage never measures
# (its tracing stops at the fork); tests/test_forkserver.py checks what they do.
def _become_kernel(  # pragma: no cover
    request: Request, fds: list[int], sockets: list[socket.socket]
) -> NoReturn:
    """In the fork: the launcher's streams, folder and environment, then ipykernel."""
    code = 1
    try:
        for other in sockets:
            other.close()  # the server's, not the kernel's
        sys.settrace(None)
        threading.settrace(None)
        for number in (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT, signal.SIGCHLD):
            signal.signal(number, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        for target, fd in enumerate(fds):
            os.dup2(fd, target)
            os.close(fd)
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        code = _run_kernel(request["command"][3:])
    finally:
        os._exit(code)


def _run_kernel(argv: list[str]) -> int:  # pragma: no cover
    """Run ipykernel with argv as `python -m ipykernel_launcher` would; its status."""
    from ipykernel import kernelapp

    # A fresh process seeds NumPy's global generator from the system; forks would
    # share the server's. (Python's own `random` reseeds itself in a fork.)
    if "numpy.random" in sys.modules:
        sys.modules["numpy.random"].seed()
    launcher = importlib.util.find_spec("ipykernel_launcher")
    sys.argv = [launcher.origin if launcher and launcher.origin else "", *argv]
    # parent_handle defaults to JPY_PARENT_PID as it was when ipykernel was
    # imported in the server: none in a prestarted one, another launcher's in one
    # a launcher started. Given as this launcher's, a kernel does not print the
    # banner of a terminal's `ipython kernel` (Ctrl-C, --existing) into the build;
    # its parent poller then ends it if the server dies (its parent is the server).
    if parent := os.environ.get("JPY_PARENT_PID"):
        argv = [f"--IPKernelApp.parent_handle={parent}", *argv]  # not in sys.argv
    try:
        kernelapp.launch_new_instance(argv=argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return 0


if __name__ == "__main__":
    sys.exit(serve(Path(sys.argv[1])))
