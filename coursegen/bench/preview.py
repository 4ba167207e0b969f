"""`make watch`, timed: from saving a lesson to the open page's reload signal.

In a copy of the course whose book is built, `python -m coursegen watch` runs
as a teacher starts it; the bench listens to the reload events as an open page
does, saves an edit of a lesson's prose (nothing executes again) or of its
code (that lesson executes again) READ seconds after the last reload, and
times each save to the next event, when the rebuilt page is served and every
open page reloads.
"""

from __future__ import annotations

import contextlib
import http.client
import queue
import re
import subprocess
import sys
import threading
import time
from pathlib import Path

from coursegen.bench import budgets
from coursegen.bench.rows import row
from coursegen.watch import EVENTS

EDITS = {  # appended to the lesson: what a teacher's save changes
    "prose": "\nA sentence added by make bench, save {k}.\n",
    "code": "\n```{{code-cell}} ipython3\nprint('make bench, save {k}')\n```\n",
}
SAVES = 2  # saves of each kind per run
# Seconds between a reload and the next save: the teacher reads the page. The
# watcher uses them to set up its next build (coursegen/warm.py).
READ = 5
WAIT = 300  # seconds a rebuild may take before the bench gives up


def _address(process: subprocess.Popen[str]) -> tuple[str, int]:
    """The watcher's address, from its "Serving ..." line; its output drained."""
    found: queue.Queue[tuple[str, int]] = queue.Queue()

    def drain() -> None:
        assert process.stdout is not None  # stdout=PIPE
        with contextlib.suppress(ValueError):  # closed when the watcher is stopped
            for line in process.stdout:
                serving = re.search(r"Serving .* on http://([\d.]+):(\d+)/", line)
                if serving:
                    found.put((serving[1], int(serving[2])))

    threading.Thread(target=drain, daemon=True).start()
    return found.get(timeout=WAIT)


def _next_version(stream: http.client.HTTPResponse) -> str:
    while True:
        line = stream.readline().decode()
        if not line:
            raise SystemExit("bench: the watcher stopped sending events")
        if line.startswith("data: "):
            return line.removeprefix("data: ").strip()


def save_to_reload(copy: Path, lesson: str, times: dict[str, list[float]]) -> None:
    """Time SAVES edits of each kind of lesson in copy, under `coursegen watch`."""
    command = [sys.executable, "-m", "coursegen", "watch", "--port", "0"]
    with subprocess.Popen(
        command, cwd=copy, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    ) as process:
        try:
            host, port = _address(process)
            events = http.client.HTTPConnection(host, port, timeout=WAIT)
            events.request("GET", EVENTS)
            stream = events.getresponse()
            _next_version(stream)  # the version now: the page as it was opened
            path = copy / "lessons" / f"{lesson}.md"
            for k in range(SAVES):
                for kind, edit in EDITS.items():
                    time.sleep(READ)
                    path.write_text(path.read_text() + edit.format(k=k))
                    saved = time.perf_counter()
                    _next_version(stream)
                    times.setdefault(kind, []).append(time.perf_counter() - saved)
            events.close()
        finally:
            process.terminate()


def watch_rows(times: dict[str, list[float]], lesson: str) -> list[str]:
    """The rows of `make watch`: a prose save, a code save, each to the reload."""
    return [
        row(
            f"`make watch`: `{lesson}`'s prose saved, to the page's reload",
            times["prose"],
            budgets.WATCH_PROSE,
        ),
        row(
            f"... its code saved (re-executed: {lesson}), to the page's reload",
            times["code"],
            budgets.WATCH_CODE,
        ),
    ]
