"""Lesson kernels forked from a process that has already imported the lessons' modules.

Every lesson starts its kernel and imports torch, NumPy, matplotlib and
relu_course: about 2.5 s of CPU before its first cell, 16 lessons a build, once
per kernel set in `make test`. A fork server imports them once; each kernel is
then a fork of it (~0.1 s). The kernel runs the same code under the same
environment: a fork server serves only kernels whose environment equals the one
it imported under (the CPU kernel sets of tests/conftest.py each get their own),
and the kernel gets its own working folder, environment, streams and signals.

    with forkserver.serving():  # as coursegen/execute.py and tests/conftest.py do
        ...  # each CourseKernelManager kernel started here is forked

How: CourseKernelManager (coursegen/kernels.py) starts `python -m
coursegen.forkserver <kernel command>`, a small launcher, instead of the kernel.
It asks the fork server for its environment (started on first use, or ahead by
`prestart`) to fork a kernel, hands it its streams, forwards signals to it and
exits with its status; if the launcher is killed, the server kills the kernel.
Where anything fails, the launcher becomes the kernel (exec). Linux only: on
macOS a fork after importing its system frameworks is unsafe; there every kernel
starts fresh."""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import importlib.util
import json
import os
import selectors
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import NoReturn, TypedDict

SUPPORTED = sys.platform == "linux"
FOLDER = "RELU_COURSE_FORKSERVER"  # where the servers' sockets are; set by serving()
OFF = (
    "off"  # RELU_COURSE_FORKSERVER=off: every kernel starts fresh (make bench compares)
)
OWNER = "RELU_COURSE_FORKSERVER_OWNER"  # the process whose exit ends the servers
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
# What a kernel does not inherit: coverage's subprocess measurement, on while the
# unit tests run. A lesson kernel is stopped at once when its outputs are in, so it
# never writes its data: tracing it only slowed every lesson the tests executed.
# (A launcher and a server keep it: the tests measure them.)
NOT_INHERITED = ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START")
# What may differ between kernels of one server: the launcher's process id
# (jupyter_client sets it) and the fork server's own variables.
VOLATILE = {"JPY_PARENT_PID", "JPY_SESSION_NAME", FOLDER, OWNER}
# ... and pytest's bookkeeping: PYTEST_CURRENT_TEST names the test that starts a
# kernel (nbval's: a notebook's first cell), PYTEST_XDIST_WORKER the worker. Kept
# in, every notebook had a server of its own. No module reads them on import.
VOLATILE_PREFIXES = ("PYTEST_",)
TICK = 0.2  # seconds between the server's looks at its owner and its children
START_TIMEOUT = 120  # seconds a launcher waits for a new server to listen


class Request(TypedDict):
    """What a launcher asks of the server: its kernel's command, folder, environment."""

    command: list[str]
    cwd: str
    env: dict[str, str]


def fingerprint(env: dict[str, str]) -> str:
    """A short name for an environment, leaving out what differs per kernel."""
    kept = sorted(
        (k, v)
        for k, v in env.items()
        if k not in VOLATILE and not k.startswith(VOLATILE_PREFIXES)
    )
    return hashlib.sha256(json.dumps(kept).encode()).hexdigest()[:16]


@contextlib.contextmanager
def serving() -> Iterator[Path | None]:
    """Fork the course's kernels from fork servers until the block ends.

    The servers start on first use, one per environment, and stop when the block
    ends (or when this process dies). Nested blocks share the outer one's servers.
    """
    outer = os.environ.get(FOLDER)
    if not SUPPORTED or outer:
        yield Path(outer) if outer and outer != OFF else None
        return
    # Short: a socket's path may have about 100 bytes.
    folder = Path(tempfile.mkdtemp(prefix="relu-fs-"))
    os.environ[FOLDER], os.environ[OWNER] = str(folder), str(os.getpid())
    try:
        yield folder
    finally:
        os.environ.pop(FOLDER, None)
        os.environ.pop(OWNER, None)
        shutil.rmtree(folder, ignore_errors=True)  # the servers see it gone and stop


def kernel_command(
    command: list[str], env: dict[str, str]
) -> tuple[list[str], dict[str, str]]:
    """The command and environment that start a kernel: forked where env asks."""
    if SUPPORTED and env.get(FOLDER, OFF) != OFF and _is_ipykernel(command):
        return [sys.executable, "-m", "coursegen.forkserver", *command], env
    return command, _kernel_env(env)


def prestart() -> Path | None:
    """Start, in a thread, the server this process's kernels will ask for; where
    it will listen (None: no serving block). Its imports overlap what comes
    before the first kernel; its environment is a kernel's (`fingerprint`
    leaves out what the kernel manager adds), so that kernel's launcher uses it."""
    folder = os.environ.get(FOLDER, OFF)
    if not SUPPORTED or folder == OFF:
        return None
    env, owner = _kernel_env(dict(os.environ)), os.environ.get(OWNER, "")

    def start() -> None:
        with contextlib.suppress(OSError):  # a launcher tries again, and says why
            _, server = _ensure_server(Path(folder), env, owner)
            if server is not None:
                server.wait()  # reaped when it ends, with the serving block

    threading.Thread(target=start, daemon=True).start()
    return Path(folder) / f"{fingerprint(env)}.sock"


def _kernel_env(env: dict[str, str]) -> dict[str, str]:
    """env without what a kernel does not inherit, nor the fork server's variables."""
    left_out = (*NOT_INHERITED, FOLDER, OWNER)
    return {k: v for k, v in env.items() if k not in left_out}


def kernel_pid(launcher: int) -> int:
    """The process id of the kernel a launcher started (the launcher's own if none)."""
    record = Path(os.environ.get(FOLDER, OFF)) / f"{launcher}.kernel"
    try:
        return int(record.read_text())
    except (OSError, ValueError):
        return launcher


def _is_ipykernel(command: list[str]) -> bool:
    """True for `<this python> -m ipykernel_launcher ...`, the kernels it can fork."""
    return (
        len(command) > 3
        and command[1:3] == ["-m", "ipykernel_launcher"]
        and os.path.realpath(command[0]) == os.path.realpath(sys.executable)
    )


# --- the launcher: one per kernel, in the kernel manager's place -------------------
def launch(command: list[str]) -> int:
    """Have the fork server for this environment fork the kernel; its exit status."""
    folder, owner = Path(os.environ.get(FOLDER, "")), os.environ.get(OWNER, "")
    env = _kernel_env(dict(os.environ))  # the kernel's
    try:
        address, _ = _ensure_server(folder, env, owner)
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.connect(str(address))
        _send(server, {"command": command, "cwd": os.getcwd(), "env": env})
        replies = server.makefile("r")
        pid = int(replies.readline())
        (folder / f"{os.getpid()}.kernel").write_text(str(pid))  # for kernel_pid()
    except (OSError, ValueError):
        os.execve(command[0], command, env)  # no fork server: be the kernel
    for number in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT):
        signal.signal(number, lambda signum, _: os.kill(pid, signum))
    status = replies.readline()  # the kernel's exit status, when it has exited
    return int(status) if status.strip() else 1


def _ensure_server(
    folder: Path, env: dict[str, str], owner: str
) -> tuple[Path, subprocess.Popen[bytes] | None]:
    """The address of the fork server for env in folder, and its process if this
    call started it (None if it was listening)."""
    address = folder / f"{fingerprint(env)}.sock"
    with open(address.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process starts it, the others wait
        if address.exists():
            return address, None
        return address, _start_server(address, {**os.environ, OWNER: owner})


def _start_server(address: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start the fork server at address and wait until it listens."""
    with open(address.with_suffix(".log"), "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "coursegen.forkserver", "--serve", str(address)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # a kernel's interrupt never reaches it
        )
    deadline = time.monotonic() + START_TIMEOUT
    while not address.exists():
        if server.poll() is not None or time.monotonic() > deadline:
            raise OSError(
                f"the fork server did not start; see {address.with_suffix('.log')}"
            )
        time.sleep(0.01)
    return server


def _send(connection: socket.socket, request: Request) -> None:
    """Send a request and this process's standard streams for the kernel to use."""
    data = json.dumps(request).encode()
    socket.send_fds(connection, [struct.pack("!I", len(data)) + data], [0, 1, 2])


def _receive(connection: socket.socket) -> tuple[Request, list[int]]:
    """A request and the streams sent with it."""
    data, fds, _, _ = socket.recv_fds(connection, 1 << 16, 3)
    (size,) = struct.unpack("!I", data[:4])
    data = data[4:]
    while len(data) < size:
        more = connection.recv(size - len(data))
        if not more:
            raise OSError("the launcher closed its connection mid-request")
        data += more
    request: Request = json.loads(data)
    return request, fds


# --- the server: one per environment, forks the kernels -------------------------
def serve(address: Path) -> int:
    """Import PRELOAD, then fork a kernel for each launcher, until the owner is gone."""
    _preload()
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


def _preload() -> None:
    """Import what every lesson imports, as its kernel would, under its environment."""
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]  # as ipykernel_launcher does: the kernel adds its folder back
    # ipykernel sets this when it starts (kernelapp.py); matplotlib reads it on import.
    os.environ.setdefault("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    for name in PRELOAD:
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
    request, fds = _receive(connection)
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
    try:
        kernelapp.launch_new_instance(argv=argv)
    except SystemExit as stop:
        return stop.code if isinstance(stop.code, int) else int(stop.code is not None)
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return 0


def main(argv: list[str]) -> int:
    if argv[:1] == ["--serve"]:
        return serve(Path(argv[1]))
    return launch(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
