"""A real Chromium, driven by Playwright, on the built site served with gzip.

The site is the one `make test` builds with the expected outputs
(`_build/expected/html`, coursegen.editions.build_from_outputs); COURSE_SITE=DIR
tests another, e.g. `COURSE_SITE=_build/html` after `make book`. The
browser is Debian's chromium (`make test` installs it when missing); it never
reaches the network: every request to a host other than 127.0.0.1 is blocked
and recorded, so a test can fail on it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from coursegen import serve  # the server, and the browser and flags bench-site uses
from coursegen.browser import NoChromium, find_chromium
from coursegen.editions import site_under_test

ROOT = Path(__file__).resolve().parents[2]
SITE = site_under_test(ROOT)


@pytest.fixture(scope="session")
def base_url() -> Iterator[str]:
    if not (SITE / "index.html").is_file():
        pytest.fail(f"no site in {SITE}: run `make browser` (make test does)")
    server, url = serve.serve_in_thread(SITE)
    yield url
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    try:
        chromium = find_chromium()
    except NoChromium as missing:
        pytest.fail(str(missing))  # never a skip: CI must find one
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=chromium, args=serve.CHROMIUM_FLAGS
        )
        yield browser
        browser.close()


class Visit:
    """One page load, with what went wrong on the way."""

    def __init__(self, page: Page, base_url: str) -> None:
        self.page, self.base_url = page, base_url
        self.console_errors: list[str] = []
        self.failed: list[str] = []
        self.external: list[str] = []
        page.on(
            "console",
            lambda m: m.type == "error" and self.console_errors.append(m.text),
        )
        page.on("pageerror", lambda e: self.console_errors.append(str(e)))
        page.on(
            "requestfailed",
            lambda r: r.url not in self.external and self.failed.append(r.url),
        )
        page.on(
            "response",
            lambda r: r.status >= 400 and self.failed.append(f"{r.status} {r.url}"),
        )
        page.route("**/*", self._only_local)

    def _only_local(self, route) -> None:
        url = route.request.url
        if url.startswith((self.base_url, "data:", "blob:")):
            route.continue_()
        else:
            self.external.append(url)
            route.abort()

    def open(self, path: str) -> Page:
        self.page.goto(self.base_url + path, wait_until="load")
        return self.page


@pytest.fixture(scope="session")
def new_visit(browser: Browser, base_url: str):
    """`with new_visit() as visit:` opens a Visit in a fresh browser context."""

    @contextlib.contextmanager
    def opened() -> Iterator[Visit]:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        try:
            yield Visit(context.new_page(), base_url)
        finally:
            context.close()

    return opened


@pytest.fixture
def visit(new_visit) -> Iterator[Visit]:
    with new_visit() as opened:
        yield opened
