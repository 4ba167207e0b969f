"""The claims page agrees with the lessons: every check is listed, with its verdict."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CLAIMS = ROOT / "book" / "claims.md"
# The four verdicts of the claims page's legend. At the same position the longest
# wins: "holds with a stated change" is not read as "holds".
VERDICTS = (
    "holds",
    "holds with a stated change",
    "does not hold",
    "cannot be tested here",
)
# The vocabulary before it had four verdicts: none may come back.
RETIRED = ("holds only", "not checked")
TARGET = re.compile(r"^\((check-[a-z0-9-]+)\)=\s*$", re.MULTILINE)


def verdict_of(text: str) -> str | None:
    """The first verdict phrase in text, or None."""
    text = " ".join(text.split())  # a verdict may wrap across lines
    found = [(text.find(v), -len(v), v) for v in VERDICTS if v in text]
    return min(found)[2] if found else None


def lesson_checks() -> dict[str, tuple[str, str | None, str]]:
    """check label -> (lesson file, verdict after its bold 'Check', that text)."""
    checks = {}
    for lesson in sorted((ROOT / "lessons").glob("*.md")):
        text = lesson.read_text()
        for match in TARGET.finditer(text):
            paragraph = text[match.end() :].lstrip().split("\n\n")[0]
            # The verdict follows the bold lead-in "**Check, ...:**", if any.
            _, _, after = paragraph.partition(":**")
            stated = after or paragraph
            checks[match.group(1)] = (lesson.name, verdict_of(stated), stated)
    return checks


def claims_rows() -> dict[str, str]:
    """check label -> the claims page's table row that links it."""
    rows = {}
    for line in CLAIMS.read_text().splitlines():
        for label in re.findall(r"<(check-[a-z0-9-]+)>`", line):
            rows[label] = line
    return rows


CHECKS = lesson_checks()


def test_the_lessons_label_their_checks():
    assert CHECKS, "no (check-...)= targets found in lessons/"


@pytest.mark.parametrize("label", sorted(CHECKS))
def test_every_check_in_a_lesson_states_a_verdict(label):
    lesson, verdict, _ = CHECKS[label]
    assert verdict is not None, (
        f"lessons/{lesson}: the paragraph after ({label})= states none of {VERDICTS}"
    )


@pytest.mark.parametrize("label", sorted(CHECKS))
def test_every_check_is_listed_on_the_claims_page_with_the_same_verdict(label):
    lesson, verdict, _ = CHECKS[label]
    row = claims_rows().get(label)
    assert row is not None, f"book/claims.md does not link {label} (lessons/{lesson})"
    cells = [cell.strip() for cell in row.strip().strip("|").split("|")]
    assert verdict_of(cells[1]) == verdict, (
        f"book/claims.md gives '{cells[1]}' for {label}; lessons/{lesson} says "
        f"'{verdict}'"
    )


def test_the_claims_page_explains_each_verdict_and_uses_each():
    text = CLAIMS.read_text()
    legend = dict(re.findall(r"^\| \*\*([a-z ]+)\*\* \| (.+) \|$", text, re.MULTILINE))
    assert sorted(legend) == sorted(VERDICTS), legend
    used = {verdict_of(row.split("|")[2]) for row in claims_rows().values()}
    assert used == set(VERDICTS), f"verdicts not used on the claims page: {used}"


@pytest.mark.parametrize("label", sorted(CHECKS))
def test_no_check_uses_a_retired_verdict(label):
    lesson, _, stated = CHECKS[label]
    row = claims_rows().get(label, "")
    for retired in RETIRED:
        assert retired not in " ".join(stated.split()), f"lessons/{lesson}, {label}"
        assert retired not in row, f"book/claims.md, {label}: '{retired}'"


def test_the_claims_page_links_only_checks_that_exist():
    unknown = sorted(set(claims_rows()) - set(CHECKS))
    assert not unknown, f"book/claims.md links missing targets: {unknown}"


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        (
            "holds with a stated change: only for continuous data",
            "holds with a stated change",
        ),
        ("does not hold as printed; holds after the fix", "does not hold"),
        ("holds, as arithmetic", "holds"),
        ("cannot be tested here: TensorFlow is not installed", "cannot be tested here"),
        ("a claim without a verdict", None),
    ],
)
def test_verdict_of_reads_the_first_and_most_specific_phrase(text, verdict):
    assert verdict_of(text) == verdict
