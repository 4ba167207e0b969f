"""Live preview: serve an edition, rebuild it on every save, reload the browser.

    python -m coursegen watch [--edition student|teacher] [--port N]   # make watch

It builds as `make book` does (`python -m coursegen book`: the execution cache
re-executes only a lesson whose code changed, every lesson after a change to
relu_course, the pins or the environment, coursegen/cache_key.py; Sphinx keeps
its saved environment, so it re-reads only the pages that changed), serves the
site on 127.0.0.1 as `make serve` does, then looks at the files every
POLL seconds: lessons, book pages, relu_course, the configuration. After a save
it rebuilds and tells every open page, which reloads itself. After saves of
lessons alone it executes those whose code changed itself, and the edition is
rendered by the `jupyter-book build` that `make book` runs for it, started
when the last build ended and waiting, set up (coursegen/warm.py); a student
or teacher edition's pages are then copied to its site, the changed ones
only (editions.publish_html). The script
that listens is added to pages as they are served, never to the built files:
what `make book` publishes has none of it.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

from coursegen import editions, execute, serve, warm
from coursegen.course import CACHE, EDITIONS, ROOT, toc_lessons

POLL = 0.4  # seconds between looks at the files: a save shows within one
WATCHED = ("lessons", "book", "relu_course", "classes", "_config.yml", "_toc.yml")
EVENTS = "/__watch__/events"  # Server-Sent Events: the site's version, at each build
# Added before </body> of every page served; reloads when the version it was
# served with is no longer the site's. EventSource reconnects by itself.
SCRIPT = """<script>(function () {{
  var events = new EventSource("{events}");
  events.onmessage = function (event) {{
    if (event.data !== "{version}") location.reload();
  }};
}})();</script>"""


class Versions:
    """The site's version, one more at every build; waiters wake when it moves."""

    def __init__(self) -> None:
        self.number = 0
        self.closed = False
        self._changed = threading.Condition()

    def bump(self) -> int:
        with self._changed:
            self.number += 1
            self._changed.notify_all()
            return self.number

    def close(self) -> None:
        with self._changed:
            self.closed = True
            self._changed.notify_all()

    def wait(self, seen: int, timeout: float) -> int:
        """The version once it differs from seen, or after timeout seconds."""
        with self._changed:
            self._changed.wait_for(
                lambda: self.number != seen or self.closed, timeout=timeout
            )
            return self.number


class WatchHandler(serve.GzipHandler):
    """The site, its pages with the reload script, and the version as events."""

    versions: ClassVar[Versions]

    def do_GET(self) -> None:
        if self.path.split("?")[0] != EVENTS:
            return super().do_GET()
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        seen = -1
        try:
            while not self.versions.closed:
                number = self.versions.wait(seen, timeout=15)
                # A comment keeps an idle connection open through proxies.
                line = f"data: {number}\n\n" if number != seen else ": idle\n\n"
                self.wfile.write(line.encode())
                self.wfile.flush()
                seen = number
        except (BrokenPipeError, ConnectionResetError):
            pass  # the page reloaded or closed

    def content(self, path: Path) -> bytes:
        body = super().content(path)
        if path.suffix != ".html" or b"</body>" not in body:
            return body
        script = SCRIPT.format(events=EVENTS, version=self.versions.number)
        return body.replace(b"</body>", script.encode() + b"</body>", 1)


def sources(root: Path) -> Iterator[Path]:
    """Every file a build reads that an author edits."""
    for name in WATCHED:
        path = root / name
        files = sorted(path.rglob("*")) if path.is_dir() else [path]
        for file in files:
            hidden = any(part.startswith(".") for part in file.relative_to(root).parts)
            if file.is_file() and not hidden and "__pycache__" not in file.parts:
                yield file


def snapshot(root: Path) -> dict[Path, int]:
    """Each source file and its modification time (ns)."""
    return {path: path.stat().st_mtime_ns for path in sources(root)}


class Watcher:
    """One edition of the course at root, built, served and rebuilt on change."""

    def __init__(self, root: Path = ROOT, edition: str = "public") -> None:
        self.root, self.edition = root, edition
        self.site = editions.site_folder(edition, root)
        self.versions = Versions()
        self.server: ThreadingHTTPServer | None = None
        self.seen = snapshot(root)
        self.warm: warm.WarmBuild | None = None  # the edition's next build

    def build(self, changed: Sequence[Path] = ()) -> bool:
        """Build as `make book` does; True if it did.

        After saves of lessons alone, which cannot change the cache key, only
        those lessons may need to execute: the watcher runs them itself, then
        the build started ahead of time (warm.py) renders the book. Anything
        else is `python -m coursegen book`, in a process of its own.
        """
        folder = self.root / "lessons"
        if changed and all(p.parent == folder and p.suffix == ".md" for p in changed):
            built = self._build_after(changed)
        else:
            self._cancel_warm()  # the saved environment it read is about to change
            options = [] if self.edition == "public" else ["--edition", self.edition]
            command = [sys.executable, "-m", "coursegen", "book", *options]
            built = subprocess.run(command, cwd=self.root, check=False).returncode == 0
        if self.warm is None:
            self.warm = self._start_warm()
        return built

    def _build_after(self, lessons: Sequence[Path]) -> bool:
        """Execute the saved lessons if their code changed, then render the book."""
        cache = execute.Cache(self.root / CACHE.relative_to(ROOT))
        saved = [path for path in toc_lessons(self.root) if path in lessons]
        if execute.run(saved, cache, execute.CORES) != 0:
            return False
        ready, self.warm = self.warm, None
        if ready is not None and not ready.waiting():  # it ended while it waited
            printed = ready.cancel()  # why it ended, if it said
            print(printed, end="")
            print("the build set up ahead had ended: setting it up again", flush=True)
            ready = None
        ready = ready or self._start_warm()
        if not ready.build():
            return False
        if self.edition != "public":  # built into <edition>/_build/html
            editions.publish_html(self.site.parent)
        return True

    def _start_warm(self) -> warm.WarmBuild:
        """The edition's next build, as `make book` runs it, set up now."""
        command = editions.edition_command(self.edition, self.root)
        return warm.WarmBuild(self.root, command[1:])

    def _cancel_warm(self) -> None:
        if self.warm is not None:
            self.warm.cancel()
            self.warm = None

    def serve(self, port: int = 0) -> str:
        """Serve the built site in a thread; its address."""
        handler = type("Handler", (WatchHandler,), {"versions": self.versions})
        self.server = serve.make_server(self.site, port, handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return f"http://127.0.0.1:{self.server.server_address[1]}/"

    def changes(self) -> list[Path]:
        """The files saved since the last look, once saving has settled."""
        now = snapshot(self.root)
        if now == self.seen:
            return []
        while True:  # an editor may save in steps: wait for a quiet look
            time.sleep(POLL / 4)
            later = snapshot(self.root)
            if later == now:
                break
            now = later
        changed = [
            p for p in now.keys() | self.seen.keys() if now.get(p) != self.seen.get(p)
        ]
        self.seen = now
        return sorted(changed)

    def rebuild(self, changed: list[Path]) -> float | None:
        """Rebuild after changed; the seconds it took, or None if it failed."""
        names = ", ".join(str(path.relative_to(self.root)) for path in changed)
        print(f"changed: {names}: rebuilding", flush=True)
        started = time.perf_counter()
        if not self.build(changed):
            print("the build failed (see above); the site is the last one built")
            return None
        took = time.perf_counter() - started
        self.versions.bump()
        print(f"rebuilt in {took:.1f} s; open pages reload", flush=True)
        return took

    def run(self, stop: threading.Event) -> None:
        """Look for changes every POLL seconds and rebuild, until stop is set."""
        while not stop.wait(POLL):
            changed = self.changes()
            if changed:
                self.rebuild(changed)

    def close(self) -> None:
        self._cancel_warm()
        self.versions.close()
        if self.server is not None:
            self.server.shutdown()
            self.server.server_close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--edition", default="public", choices=EDITIONS)
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    watcher = Watcher(ROOT, args.edition)
    if not watcher.build() and not (watcher.site / "index.html").is_file():
        print("the first build failed and nothing is built to serve", file=sys.stderr)
        return 1
    url = watcher.serve(args.port)
    print(f"Serving {watcher.site} on {url}: save a file and the page reloads")
    stop = threading.Event()
    try:
        watcher.run(stop)
    except KeyboardInterrupt:
        pass
    finally:
        watcher.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
