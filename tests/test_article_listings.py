"""Every code listing of the five source articles, run as printed.

tests/listings/<id>.py holds each listing as the article prints it, numbered per
article in print order (mldawn-1, ...), with a few header comment lines: the
article, the way it is printed (`# mode:`, see tests/listings/runner.py), the
earlier listings whose names it uses (`# after:`) and what had to be restored
from the plain text (`# restored:`). tests/listings/<id>.out holds the output
the article prints for it, if any, verbatim.

tests/listings/outcomes.toml records what each listing does when run with the
course's pinned versions; the test below runs every listing (one process, from
this environment's Python, with matplotlib's Agg backend, in a temporary
directory, with a time limit per listing) and fails when an outcome is not the
recorded one, so a new library version that changes an outcome is noticed.
Outputs are compared line by line after whitespace is normalised; numbers are
compared as printed, as text.

book/listings-table.md is generated from the same record; a test checks it is
up to date. After changing outcomes.toml, regenerate it with

    .venv/bin/python tests/test_article_listings.py
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
LISTINGS = ROOT / "tests" / "listings"
OUTCOMES: dict[str, dict] = tomllib.loads((LISTINGS / "outcomes.toml").read_text())
TABLE = ROOT / "book" / "listings-table.md"
ARTICLES = ("mldawn", "concise", "opengenus", "phung", "sharma")
KINDS = ("matches", "differs", "runs", "fails", "cannot-run")
# What the test compares with the record; the other fields are for the table.
CHECKED = ("kind", "error", "article_error", "first_difference")
VENV_PYTHON = ROOT / ".venv" / "bin" / "python"
PYTHON = VENV_PYTHON if VENV_PYTHON.exists() else Path(sys.executable)
LISTING_TIMEOUT = 60  # seconds; the slowest listing takes well under one
LABEL = re.compile(r"^\((check-[a-z0-9-]+)\)=\s*$", re.MULTILINE)
TRACEBACK = re.compile(r"^(\w+)\s+Traceback \(most recent call last\)")


def order(listing: str) -> tuple[int, int]:
    article, number = listing.rsplit("-", 1)
    return ARTICLES.index(article), int(number)


IDS = sorted((path.stem for path in LISTINGS.glob("*-*.py")), key=order)


# --- comparing outputs -----------------------------------------------------------


def normalise(text: str) -> list[str]:
    """Lines with each run of whitespace made one space; blank lines dropped."""
    return [" ".join(line.split()) for line in text.splitlines() if line.strip()]


def published(listing: str) -> tuple[list[str], list[str] | None]:
    """The article's output for listing, normalised, and the error it shows, if
    any (from "Type: message" to the end of the traceback), or ([], None).

    The Concise article prints each output as "# Returns" and then ">>> value":
    the "#" caption lines are dropped and the prompt is removed."""
    path = LISTINGS / f"{listing}.out"
    if not path.exists():
        return [], None
    lines = []
    for line in path.read_text().splitlines():
        if line.startswith("#"):
            continue
        lines.append(line.removeprefix(">>> "))
    for i, line in enumerate(lines[:-1]):
        header = TRACEBACK.match(lines[i + 1])
        if re.fullmatch(r"-{20,}", line) and header:
            starts = [j for j, ln in enumerate(lines) if ln.startswith(header[1] + ":")]
            error = "\n".join(lines[starts[-1] :])
            return normalise("\n".join(lines[:i])), normalise(error)
    return normalise("\n".join(lines)), None


def first_difference(article: list[str], here: list[str]) -> dict | None:
    """The first line (1-based) where two normalised outputs differ, or None."""
    for i in range(max(len(article), len(here))):
        a = article[i] if i < len(article) else ""
        h = here[i] if i < len(here) else ""
        if a != h:
            return {"line": i + 1, "article": a, "here": h}
    return None


def observed(listing: str, result: dict) -> dict:
    """What a run of listing did, in the terms of outcomes.toml."""
    if result["timed_out"]:
        return {"kind": f"timed out after {LISTING_TIMEOUT} s"}
    if result["crashed"]:
        return {"kind": "crashed: the process ended without a result"}
    article_output, article_error = published(listing)
    here = normalise(result["stdout"])
    if result["error"] is not None:
        error = normalise(result["error"])
        found = {"kind": "fails", "error": error[0]}
        if article_error is not None:
            if here != article_output or error[0] != article_error[0]:
                found["article_error"] = "different"
            else:
                found["article_error"] = (
                    "same" if error == article_error else "first line"
                )
        return found
    if not (LISTINGS / f"{listing}.out").exists():
        return {"kind": "runs"}
    difference = first_difference(article_output + (article_error or []), here)
    if difference is None:
        return {"kind": "matches"}
    return {"kind": "differs", "first_difference": difference}


# --- running them -------------------------------------------------------------------


@pytest.fixture(scope="module")
def ran(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """Every listing that can run here, run once (tests/listings/runner.py)."""
    workdir = tmp_path_factory.mktemp("listings")
    runnable = [i for i in IDS if OUTCOMES.get(i, {}).get("kind") != "cannot-run"]
    results = workdir / "results.json"
    env = os.environ | {"MPLBACKEND": "Agg", "LISTING_TIMEOUT": str(LISTING_TIMEOUT)}
    subprocess.run(
        [PYTHON, LISTINGS / "runner.py", results, *runnable],
        cwd=workdir,
        env=env,
        stdin=subprocess.DEVNULL,
        check=True,
        timeout=LISTING_TIMEOUT * (len(runnable) + 2),
    )
    return json.loads(results.read_text())


@pytest.mark.parametrize("listing", IDS)
def test_each_listing_does_what_is_recorded(listing: str, ran: dict) -> None:
    recorded = OUTCOMES[listing]
    if recorded["kind"] == "cannot-run":
        needs = recorded["needs"]
        assert not ran["available"][needs], (
            f"{needs} can be imported now: run {listing} and record its outcome"
        )
        pytest.skip(f"{listing}: cannot run here: {recorded['reason']}")
    result = ran["listings"][listing]
    expected = {key: recorded[key] for key in CHECKED if key in recorded}
    assert observed(listing, result) == expected, (
        f"{listing} no longer does what tests/listings/outcomes.toml records.\n"
        f"error: {result['error']}\nstdout:\n{result['stdout'][:2000]}\n"
        f"errors of the listings run before it: {result['after_errors']}"
    )


def test_every_listing_has_one_record_in_article_order() -> None:
    assert list(OUTCOMES) == IDS
    for article in ARTICLES:
        numbers = [order(i)[1] for i in IDS if i.startswith(article + "-")]
        assert numbers == list(range(1, len(numbers) + 1)), article


@pytest.mark.parametrize("listing", IDS)
def test_each_record_is_complete(listing: str) -> None:
    recorded = OUTCOMES[listing]
    kind = recorded["kind"]
    assert kind in KINDS
    assert recorded["what"]
    assert isinstance(recorded["discussed"], list)
    required = {
        "differs": {"first_difference", "note"},
        "fails": {"error"},
        "cannot-run": {"needs", "reason"},
    }.get(kind, set())
    assert required <= recorded.keys(), f"{listing} ({kind}) needs {required}"
    has_output = (LISTINGS / f"{listing}.out").exists()
    if kind in ("matches", "differs") or "article_error" in recorded:
        assert has_output, f"{listing}: no tests/listings/{listing}.out to compare"
    if kind == "runs":
        assert not has_output, f"{listing}: the article prints output: compare it"


@pytest.mark.parametrize("listing", IDS)
def test_a_listing_runs_after_earlier_listings_of_its_article_only(
    listing: str,
) -> None:
    head = (LISTINGS / f"{listing}.py").read_text().split("\n\n")[0]
    after = re.findall(r"^# after: (.*)$", head, re.MULTILINE)
    for earlier in re.split(r",\s*", after[0]) if after else []:
        assert earlier in IDS, f"{listing} runs after unknown {earlier}"
        assert earlier.split("-")[0] == listing.split("-")[0]
        assert order(earlier) < order(listing)


# --- the table of book/listings-table.md ------------------------------------------


def lesson_titles() -> dict[str, str]:
    """check label -> the title of the lesson that defines it."""
    titles = {}
    for lesson in sorted((ROOT / "lessons").glob("*.md")):
        text = lesson.read_text()
        title = re.search(r"^# (.+)$", text.split("\n---\n", 1)[-1], re.MULTILINE)
        for label in LABEL.findall(text):
            titles[label] = title[1].strip() if title else lesson.stem
    return titles


def code(text: str) -> str:
    """text as a Markdown code span."""
    fence = "`" * (max(map(len, re.findall("`+", text)), default=0) + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{fence}{pad}{text}{pad}{fence}"


def outcome_text(recorded: dict) -> str:
    kind = recorded["kind"]
    if kind == "matches":
        text = "runs and matches the article's output"
    elif kind == "runs":
        text = "runs; the article prints no output to compare"
    elif kind == "differs":
        d = recorded["first_difference"]
        text = (
            f"runs with different output: line {d['line']} is {code(d['article'])} "
            f"in the article, {code(d['here'])} here"
        )
    elif kind == "fails":
        text = {
            None: "fails: ",
            "same": "fails, as the article shows: ",
            "first line": "fails, as the article shows (its message then differs): ",
            "different": "fails, not as the article shows: ",
        }[recorded.get("article_error")] + code(recorded["error"])
    else:
        text = f"cannot run here: {recorded['reason']}"
    if recorded.get("note"):
        text += f" — {recorded['note']}"
    return text


def render_table() -> str:
    titles = lesson_titles()
    rows = []
    for listing, recorded in OUTCOMES.items():
        for label in recorded["discussed"]:
            assert label in titles, f"{listing}: no ({label})= in lessons/*.md"
        links = [
            f"{{ref}}`{titles[label]} <{label}>`" for label in recorded["discussed"]
        ]
        cells = (
            f"`{listing}`: {recorded['what']}",
            outcome_text(recorded),
            ", ".join(links) or "—",
        )
        rows.append("| " + " | ".join(c.replace("|", "\\|") for c in cells) + " |")
    return "\n".join(
        [
            "% Generated by tests/test_article_listings.py from",
            "% tests/listings/outcomes.toml: edit that file, then run",
            "% `.venv/bin/python tests/test_article_listings.py`.",
            "",
            "Every code listing of the five articles, run as printed with the",
            "course's pinned versions. Listings are numbered per article in the",
            "order the article prints them; one that uses names from earlier",
            "listings runs after them, as for a reader who runs the article from",
            "the top. A test re-runs them all and fails when an outcome changes.",
            "",
            "| Listing | Outcome when run as printed | Discussed in |",
            "| --- | --- | --- |",
            *rows,
            "",
        ]
    )


def test_the_books_table_is_generated_from_the_recorded_outcomes() -> None:
    assert TABLE.exists()
    assert TABLE.read_text() == render_table(), (
        "book/listings-table.md is out of date: run "
        "`.venv/bin/python tests/test_article_listings.py`"
    )


# --- the comparison itself ------------------------------------------------------------


def test_whitespace_is_normalised_but_numbers_are_compared_as_printed() -> None:
    assert normalise("tensor([ 0.,  0.,\t5.])\n\n") == ["tensor([ 0., 0., 5.])"]
    assert first_difference(["2"], ["2.0"]) == {
        "line": 1,
        "article": "2",
        "here": "2.0",
    }
    assert first_difference(["a"], ["a", "b"]) == {
        "line": 2,
        "article": "",
        "here": "b",
    }
    assert first_difference(["a b"], normalise(" a   b ")) is None


def test_a_published_traceback_is_read_as_output_then_error() -> None:
    output, error = published("phung-2")
    assert output == ["<class 'int'>"]
    assert error is not None
    assert error[0].startswith("TypeError: clip() received")


if __name__ == "__main__":
    TABLE.write_text(render_table())
    print(f"wrote {TABLE.relative_to(ROOT)}")
