"""coursegen/forkserver.py: lesson kernels forked from a server that imported torch."""

from __future__ import annotations

import ast
import contextlib
import os
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from jupyter_client.blocking.client import BlockingKernelClient

from coursegen import execute, forkserver, kernel_forks
from coursegen.kernel_forks import PRELOAD
from coursegen.kernels import CourseKernelManager
from tests import small_course  # the root is on sys.path (python -m pytest)

pytestmark = pytest.mark.skipif(
    not forkserver.SUPPORTED, reason="kernels are forked on Linux only"
)

# What a kernel reports about itself: enough to tell a fork from a fresh start and
# to compare what its code sees.
STATE = {
    "pid": "os.getpid()",
    "parent": "os.getppid()",
    "cwd": "os.getcwd()",
    "env": "dict(os.environ)",
    "path": "sys.path",
    "argv0": "sys.argv[0]",
    "options": "sys.argv[1:-1]",  # the last is the kernel's own connection file
    "backend": "__import__('matplotlib').get_backend()",
    "torch_loaded": "'torch' in sys.modules",
    "capability": "__import__('torch').backends.cpu.get_cpu_capability()",
    "random": "__import__('random').random()",
    "np_random": "__import__('numpy').random.random()",
    # Read from JPY_PARENT_PID when ipykernel is imported; 0 prints a banner.
    "parent_handle": "__import__('ipykernel.kernelapp').kernelapp"
    ".IPKernelApp.instance().parent_handle",
}


@contextlib.contextmanager
def kernel(cwd: Path) -> Iterator[tuple[CourseKernelManager, BlockingKernelClient]]:
    """A kernel started as the course starts a lesson's, in cwd."""
    manager = CourseKernelManager()
    manager.start_kernel(cwd=str(cwd))
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=120)
        yield manager, client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def ask(
    client: BlockingKernelClient,
    code: str = "import os, sys",
    expressions: dict[str, str] = STATE,
) -> dict[str, object]:
    """Run code in the kernel, then each expression (of STATE); their values."""
    reply = client.execute_interactive(
        code, user_expressions=expressions, timeout=120, output_hook=lambda _: None
    )
    values = reply["content"]["user_expressions"]
    assert all(v["status"] == "ok" for v in values.values()), values
    return {k: ast.literal_eval(v["data"]["text/plain"]) for k, v in values.items()}


def started(cwd: Path, env: dict[str, str] | None = None) -> dict[str, object]:
    """What a kernel started in cwd, under os.environ plus env, sees first."""
    with pytest.MonkeyPatch.context() as patch:
        for name, value in (env or {}).items():
            patch.setenv(name, value)
        with kernel(cwd) as (_, client):
            return ask(client)


def comparable(state: dict[str, object]) -> dict[str, object]:
    """A kernel's state without what differs between any two kernels."""
    env = {k: v for k, v in state["env"].items() if k != "JPY_PARENT_PID"}  # type: ignore[union-attr]
    unlike = {"pid", "parent", "env", "torch_loaded", "random", "np_random"}
    return {**{k: v for k, v in state.items() if k not in unlike}, "env": env}


def test_a_kernel_is_forked_with_torch_imported_and_sees_what_a_fresh_one_sees(
    tmp_path,
):
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(forkserver.FOLDER, forkserver.OFF)
        fresh = started(tmp_path)
    with forkserver.serving() as folder:
        with forkserver.serving() as inner:
            assert inner == folder  # a nested block shares the servers
        with kernel(tmp_path) as (manager, client):
            forked = ask(client)
            launcher = manager.provisioner.process.pid  # type: ignore[union-attr]
            assert forkserver.kernel_pid(launcher) == forked["pid"] != launcher
        sibling = started(tmp_path)
        servers = list(folder.glob("*.sock"))
    assert fresh["torch_loaded"] is False  # a fresh kernel imports it in its cells
    assert forked["torch_loaded"] is True  # the server had imported it
    assert forked["parent"] == sibling["parent"] != fresh["parent"]  # one server
    assert len(servers) == 1
    assert comparable(forked) == comparable(fresh)
    assert forked["backend"] == "module://matplotlib_inline.backend_inline"
    assert forked["random"] != sibling["random"]  # not one seed for all the forks
    assert forked["np_random"] != sibling["np_random"]


def test_a_server_imports_only_the_preloaded_modules_its_blocks_lessons_import(
    tmp_path,
):
    with forkserver.serving(imports={"math", "numpy"}) as folder:
        with kernel(tmp_path) as (manager, client):
            launcher = manager.provisioner.process.pid  # type: ignore[union-attr]
            assert forkserver.kernel_pid(launcher) != launcher  # forked
            loaded = ask(
                client, "import sys", {m: f"{m!r} in sys.modules" for m in PRELOAD}
            )
        servers = list(folder.glob("*.sock"))
    assert len(servers) == 1
    assert loaded == {m: m in (kernel_forks.KERNEL, "numpy") for m in PRELOAD}
    assert loaded["torch"] is False  # no lesson of the block imports it


def test_each_kernel_set_gets_a_server_that_imported_torch_under_its_environment(
    tmp_path,
):
    with forkserver.serving() as folder:
        native = started(tmp_path)
        generic = started(tmp_path, {"ATEN_CPU_CAPABILITY": "default"})
        servers = list(folder.glob("*.sock"))
    assert generic["capability"] == "DEFAULT"
    assert native["capability"] != "DEFAULT" or os.uname().machine != "x86_64"
    assert len(servers) == 2
    assert generic["parent"] != native["parent"]


def test_an_interrupt_reaches_the_forked_kernel(tmp_path):
    with forkserver.serving(), kernel(tmp_path) as (manager, client):
        asked = client.execute("import time; time.sleep(60)")
        time.sleep(1)  # let it start sleeping
        began = time.perf_counter()
        manager.interrupt_kernel()
        reply = client.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != asked:
            reply = client.get_shell_msg(timeout=30)
        assert reply["content"]["status"] == "error", reply["content"]
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        assert time.perf_counter() - began < 10
        # ipykernel 7 aborts what arrives just after an error, until a message it
        # queues after replying; a request sent at once may come back "aborted".
        client.execute_interactive("pass", timeout=30)
        assert ask(client)["torch_loaded"] is True  # and it goes on


def test_a_kernel_stopped_at_once_is_gone_and_the_servers_end_with_the_block(tmp_path):
    with forkserver.serving() as folder:
        with kernel(tmp_path) as (_, client):
            state = ask(client)
        deadline = time.monotonic() + 10
        while _alive(state["pid"]) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not _alive(state["pid"])  # killed with its launcher
        server = state["parent"]
        assert _alive(server)
    deadline = time.monotonic() + 10
    while _alive(server) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _alive(server)
    assert not folder.exists()
    assert forkserver.FOLDER not in os.environ


def test_a_kernel_asked_to_stop_exits_and_so_does_its_launcher(tmp_path):
    with forkserver.serving():
        manager = CourseKernelManager()
        manager.start_kernel(cwd=str(tmp_path))
        client = manager.client()
        client.start_channels()
        client.wait_for_ready(timeout=120)
        state = ask(client)
        client.stop_channels()
        manager.shutdown_kernel(now=False)  # a shutdown request, as nbval sends
        launcher = manager.provisioner.process  # type: ignore[union-attr]
    assert launcher is None or launcher.poll() == 0
    assert not _alive(state["pid"])


def test_a_kernel_without_a_server_starts_fresh(tmp_path, monkeypatch):
    command = [sys.executable, "-m", "ipykernel_launcher", "-f", "k.json"]
    env = {"PATH": "/bin"}
    assert forkserver.kernel_command(command, env) == (command, env)
    off = {**env, forkserver.FOLDER: forkserver.OFF}
    assert forkserver.kernel_command(command, off) == (command, env)
    asked = {**env, forkserver.FOLDER: "x", forkserver.OWNER: "1"}
    other = ["/usr/bin/python3", "-m", "ipykernel_launcher", "-f", "k.json"]
    assert forkserver.kernel_command(other, asked) == (other, env)
    launcher = [sys.executable, "-m", "coursegen.forkserver", *command]
    assert forkserver.kernel_command(command, asked) == (launcher, asked)
    # A server that cannot start (its folder is gone): the launcher is the kernel.
    monkeypatch.setenv(forkserver.FOLDER, str(tmp_path / "gone"))
    state = started(tmp_path)
    assert state["torch_loaded"] is False
    assert state["capability"]


def test_a_prestarted_server_is_the_one_the_first_kernel_is_forked_from(tmp_path):
    with forkserver.serving() as folder:
        address = forkserver.prestart()
        assert address is not None
        assert not address.exists()  # it returned at once: the server imports
        deadline = time.monotonic() + 120
        while not address.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert address.exists()  # it listens before any kernel asked for it
        state = started(tmp_path)
        servers = list(folder.glob("*.sock"))
        server = Path(f"/proc/{state['parent']}/cmdline").read_bytes().split(b"\0")
    assert servers == [address]  # the kernel's launcher started no other
    assert server[-3:-1] == [b"coursegen.kernel_forks", str(address).encode()]
    assert state["torch_loaded"] is True
    # As jupyter_client set it for the launcher, though the server started
    # without one: with 0, the kernel printed `ipython kernel`'s terminal banner.
    assert state["parent_handle"] == os.getpid()


def test_nothing_is_prestarted_without_a_serving_block(monkeypatch):
    monkeypatch.delenv(forkserver.FOLDER, raising=False)
    assert forkserver.prestart() is None
    monkeypatch.setenv(forkserver.FOLDER, forkserver.OFF)
    assert forkserver.prestart() is None


def test_a_server_is_named_by_the_environment_but_not_by_a_kernels_own_variables():
    env = {"PATH": "/bin", "ATEN_CPU_CAPABILITY": "default"}
    name = forkserver.fingerprint(env)
    assert forkserver.fingerprint({**env, "JPY_PARENT_PID": "123"}) == name
    per_test = {"PYTEST_CURRENT_TEST": "x.ipynb::Cell 0 (setup)"}
    assert forkserver.fingerprint({**env, **per_test}) == name  # nbval's notebooks
    assert forkserver.fingerprint({**env, "PYTEST_XDIST_WORKER": "gw1"}) == name
    terminal = {"COLUMNS": "80", "LINES": "24"}  # readline's, in spawned processes
    assert forkserver.fingerprint({**env, **terminal}) == name
    assert forkserver.fingerprint({**env, "ATEN_CPU_CAPABILITY": "avx2"}) != name
    assert forkserver.fingerprint({"PATH": "/bin"}) != name


def _alive(pid: object) -> bool:
    """Whether a process runs (a zombie counts as gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


FIGURES = """\
# Figures

```{code-cell} ipython3
import matplotlib.pyplot as plt
from myst_nb import glue
```

```{code-cell} ipython3
plt.plot([0, 1], [0, 1])
plt.show()
```

```{code-cell} ipython3
fig, ax = plt.subplots()
ax.plot([0, 1], [1, 0])
glue("a_number", 0.5)
```
"""


def test_a_lessons_figures_and_glue_come_out_of_a_forked_kernel_as_out_of_a_fresh_one(
    tmp_path, monkeypatch
):
    # A lesson that never calls rc.use_course_style: the inline backend must hook
    # itself into the kernel's shell (it does when imported in the kernel, not when
    # imported before the fork), or figures come out as text.
    lesson = small_course.write(tmp_path, {"figures": FIGURES}) / "lessons/figures.md"

    def outputs() -> list[list[tuple[str, list[str]]]]:
        nb, _ = execute.execute(lesson)
        return [
            [(o.output_type, sorted(o.get("data", {}))) for o in cell.outputs]
            for cell in nb.cells
            if cell.cell_type == "code"
        ]

    monkeypatch.setenv(forkserver.FOLDER, forkserver.OFF)
    fresh = outputs()
    monkeypatch.delenv(forkserver.FOLDER)
    with forkserver.serving():
        forked = outputs()
    assert forked == fresh
    assert ("display_data", ["image/png", "text/plain"]) in fresh[1]
    assert ("display_data", ["image/png", "text/plain"]) in fresh[2]
