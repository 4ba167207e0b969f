"""Run the articles' code listings as printed; used by tests/test_article_listings.py.

    python runner.py RESULTS.json ID [ID ...]

Each listing runs in a process of its own, forked from this one, in a fresh
directory under the current one, with a fresh namespace. Before it, the
listings named on its `# after:` header line (and theirs, recursively) run in
the same namespace, as for a reader who runs the article from the top: their
errors do not stop it, as a failing cell does not stop the next one, and their
output is not part of its output.

A listing's `# mode:` header line says how the article prints it:
- (none): a script; nothing is echoed;
- repl: an interactive session; the value of each top-level expression is echoed;
- notebook: a Jupyter cell; the value of the last expression, if any, is shown.
Values are shown with sys.displayhook, that is, with repr().

The listing's outcome is its standard output and the first exception it
raises, if any ("Type: message"). RESULTS.json maps each ID to {"stdout",
"error", "after_errors", "timed_out", "crashed"}; "available" maps the modules
of OPTIONAL to whether this Python can import them. The environment variable
LISTING_TIMEOUT (seconds, default 60) limits each listing.

NumPy, PyTorch and matplotlib are imported here once, before forking, so that
each listing does not pay for it again; a listing still has to import them
itself to use them, as printed.
"""

from __future__ import annotations

import ast
import importlib.util
import json
import os
import re
import signal
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
OPTIONAL = ("tensorflow", "keras")
HEADER = re.compile(r"^# (mode|after): (.*)$")


def header(listing: str) -> dict[str, str]:
    """The `# mode:` and `# after:` lines at the top of a listing file."""
    found = {}
    for line in (HERE / f"{listing}.py").read_text().splitlines():
        if not line.startswith("#"):
            break
        if match := HEADER.match(line):
            found[match.group(1)] = match.group(2)
    return found


def mode_of(listing: str) -> str:
    return header(listing).get("mode", "script").split()[0]


def after_of(listing: str) -> list[str]:
    """The listings to run first, in order, each once."""
    order: list[str] = []
    for earlier in filter(None, re.split(r"[,\s]+", header(listing).get("after", ""))):
        for name in [*after_of(earlier), earlier]:
            if name not in order:
                order.append(name)
    return order


def execute(listing: str, namespace: dict) -> None:
    """Run one listing's file in namespace, the way its mode says."""
    path = HERE / f"{listing}.py"
    tree = ast.parse(path.read_text(), str(path))
    mode = mode_of(listing)
    if mode == "repl":
        for statement in tree.body:
            interactive = ast.Interactive(body=[statement])
            exec(compile(interactive, str(path), "single"), namespace)
        return
    last = tree.body[-1] if tree.body else None
    if mode == "notebook" and isinstance(last, ast.Expr):
        tree.body.pop()
        exec(compile(tree, str(path), "exec"), namespace)
        value = eval(compile(ast.Expression(last.value), str(path), "eval"), namespace)
        sys.displayhook(value)
        return
    exec(compile(tree, str(path), "exec"), namespace)


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {error}"


def redirect(stdout: Path, stderr: Path) -> None:
    """Send this process's standard output and error (fd level) to two files."""
    sys.stdout.flush()
    sys.stderr.flush()
    for target, path in ((1, stdout), (2, stderr)):
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(fd, target)
        os.close(fd)


def child(listing: str, workdir: Path) -> None:
    """In the forked process: run the listing and write workdir/result.json."""
    os.chdir(workdir)
    namespace: dict = {"__name__": "__main__", "__builtins__": __builtins__}
    after_errors = {}
    redirect(workdir / "after.log", workdir / "after.log")
    for earlier in after_of(listing):
        try:
            execute(earlier, namespace)
        except BaseException as error:  # a reader's failed cell; go on
            traceback.print_exc()
            after_errors[earlier] = describe(error)
    redirect(workdir / "stdout.txt", workdir / "stderr.txt")
    error = None
    try:
        execute(listing, namespace)
    except BaseException as raised:
        error = describe(raised)
        traceback.print_exc()
    sys.stdout.flush()
    sys.stderr.flush()
    result = {"error": error, "after_errors": after_errors}
    (workdir / "result.json").write_text(json.dumps(result))


def run(listing: str, timeout: float) -> dict:
    workdir = Path.cwd() / listing
    workdir.mkdir()
    pid = os.fork()
    if pid == 0:
        try:
            child(listing, workdir)
        finally:
            os._exit(0)
    deadline = time.monotonic() + timeout
    timed_out = False
    while os.waitpid(pid, os.WNOHANG) == (0, 0):
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            timed_out = True
            break
        time.sleep(0.02)
    stdout = workdir / "stdout.txt"
    result_file = workdir / "result.json"
    result = json.loads(result_file.read_text()) if result_file.exists() else {}
    return {
        "stdout": stdout.read_text(errors="replace") if stdout.exists() else "",
        "error": result.get("error"),
        "after_errors": result.get("after_errors", {}),
        "timed_out": timed_out,
        # The process died without writing its result (a crash, os._exit, ...).
        "crashed": not timed_out and not result_file.exists(),
    }


def main(results: str, *listings: str) -> None:
    import matplotlib.pyplot  # noqa: F401 (speed only, see above)
    import numpy  # noqa: F401
    import torch  # noqa: F401

    timeout = float(os.environ.get("LISTING_TIMEOUT", "60"))
    found = {name: importlib.util.find_spec(name) is not None for name in OPTIONAL}
    out = {"available": found, "listings": {}}
    for listing in listings:
        out["listings"][listing] = run(listing, timeout)
    Path(results).write_text(json.dumps(out, indent=1))


if __name__ == "__main__":
    main(*sys.argv[1:])
