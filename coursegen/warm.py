"""The book's next build, started ahead of time: Sphinx set up, waiting for a save.

    python -P coursegen/warm.py build ROOT OPTION ...   # jupyter-book's arguments

Half of rebuilding one page with `jupyter-book build` goes before Sphinx
looks at a source: starting Python, importing Sphinx, Jupyter Book and the
extensions, setting them up, unpickling the saved environment. `make watch`
(coursegen/watch.py) therefore starts the next build as soon as one ends:
this script runs the `jupyter-book` command itself, with the arguments `make
book` gives it (editions.jupyter_book), but its Sphinx application, once set
up, waits for a line on stdin before it builds: "build" builds, anything else
(or the end of stdin) ends the process without building; once built, it
prints the line BUILT with Sphinx's status. What Sphinx compares
to decide what to re-read and re-write (the sources and their times, the
saved environment, the output's build info) it looks at only once it builds,
so the pages are the ones `jupyter-book build` started after the save would
write.

It is run by path with -P, so that it imports coursegen's extensions from
where the `jupyter-book` script would (the installed package, or PYTHONPATH),
not from the current folder, and imports nothing of coursegen itself.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import threading
from collections.abc import Callable, Sequence
from importlib.metadata import entry_points
from pathlib import Path
from typing import IO, Any

GO = "build"  # the line that lets the waiting build go
# The line it prints once Sphinx has built, with Sphinx's status (jupyter-book's
# exit status): every page is written then, and the 2-3 s Python took here to
# tear down Sphinx's objects need not be waited for.
BUILT = "coursegen.warm: built, status"


def _compiled_templates(app: Any) -> None:
    """The theme's templates compiled once, kept beside the saved environment.

    Compiling them took a sixth of Sphinx's time for one page (py-spy); Jinja
    compiles a template again when its source changed (it keeps a checksum).
    """
    from jinja2 import FileSystemBytecodeCache

    templates = getattr(app.builder, "templates", None)
    if templates is not None:
        folder = Path(app.doctreedir) / "jinja"
        folder.mkdir(parents=True, exist_ok=True)
        templates.environment.bytecode_cache = FileSystemBytecodeCache(str(folder))


def _waiting(build: Callable[..., None], stdin: IO[str]) -> Callable[..., None]:
    """Sphinx.build once a line GO arrives (else the process ends), then BUILT."""

    @functools.wraps(build)
    def wait_then_build(app: Any, *args: Any, **kwargs: Any) -> None:
        _compiled_templates(app)
        sys.stdout.flush()
        try:
            line = stdin.readline()
        except KeyboardInterrupt:  # make watch stopped with ^C
            line = ""
        if line.strip() != GO:
            raise SystemExit(0)  # not needed any more: nothing built
        try:
            build(app, *args, **kwargs)
        except BaseException:
            print(BUILT, 1, flush=True)
            raise
        print(BUILT, app.statuscode, flush=True)

    return wait_then_build


def main(argv: Sequence[str]) -> None:
    """Run `jupyter-book ARGV`, whose Sphinx build waits for GO on stdin."""
    from sphinx.application import Sphinx

    Sphinx.build = _waiting(Sphinx.build, sys.stdin)  # type: ignore[method-assign]
    (script,) = entry_points(group="console_scripts", name="jupyter-book")
    script.load()(list(argv), prog_name="jupyter-book")  # exits with its status


class WarmBuild:
    """A build of the book at root, started now, that builds when told to."""

    def __init__(self, root: Path, arguments: Sequence[str]) -> None:
        # -P: not this file's folder first on sys.path (see the docstring).
        command = [sys.executable, "-P", __file__, *arguments]
        self.process = subprocess.Popen(
            command,
            cwd=root,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )

    def waiting(self) -> bool:
        """True unless the process has ended (its set-up failed, or it was killed)."""
        return self.process.poll() is None

    def build(self) -> bool:
        """Build now, print what the build printed; True if it succeeded.

        It returns once Sphinx has built; a failed build's process is waited
        for, and all it printed shown (a traceback comes after BUILT).
        """
        assert self.process.stdin is not None  # stdin=PIPE
        assert self.process.stdout is not None  # stdout=PIPE
        try:
            self.process.stdin.write(GO + "\n")
            self.process.stdin.flush()
        except BrokenPipeError:  # it had ended: its output says why
            pass
        status = None
        for line in self.process.stdout:
            if line.startswith(BUILT):
                status = int(line.removeprefix(BUILT))
                break
            print(line, end="")
        if status == 0:  # it ends by itself: only its exit is left to collect
            threading.Thread(target=self.process.communicate, daemon=True).start()
            return True
        rest, _ = self.process.communicate()
        print(rest, end="", flush=True)
        return False

    def cancel(self) -> str:
        """End the process without building; what it printed."""
        try:  # it ends once set up: waiting for it keeps two builds from overlapping
            printed, _ = self.process.communicate(input="", timeout=120)
        except subprocess.TimeoutExpired:
            self.process.kill()
            printed, _ = self.process.communicate()
        return printed or ""


if __name__ == "__main__":
    main(sys.argv[1:])
