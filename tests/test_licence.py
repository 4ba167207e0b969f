"""The licences and the citation file say the same as the project's metadata."""

from __future__ import annotations

import tomllib
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
CITATION = yaml.safe_load((ROOT / "CITATION.cff").read_text())


def test_the_code_licence_is_the_one_the_package_declares():
    declared = PROJECT["license"]["text"]
    assert declared == "MIT"
    assert (ROOT / "LICENSE").read_text().startswith(f"{declared} License\n")


def test_the_content_licence_names_cc_by_4_and_links_its_legal_code():
    text = (ROOT / "LICENSE-content.md").read_text()
    assert "CC BY 4.0" in text
    assert "https://creativecommons.org/licenses/by/4.0/legalcode" in text


def test_the_citation_file_has_the_packages_version_and_both_licences():
    assert CITATION["cff-version"] == "1.2.0"
    assert CITATION["version"] == PROJECT["version"]
    assert CITATION["license"] == [PROJECT["license"]["text"], "CC-BY-4.0"]


def test_the_citation_names_the_books_title_and_authors():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    assert CITATION["title"] == config["title"]
    assert [a["name"] for a in CITATION["authors"]] == [config["author"]]
