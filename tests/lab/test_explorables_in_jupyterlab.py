"""The explorables in JupyterLab: each lesson's notebook, as the site offers it
for download, opened and run in the pinned JupyterLab (`make lab-test`).

    make lab-test        # installs JupyterLab in .venv-lab (as make lab) and
                         # builds the browser tests' site if it is missing

Not part of `make test` (JupyterLab is not in requirements.lock). What it shows:
an untrusted notebook (as downloaded) shows each explorable's default figure
and sentence, without controls, as a page without JavaScript does; once its
cells have run, every explorable is live, and a key pressed on a slider moves
it (JupyterLab takes arrow keys for its own commands unless the control keeps
them), the figure and the sentence following.
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("jupyterlab", reason="make lab-test installs JupyterLab")

from playwright.sync_api import Browser, Page, sync_playwright

from coursegen import serve
from coursegen.browser import find_chromium
from coursegen.editions import site_under_test

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOKS = site_under_test(ROOT) / "notebooks"
RUN_ALL_S = 240  # the slowest lesson runs in about 20 s on a loaded 2-core machine


def _explorables_in(notebook: Path) -> int:
    """How many explorables the notebook's saved outputs hold."""
    cells = json.loads(notebook.read_text())["cells"]
    outputs = [o for cell in cells for o in cell.get("outputs", [])]
    return sum("course-explorable-data" in json.dumps(o) for o in outputs)


# Every lesson with an explorable, found in its expected outputs (the site's
# notebooks are built from them).
LESSONS = sorted(
    path.stem
    for path in (ROOT / "tests" / "expected").glob("*.ipynb")
    if _explorables_in(path)
)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """JupyterLab serving a folder of the site's notebooks; its address."""
    if not (NOTEBOOKS / "reshaping.ipynb").is_file():
        pytest.fail(f"no notebooks in {NOTEBOOKS}: run `make browser` first")
    folder = tmp_path_factory.mktemp("notebooks")
    for name in LESSONS:
        shutil.copy(NOTEBOOKS / f"{name}.ipynb", folder)
    port = _free_port()
    log = (folder / "lab.log").open("w")
    command = [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}"]
    command += ["--ServerApp.token=", "--ServerApp.password=", "--allow-root"]
    command += [f"--ServerApp.root_dir={folder}", "--LabApp.expose_app_in_browser=True"]
    command += [f"--LabApp.workspaces_dir={folder / 'workspaces'}"]
    # Its own data folder: a reader's notebook is untrusted until it has run,
    # whatever this machine's signature database says of the same notebook.
    env = {**os.environ, "JUPYTER_DATA_DIR": str(folder / "data")}
    server = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(240):
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=1)
                break
            except OSError:
                assert server.poll() is None, (folder / "lab.log").read_text()
                time.sleep(0.5)
        yield url
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=find_chromium(), args=serve.CHROMIUM_FLAGS
        )
        yield launched
        launched.close()


def _open(browser: Browser, lab: str, name: str) -> Page:
    """The notebook open in JupyterLab, every explorable's output rendered."""
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    page.goto(f"{lab}/lab/tree/{name}.ipynb?reset")
    page.wait_for_function(
        "n => document.querySelectorAll('.course-explorable').length >= n",
        arg=_explorables_in(NOTEBOOKS / f"{name}.ipynb"),
        timeout=120_000,
    )
    return page


EXPLORABLES = """() => [...document.querySelectorAll('.course-explorable')].map(r => ({
    ready: r.hasAttribute('data-ready'),
    controls: [...r.querySelectorAll('[data-control]')]
        .filter(c => c.offsetParent !== null).length,
    says: r.querySelector('.course-explorable-says').textContent}))"""


@pytest.mark.parametrize("name", LESSONS)
def test_a_downloaded_notebook_shows_the_default_figure_until_it_runs(
    browser: Browser, lab: str, name: str
) -> None:
    page = _open(browser, lab, name)
    shown = page.evaluate(EXPLORABLES)
    page.close()
    assert shown, f"{name}: no explorable in the notebook"
    for explorable in shown:
        # Untrusted output: JupyterLab runs no script and strips the controls,
        # and the figure with its sentence is what the reader sees.
        assert not explorable["ready"]
        assert explorable["controls"] == 0
        assert explorable["says"].strip()


@pytest.mark.parametrize("name", LESSONS)
def test_once_run_every_explorable_moves_with_the_keyboard(
    browser: Browser, lab: str, name: str
) -> None:
    page = _open(browser, lab, name)
    page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    page.wait_for_function(
        """() => { const all = [...document.querySelectorAll('.course-explorable')];
            const busy = [...document.querySelectorAll('.jp-InputPrompt')]
                .some(p => p.textContent.includes('*'));
            const live = all.every(r => r.hasAttribute('data-ready'));
            return all.length && live && !busy; }""",
        timeout=RUN_ALL_S * 1000,
    )
    roots = page.locator(".course-explorable")
    for k in range(roots.count()):
        root = roots.nth(k)
        root.evaluate("r => r.scrollIntoView()")
        slider = root.locator("input[type=range]").first
        data = json.loads(root.locator(".course-explorable-data").text_content() or "")
        slider.focus()
        page.keyboard.press("Home")
        assert slider.input_value() == "0", f"{name}: Home did not reach the start"
        page.keyboard.press("ArrowRight")
        assert slider.input_value() == "1", f"{name}: the arrow key did not step"
        assert slider.evaluate("e => e === document.activeElement"), "focus was taken"
        state = int(root.get_attribute("data-state") or "")
        # What is shown is the state the lesson computed for these values.
        paths, sentence = data["states"][state]
        for curve, d in zip(data["curves"], paths, strict=True):
            drawn = root.locator(f"path[data-curve='{curve}']").get_attribute("d")
            assert drawn == d, f"{name}: {curve} is not the state's"
        assert root.locator(".course-explorable-says").text_content() == sentence
    page.close()
