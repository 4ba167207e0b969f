"""coursegen/serve.py: a built site served on loopback with gzip, as static hosts do."""

from __future__ import annotations

import gzip
import http.client
import threading
import time
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest

from coursegen import __main__ as cli
from coursegen import serve

PAGE = "<!DOCTYPE html><title>Tiny</title><p>" + "relu " * 200 + "</p>"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A built site in miniature: a page, a lesson folder, an image."""
    tmp_path = tmp_path_factory.mktemp("site")
    (tmp_path / "index.html").write_text(PAGE)
    (tmp_path / "lessons").mkdir()
    (tmp_path / "lessons" / "index.html").write_text("<p>the lessons</p>")
    (tmp_path / "figure.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    return tmp_path


@pytest.fixture(scope="module")
def address(site: Path) -> Iterator[tuple[str, int]]:
    server, _ = serve.serve_in_thread(site)
    try:
        yield "127.0.0.1", server.server_address[1]
    finally:
        server.shutdown()
        server.server_close()


def _get(
    address: tuple[str, int], path: str, gzip_ok: bool
) -> http.client.HTTPResponse:
    connection = http.client.HTTPConnection(*address, timeout=10)
    headers = {"Accept-Encoding": "gzip, deflate"} if gzip_ok else {}
    connection.request("GET", path, headers=headers)
    response = connection.getresponse()
    response.body = response.read()  # type: ignore[attr-defined]
    connection.close()
    return response


def test_a_page_is_gzipped_for_a_client_that_accepts_gzip(address, site):
    response = _get(address, "/index.html", gzip_ok=True)
    assert response.status == 200
    assert response.headers["Content-Encoding"] == "gzip"
    assert response.headers["Content-Type"] == "text/html"
    assert int(response.headers["Content-Length"]) == len(response.body)
    assert gzip.decompress(response.body) == (site / "index.html").read_bytes()
    assert len(response.body) < len(PAGE) / 5  # 200 times the same word


def test_a_client_without_gzip_gets_the_file_as_it_is(address, site):
    response = _get(address, "/index.html", gzip_ok=False)
    assert response.status == 200
    assert "Content-Encoding" not in response.headers
    assert response.body == (site / "index.html").read_bytes()


def test_an_image_is_sent_as_it_is_even_to_a_gzip_client(address, site):
    response = _get(address, "/figure.png", gzip_ok=True)
    assert "Content-Encoding" not in response.headers
    assert response.body == (site / "figure.png").read_bytes()


def test_a_folder_redirects_to_its_slash_then_serves_its_index_gzipped(address):
    redirect = _get(address, "/lessons", gzip_ok=True)
    assert redirect.status == 301
    assert redirect.headers["Location"] == "/lessons/"
    index = _get(address, "/lessons/", gzip_ok=True)
    assert index.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(index.body) == b"<p>the lessons</p>"


def test_a_missing_file_is_a_404(address):
    assert _get(address, "/nowhere.html", gzip_ok=True).status == 404


def test_a_folder_without_index_html_is_refused_with_the_argument_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="root must be a built site"):
        serve.make_server(tmp_path)


def test_the_command_prints_its_address_and_serves_until_stopped(
    site, monkeypatch, capsys
):
    servers: list[ThreadingHTTPServer] = []

    def make_server(root: Path, port: int) -> ThreadingHTTPServer:
        servers.append(real_make_server(root, port))
        return servers[-1]

    real_make_server = serve.make_server
    monkeypatch.setattr(serve, "make_server", make_server)
    status: list[int] = []
    argv = ["serve", str(site), "--port", "0"]  # as `make serve` runs it
    command = threading.Thread(target=lambda: status.append(cli.main(argv)))
    command.start()
    try:
        for _ in range(200):  # until it listens
            if servers:
                break
            time.sleep(0.05)
        port = servers[0].server_address[1]
        response = _get(("127.0.0.1", port), "/", gzip_ok=True)
        assert gzip.decompress(response.body) == (site / "index.html").read_bytes()
    finally:
        for server in servers:  # as Ctrl-C would stop it
            server.shutdown()
            server.server_close()
        command.join(timeout=10)
    assert status == [0]
    assert f"Serving {site} on http://127.0.0.1:{port}/" in capsys.readouterr().out
