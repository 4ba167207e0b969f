"""Find the Chromium that the browser tests and `make bench-site` drive.

    python -m coursegen browser            # print the one found, or say how to get one
    python -m coursegen browser --install  # ... and on Debian as root, apt-get it

Looked for, in order: the variable COURSE_CHROMIUM (a path; an error if nothing
is there), Chromium or Chrome on PATH, the usual macOS applications, then the
Chromium of Playwright's own cache (`python -m playwright install chromium`).
The tests never download a browser themselves: when none is found, `make test`
stops and says how to get one, on every system (under CI=true too).
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

VARIABLE = "COURSE_CHROMIUM"
ON_PATH = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
MACOS_APPS = (
    "/Applications/Chromium.app/Contents/MacOS/Chromium",
    "/Applications/Google Chrome.app/Contents/MacOS/Google Chrome",
)
HOW_TO_GET_ONE = f"""\
No Chromium found for the browser tests. Any one of these works:
  - Debian or Ubuntu, as root:   apt-get install chromium   (make test does it)
  - macOS with Homebrew:         brew install --cask chromium
  - any system, no root needed:  .venv/bin/python -m playwright install chromium
  - a Chromium or Chrome you have: {VARIABLE}=/path/to/chrome make test"""


class NoChromium(LookupError):
    """No browser where the course looks, or none where COURSE_CHROMIUM says."""


def playwright_chromium() -> Path | None:
    """The Chromium of Playwright's cache, if `playwright install` put one there."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        path = Path(playwright.chromium.executable_path)
    return path if path.is_file() else None


def find_chromium(env: Mapping[str, str] | None = None) -> Path:
    """The browser to drive, looked for in the module's order; NoChromium if none."""
    env = os.environ if env is None else env
    if env.get(VARIABLE):
        given = Path(env[VARIABLE]).expanduser()
        if not given.is_file():
            raise NoChromium(f"{VARIABLE}={given}: no browser there (expected a file)")
        return given
    for name in ON_PATH:
        found = shutil.which(name, path=env.get("PATH"))
        if found:
            return Path(found)
    for app in map(Path, MACOS_APPS):
        if app.is_file():
            return app
    cached = playwright_chromium()
    if cached:
        return cached
    raise NoChromium(HOW_TO_GET_ONE)


def can_apt_install() -> bool:
    """True on a machine where `apt-get install` can run: root, with apt-get."""
    return shutil.which("apt-get") is not None and os.geteuid() == 0


def apt_install() -> None:
    """Install Debian's chromium (make test's set-up on a fresh Debian machine)."""
    print("installing Debian's chromium for the browser tests (apt-get)")
    subprocess.run(["apt-get", "update", "-qq"], check=True)
    install = ["apt-get", "install", "-y", "-qq", "chromium"]
    subprocess.run(install, check=True, stdout=subprocess.DEVNULL)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument(
        "--install",
        action="store_true",
        help="when none is found, apt-get Debian's chromium if root with apt-get",
    )
    args = parser.parse_args(argv)
    try:
        print(find_chromium())
        return 0
    except NoChromium as missing:
        if not (args.install and can_apt_install() and not os.environ.get(VARIABLE)):
            print(missing, file=sys.stderr)
            return 1
    apt_install()
    print(find_chromium())
    return 0


if __name__ == "__main__":
    sys.exit(main())
