"""coursegen/browser.py: the browser tests find a Chromium on any laptop, or say how."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from coursegen import browser


def _executable(folder: Path, name: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text("#!/bin/sh\n")
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


@pytest.fixture
def nowhere(tmp_path, monkeypatch) -> dict[str, str]:
    """An environment with no browser anywhere the finder looks."""
    monkeypatch.setattr(browser, "MACOS_APPS", (str(tmp_path / "none.app"),))
    monkeypatch.setattr(browser, "playwright_chromium", lambda: None)
    (tmp_path / "bin").mkdir()
    return {"PATH": str(tmp_path / "bin")}


def test_the_variable_wins_over_a_browser_on_path(tmp_path, nowhere):
    _executable(tmp_path / "bin", "chromium")
    mine = _executable(tmp_path / "mine", "chrome")
    env = {**nowhere, browser.VARIABLE: str(mine)}
    assert browser.find_chromium(env) == mine


def test_a_variable_naming_no_file_is_an_error_that_names_it(tmp_path, nowhere):
    env = {**nowhere, browser.VARIABLE: str(tmp_path / "gone")}
    with pytest.raises(browser.NoChromium, match=f"{browser.VARIABLE}=.*gone: no"):
        browser.find_chromium(env)


@pytest.mark.parametrize("name", browser.ON_PATH)
def test_chromium_or_chrome_on_path_is_found(tmp_path, nowhere, name):
    on_path = _executable(tmp_path / "bin", name)
    assert browser.find_chromium(nowhere) == on_path


def test_a_macos_application_is_found(tmp_path, nowhere, monkeypatch):
    app = _executable(tmp_path / "Chromium.app" / "Contents" / "MacOS", "Chromium")
    monkeypatch.setattr(browser, "MACOS_APPS", (str(app),))
    assert browser.find_chromium(nowhere) == app


def test_playwrights_own_chromium_comes_last(tmp_path, nowhere, monkeypatch):
    cached = _executable(tmp_path / "ms-playwright", "chrome")
    monkeypatch.setattr(browser, "playwright_chromium", lambda: cached)
    assert browser.find_chromium(nowhere) == cached
    on_path = _executable(tmp_path / "bin", "chromium")
    assert browser.find_chromium(nowhere) == on_path


def test_no_browser_anywhere_says_how_to_get_one_on_each_system(nowhere):
    with pytest.raises(browser.NoChromium) as missing:
        browser.find_chromium(nowhere)
    for way in ("apt-get install chromium", "brew install", "playwright install"):
        assert way in str(missing.value)
    assert browser.VARIABLE in str(missing.value)


def test_the_command_fails_with_the_instructions_when_it_cannot_install(
    nowhere, monkeypatch, capsys
):
    monkeypatch.setattr(os, "environ", nowhere)
    monkeypatch.setattr(browser, "can_apt_install", lambda: False)
    assert browser.main(["--install"]) == 1
    assert "No Chromium found" in capsys.readouterr().err


def test_the_command_installs_with_apt_get_where_it_can(tmp_path, nowhere, monkeypatch):
    monkeypatch.setattr(os, "environ", nowhere)
    monkeypatch.setattr(browser, "can_apt_install", lambda: True)
    installed = []

    def apt_install() -> None:  # stands in for apt-get: puts chromium on PATH
        installed.append(_executable(tmp_path / "bin", "chromium"))

    monkeypatch.setattr(browser, "apt_install", apt_install)
    assert browser.main(["--install"]) == 0
    assert installed
    assert browser.main([]) == 0  # found now, nothing installed again
    assert len(installed) == 1


def test_playwrights_cache_is_asked_where_its_chromium_would_be():
    path = browser.playwright_chromium()
    assert path is None or path.is_file()
