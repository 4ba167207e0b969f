"""Serve a built site on 127.0.0.1 with gzip, as static hosts do.

    python -m coursegen serve _build/html            # http://127.0.0.1:8000
    python -m coursegen serve _build/html --port 0   # any free port (printed)

`make serve` uses it; the browser tests and `make bench-site` start it in a
thread with `serve_in_thread` and open it in Chromium (coursegen.browser finds
it) with CHROMIUM_FLAGS.
Only loopback: nothing else can reach it.
"""

from __future__ import annotations

import argparse
import gzip
import sys
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from io import BytesIO
from pathlib import Path
from typing import BinaryIO
from urllib.parse import urlsplit

# Without these flags Chromium phones home, which a closed network turns into noise.
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Compressible types; images and fonts are already compressed.
COMPRESS = (".html", ".js", ".css", ".json", ".svg", ".txt", ".md", ".ipynb", ".map")


class GzipHandler(SimpleHTTPRequestHandler):
    """Static files, gzipped when the client accepts it; no request log."""

    def send_head(self) -> BytesIO | BinaryIO | None:
        path = Path(self.translate_path(self.path))
        if path.is_dir():
            if not urlsplit(self.path).path.endswith("/"):
                return super().send_head()  # which redirects "dir" to "dir/"
            path = path / "index.html"
        if not (path.suffix in COMPRESS and path.is_file()):
            return super().send_head()
        body = self.content(path)
        wants_gzip = "gzip" in self.headers.get("Accept-Encoding", "")
        if wants_gzip:
            body = gzip.compress(body, compresslevel=6, mtime=0)
        self.send_response(200)
        self.send_header("Content-Type", self.guess_type(str(path)))
        if wants_gzip:
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache")
        self.end_headers()
        return BytesIO(body)

    def content(self, path: Path) -> bytes:
        """The file as served (the live preview adds its script to pages)."""
        return path.read_bytes()

    def log_message(self, format: str, *args: object) -> None:
        pass


def make_server(
    root: Path, port: int = 0, handler_class: type[GzipHandler] = GzipHandler
) -> ThreadingHTTPServer:
    """A gzip server for root on 127.0.0.1 (port 0: any free port)."""
    if not (root / "index.html").is_file():
        raise FileNotFoundError(f"root must be a built site with index.html: {root}")
    handler = partial(handler_class, directory=str(root))
    return ThreadingHTTPServer(("127.0.0.1", port), handler)


def serve_in_thread(root: Path) -> tuple[ThreadingHTTPServer, str]:
    """Start a server in a daemon thread; return it and its base URL."""
    server = make_server(root)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}/"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("root", type=Path, help="a built site, e.g. _build/html")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args(argv)
    server = make_server(args.root, args.port)
    print(f"Serving {args.root} on http://127.0.0.1:{server.server_address[1]}/")
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
