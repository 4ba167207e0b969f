"""`make watch`: a save rebuilds a small course, its served page changes, pages reload.

A course of two one-cell lessons (tests/small_course.py) is built and served by
coursegen.watch; the test then saves a lesson's prose, its code, and a file of
relu_course, and reads the page over HTTP until it shows the change, with the
reload event that open pages receive. The execution cache's records tell which
lessons ran again: only the edited one after a code edit, all after a package
edit. A prose edit re-writes only its page (and those Sphinx re-writes after
any change: the root page, whose table of contents lists it, the index and the
search page), exactly as `make book` writes it, by the build started ahead of
time (coursegen/warm.py), and a build that fails keeps the last site. About 60 s.
"""

from __future__ import annotations

import http.client
import os
import subprocess
import threading
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from jupyter_cache import get_cache

from coursegen import editions, warm, watch
from tests import small_course  # the root is on sys.path (python -m pytest)

LESSON = """\
(lesson-{name})=
# Lesson {name}

PROSE-{name}-first.

```{{code-cell}} ipython3
print("OUTPUT-{name}-" + str(1))
```
"""
WAIT = 90  # seconds a rebuild may take on a busy machine


class Served:
    """The watcher running on a small course, and a page's reload events."""

    def __init__(self, watcher: watch.Watcher, url: str) -> None:
        self.watcher, self.url = watcher, url
        self.stop = threading.Event()
        self.thread = threading.Thread(target=watcher.run, args=(self.stop,))
        self.thread.start()
        host, port = watcher.server.server_address[:2] if watcher.server else ("", 0)
        self.events = http.client.HTTPConnection(str(host), int(port), timeout=WAIT)
        self.events.request("GET", watch.EVENTS)
        self.stream = self.events.getresponse()

    def pause(self) -> None:
        """Stop looking for changes (the test builds or edits without the watcher)."""
        self.stop.set()
        self.thread.join(timeout=WAIT)
        assert not self.thread.is_alive()

    def resume(self) -> None:
        """Look for changes again, from the files as they are now."""
        self.watcher.seen = watch.snapshot(self.watcher.root)
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self.watcher.run, args=(self.stop,))
        self.thread.start()

    def built(self) -> dict[str, int]:
        """Every page of the built site and its modification time (ns)."""
        site = self.watcher.site
        return {
            str(path.relative_to(site)): path.stat().st_mtime_ns
            for path in site.rglob("*.html")
        }

    def page(self, name: str) -> str:
        with urllib.request.urlopen(f"{self.url}lessons/{name}.html") as response:
            return response.read().decode()

    def next_event(self) -> str:
        """The next version the server sends (skipping keep-alive comments)."""
        while True:
            line = self.stream.readline().decode().strip()
            if line.startswith("data: "):
                return line.removeprefix("data: ")

    def shows(self, name: str, text: str) -> float:
        """Seconds until the served page shows text; fails after WAIT."""
        started = time.perf_counter()
        while text not in self.page(name):
            assert time.perf_counter() - started < WAIT, f"{text} never showed"
            time.sleep(0.2)
        return time.perf_counter() - started

    def runs(self) -> dict[str, object]:
        """Each lesson's record in the execution cache: when it was executed."""
        cache = get_cache(str(self.watcher.root / "_build" / ".jupyter_cache"))
        return {Path(r.uri).stem: r.created for r in cache.list_cache_records()}


def _watched(root: Path, lessons: dict[str, str], edition: str) -> Iterator[Served]:
    """A small course of these lessons at root, its edition built and watched."""
    small_course.write(root, lessons)
    (root / "relu_course").mkdir()
    (root / "relu_course" / "__init__.py").write_text('"""The package."""\n')
    watcher = watch.Watcher(root, edition)
    assert watcher.build(), "the first build failed"
    served = Served(watcher, watcher.serve())
    yield served
    served.pause()
    served.events.close()
    watcher.close()


@pytest.fixture(scope="module")
def served(tmp_path_factory) -> Iterator[Served]:
    lessons = {name: LESSON.format(name=name) for name in ("one", "two")}
    yield from _watched(tmp_path_factory.mktemp("course"), lessons, "public")


TEACHER_NOTE = """
:::{admonition} For teachers
:class: teacher-note

NOTE-first.
:::
"""


@pytest.fixture(scope="module")
def teacher(tmp_path_factory) -> Iterator[Served]:
    """The teacher edition of a one-lesson course, built and watched."""
    lesson = LESSON.format(name="one") + TEACHER_NOTE
    yield from _watched(tmp_path_factory.mktemp("course"), {"one": lesson}, "teacher")


def test_an_edition_is_rebuilt_by_its_waiting_build_and_served(teacher, monkeypatch):
    built_by: list[warm.WarmBuild] = []
    build = warm.WarmBuild.build

    def recorded(self: warm.WarmBuild) -> bool:
        built_by.append(self)
        return build(self)

    monkeypatch.setattr(warm.WarmBuild, "build", recorded)
    assert teacher.watcher.site == teacher.watcher.root / "_build/teacher/html"
    assert "NOTE-first" in teacher.page("one")  # the teacher edition's note
    assert teacher.next_event() == "0"  # the version an open page starts with
    _edit(teacher.watcher.root / "lessons" / "one.md", "NOTE-first", "NOTE-second")
    teacher.shows("one", "NOTE-second")
    assert teacher.next_event() == "1"
    assert len(built_by) == 1  # the build set up ahead, not a new process


def test_a_waiting_build_that_ended_is_set_up_again_and_the_edit_served(
    teacher, capsys
):
    # Another build of the course (make book beside make watch) may end the
    # waiting one while it sets up; the next save must still be served.
    waiting = teacher.watcher.warm
    assert waiting is not None
    waiting.process.kill()
    waiting.process.wait()
    _edit(teacher.watcher.root / "lessons" / "one.md", "NOTE-second", "NOTE-third")
    teacher.shows("one", "NOTE-third")
    assert teacher.next_event() == "2"
    assert "set up ahead had ended" in capsys.readouterr().out


def _edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text
    path.write_text(text.replace(old, new))


def test_pages_are_served_with_the_reload_script_the_built_files_lack(served):
    page = served.page("one")
    assert "PROSE-one-first" in page
    assert "new EventSource" in page
    assert watch.EVENTS in page
    built = served.watcher.site / "lessons" / "one.html"
    assert "EventSource" not in built.read_text()
    assert served.next_event() == "0"  # the version the page was served with


def test_a_prose_edit_shows_on_the_served_page_and_open_pages_reload(served):
    before = served.runs()
    _edit(served.watcher.root / "lessons" / "one.md", "first", "second")
    seconds = served.shows("one", "PROSE-one-second")
    assert served.next_event() == "1"
    assert 'event.data !== "1"' in served.page("one")  # served with the new version
    assert served.runs() == before  # prose only: nothing executed again
    print(f"prose edit visible after {seconds:.1f} s")


def test_a_prose_edit_rewrites_only_its_page_and_those_sphinx_always_rewrites(served):
    before = served.built()
    _edit(served.watcher.root / "lessons" / "one.md", "second", "third")
    served.shows("one", "PROSE-one-third")
    assert served.next_event() == "2"
    after = served.built()
    rewritten = {page for page in after if after[page] != before.get(page)}
    # The root page's table of contents lists the lesson; the index and the
    # search page are written at every build, as by `make book`.
    assert rewritten == {
        "lessons/one.html",
        "book/intro.html",
        "genindex.html",
        "search.html",
    }


def test_the_page_a_prose_edit_rebuilt_is_the_page_make_book_writes(served):
    page = served.watcher.site / "lessons" / "one.html"
    from_watch = page.read_bytes()
    served.pause()
    try:
        lesson = served.watcher.root / "lessons" / "one.md"
        os.utime(lesson)  # saved again, unchanged: make book re-writes its page
        command = editions.jupyter_book(served.watcher.root)  # make book's Sphinx
        subprocess.run(command, cwd=served.watcher.root, check=True)
        assert page.stat().st_mtime_ns > lesson.stat().st_mtime_ns
        assert page.read_bytes() == from_watch
    finally:
        served.resume()


def test_a_code_edit_executes_only_that_lesson_again(served):
    before = served.runs()
    _edit(served.watcher.root / "lessons" / "two.md", "str(1)", "str(2)")
    served.shows("two", "OUTPUT-two-2")
    assert served.next_event() == "3"
    after = served.runs()
    assert after["one"] == before["one"]
    assert after["two"] > before["two"]


def test_an_edit_of_relu_course_executes_every_lesson_again(served):
    before = served.runs()
    package = served.watcher.root / "relu_course" / "__init__.py"
    package.write_text('"""The package, edited."""\n')
    assert served.next_event() == "4"
    after = served.runs()
    assert all(after[name] > before[name] for name in ("one", "two"))


def _saved(watcher: watch.Watcher) -> list[Path]:
    """The files saved since the watcher last looked (waiting for a save)."""
    changed: list[Path] = []
    while not changed:
        changed = watcher.changes()
    return changed


def test_a_prose_edit_that_fails_the_build_sends_no_reload_until_fixed(served, capsys):
    served.pause()  # the test looks for changes itself now
    watcher = served.watcher
    lesson = watcher.root / "lessons" / "one.md"
    _edit(lesson, "PROSE-one-third.", "PROSE-one-fourth, see {ref}`no-such-label`.")
    assert watcher.rebuild(_saved(watcher)) is None  # -n -W: a broken reference
    assert "the build failed" in capsys.readouterr().out
    assert watcher.versions.number == 4
    _edit(lesson, ", see {ref}`no-such-label`.", ".")
    assert watcher.rebuild(_saved(watcher)) is not None  # the next warm build
    assert watcher.versions.number == 5
    assert "PROSE-one-fourth." in served.page("one")


def test_a_failed_build_keeps_the_last_site_and_sends_no_reload(served, capsys):
    watcher = served.watcher
    lesson = watcher.root / "lessons" / "one.md"
    _edit(lesson, 'print("OUTPUT', 'raise SystemExit("OUTPUT')
    changed = _saved(watcher)
    assert changed == [lesson]
    assert watcher.rebuild(changed) is None
    assert "the build failed" in capsys.readouterr().out
    assert watcher.versions.number == 5
    assert "PROSE-one-fourth." in served.page("one")
