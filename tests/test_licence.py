"""The licences and the citation file say the same as the project's metadata."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
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


# --- CITATION.cff against the Citation File Format 1.2.0 ---------------------------
# The CFF 1.2.0 JSON schema cannot be fetched here (no network, no check-jsonschema),
# so this checks what the schema guide states for the keys the course uses:
# https://github.com/citation-file-format/citation-file-format/blob/1.2.0/schema-guide.md
CFF_REQUIRED = {"cff-version", "message", "title", "authors"}
CFF_KEYS = CFF_REQUIRED | {
    "abstract", "commit", "contact", "date-released", "doi", "identifiers",
    "keywords", "license", "license-url", "preferred-citation", "references",
    "repository", "repository-artifact", "repository-code", "type", "url", "version",
}  # fmt: skip
CFF_STRINGS = ("cff-version", "message", "title", "abstract", "version")
SPDX_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+-]*")
LICENCE = yaml.safe_load((ROOT / "_config.yml").read_text())["sphinx"]["config"][
    "course_licence"
]


def cff_problems(cff: object) -> list[str]:
    """What makes cff an invalid CFF 1.2.0 file, for the keys the course uses."""
    if not isinstance(cff, dict):
        return ["a CITATION.cff is a mapping"]
    problems = [f"missing required key {k}" for k in sorted(CFF_REQUIRED - set(cff))]
    problems += [f"unknown key {k}" for k in sorted(set(cff) - CFF_KEYS)]
    problems += [
        f"{key} must be a non-empty string"
        for key in CFF_STRINGS
        if key in cff and not (isinstance(cff[key], str) and cff[key].strip())
    ]
    if cff.get("cff-version") != "1.2.0":
        problems.append("cff-version must be the string 1.2.0")
    authors = cff.get("authors")
    if not isinstance(authors, list) or not authors:
        problems.append("authors must be a non-empty list")
    else:
        # An entity needs a name; a person, by the course's rule, a name too.
        named = {"name", "family-names", "given-names"}
        for author in authors:
            if not isinstance(author, dict) or not named & set(author):
                problems.append(f"author {author!r} has no name")
    if cff.get("type", "software") not in {"software", "dataset"}:
        problems.append("type must be software or dataset")
    keywords = cff.get("keywords", [])
    if not isinstance(keywords, list) or not all(isinstance(k, str) for k in keywords):
        problems.append("keywords must be a list of strings")
    licences = cff.get("license", [])
    licences = [licences] if isinstance(licences, str) else licences
    if not isinstance(licences, list) or not all(
        isinstance(i, str) and SPDX_ID.fullmatch(i) for i in licences
    ):
        problems.append("license must be SPDX identifiers")
    return problems


def test_the_citation_file_is_valid_cff_1_2_0_for_every_key_it_uses():
    assert cff_problems(CITATION) == []


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        ({"title": None}, "missing required key title"),
        ({"cff-version": 1.2}, "cff-version must be the string 1.2.0"),
        ({"authors": []}, "authors must be a non-empty list"),
        ({"authors": [{"affiliation": "x"}]}, "has no name"),
        ({"licence": "MIT"}, "unknown key licence"),
        ({"license": "MIT License"}, "license must be SPDX identifiers"),
        ({"keywords": "relu"}, "keywords must be a list of strings"),
        ({"message": ""}, "message must be a non-empty string"),
    ],
    ids=lambda value: str(value)[:30],
)
def test_the_citation_check_names_what_is_wrong(change, problem):
    broken = {k: v for k, v in {**CITATION, **change}.items() if v is not None}
    assert problem in " / ".join(cff_problems(broken))


def test_the_sites_licence_declaration_is_the_licence_files_and_the_citations():
    # _config.yml's course_licence is what every page and downloaded lesson shows.
    content, code = LICENCE["content"], LICENCE["code"]
    assert CITATION["license"] == [code["spdx"], content["spdx"]]
    assert code["spdx"] == PROJECT["license"]["text"]
    assert (ROOT / "LICENSE").read_text().startswith(f"{code['name']} License\n")
    text = (ROOT / "LICENSE-content.md").read_text()
    assert f"({content['name']})" in text
    assert f"{content['url']}legalcode" in text
