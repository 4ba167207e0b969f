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
coursegen.forkserver <kernel command>`, a small launcher (here), instead of the
kernel. It asks the fork server for its environment (coursegen/kernel_forks.py,
started on first use, or ahead by `prestart`) to fork a kernel, hands it its
streams, forwards signals to it and exits with its status; if the launcher is
killed, the server kills the kernel. Where anything fails, the launcher becomes
the kernel itself (exec), as without a fork server. Linux only: on macOS a fork
after importing its system frameworks is unsafe, so there every kernel starts
fresh, as it always did.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TypedDict

SUPPORTED = sys.platform == "linux"
FOLDER = "RELU_COURSE_FORKSERVER"  # where the servers' sockets are; set by serving()
IMPORTS = "imports"  # the file in FOLDER naming the modules its kernels import
OFF = (
    "off"  # RELU_COURSE_FORKSERVER=off: every kernel starts fresh (make bench compares)
)
OWNER = "RELU_COURSE_FORKSERVER_OWNER"  # the process whose exit ends the servers
# What a kernel does not inherit: coverage's subprocess measurement, on while the
# unit tests run. A lesson kernel is stopped at once when its outputs are in, so it
# never writes its data: tracing it only slowed every lesson the tests executed.
# (A launcher and a server keep it: the tests measure them.)
NOT_INHERITED = ("COVERAGE_PROCESS_CONFIG", "COVERAGE_PROCESS_START")
# What may differ between kernels of one server: the launcher's process id
# (jupyter_client sets it), the fork server's own variables, and the terminal's
# size: GNU readline, once imported (a pytest session imports it), writes COLUMNS
# and LINES into its process's C environment, which os.environ does not show but
# the processes it starts inherit. Kept in, a spawned worker's kernels and the
# server prestarted from os.environ had different names: two servers.
VOLATILE = {"JPY_PARENT_PID", "JPY_SESSION_NAME", FOLDER, OWNER, "COLUMNS", "LINES"}
# ... and pytest's bookkeeping: PYTEST_CURRENT_TEST names the test that starts a
# kernel (nbval's: a notebook's first cell), PYTEST_XDIST_WORKER the worker. Kept
# in, every notebook had a server of its own. No module reads them on import.
VOLATILE_PREFIXES = ("PYTEST_",)
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


def _address(folder: Path, env: dict[str, str]) -> Path:
    """Where the fork server for kernels of env listens, in a serving block's folder."""
    return folder / f"{fingerprint(env)}.sock"


@contextlib.contextmanager
def serving(imports: Iterable[str] | None = None) -> Iterator[Path | None]:
    """Fork the course's kernels from fork servers until the block ends.

    The servers start on first use, one per environment, and stop when the block
    ends (or when this process dies). Nested blocks share the outer one's servers.
    imports names the top-level modules the kernels will import, where known: a
    server then imports only those of kernel_forks.PRELOAD (lessons that import no
    torch do not wait for it); None, all of them.
    """
    outer = os.environ.get(FOLDER)
    if not SUPPORTED or outer:
        yield Path(outer) if outer and outer != OFF else None
        return
    # Short: a socket's path may have about 100 bytes.
    folder = Path(tempfile.mkdtemp(prefix="relu-fs-"))
    if imports is not None:
        (folder / IMPORTS).write_text("".join(f"{name}\n" for name in sorted(imports)))
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
    """Start, in a thread, the server this process's lesson kernels will ask for;
    the address it will listen at (None where kernels are not forked: no serving
    block, RELU_COURSE_FORKSERVER=off, or not Linux).

    Its imports (~2.5 s) then overlap what comes before the first kernel asks for
    it: reading the other lessons, spawning the executor's workers, the kernel
    manager's start. Its environment is this process's, as a kernel's is (the
    workers and the kernel manager add only what `fingerprint` leaves out), so
    the first kernel's launcher finds it listening, or waits for it, and starts
    no other. (A kernel spec that adds variables would get a server of its own.)
    """
    folder = os.environ.get(FOLDER, OFF)
    if not SUPPORTED or folder == OFF:
        return None
    env = _kernel_env(dict(os.environ))
    server_env = dict(os.environ)  # now: the block may end meanwhile

    def start() -> None:
        # Where it fails, the first kernel's launcher tries again itself, and if
        # that fails too, starts the kernel fresh.
        with contextlib.suppress(OSError):
            _, server = _ensure_server(Path(folder), env, server_env)
            if server is not None:
                server.wait()  # reaped when it ends, with the serving block

    threading.Thread(target=start, daemon=True).start()
    return _address(Path(folder), env)


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
    folder = Path(os.environ.get(FOLDER, ""))
    env = _kernel_env(dict(os.environ))  # the kernel's
    try:
        address, _ = _ensure_server(folder, env, dict(os.environ))
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
    folder: Path, env: dict[str, str], server_env: dict[str, str]
) -> tuple[Path, subprocess.Popen[bytes] | None]:
    """The address of the fork server for kernels of env in folder, started under
    server_env if there is none; its process if this call started it."""
    address = _address(folder, env)
    with open(address.with_suffix(".lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # one process starts it, the others wait
        if address.exists():
            return address, None
        return address, _start_server(address, server_env)


def _start_server(address: Path, env: dict[str, str]) -> subprocess.Popen[bytes]:
    """Start the fork server at address and wait until it listens."""
    with open(address.with_suffix(".log"), "w") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "coursegen.kernel_forks", str(address)],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=log,
            start_new_session=True,  # a kernel's interrupt never reaches it
        )
    deadline = time.monotonic() + START_TIMEOUT
    while not address.exists():
        if server.poll() is not None or time.monotonic() > deadline:
            server.kill()  # a hung one is not left running
            server.wait()
            raise OSError(
                f"the fork server did not start; see {address.with_suffix('.log')}"
            )
        time.sleep(0.01)
    return server


def _send(connection: socket.socket, request: Request) -> None:
    """Send a request and this process's standard streams for the kernel to use."""
    data = json.dumps(request).encode()
    socket.send_fds(connection, [struct.pack("!I", len(data)) + data], [0, 1, 2])


def receive(connection: socket.socket) -> tuple[Request, list[int]]:
    """A launcher's request and the streams sent with it (what _send sends)."""
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


def main(argv: list[str]) -> int:
    return launch(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
