"""The course's time budgets, in seconds, on its 2-core build machine.

The targets `make bench` holds its measures to (coursegen/bench/builds.py and
preview.py print them beside each median); CONTRIBUTING.md says what a lesson
must do to keep them.
"""

from __future__ import annotations

__all__ = ["COLD", "EDITED", "MAKE_TEST", "WARM", "WATCH_CODE", "WATCH_PROSE"]

COLD = 60  # the whole course from a fresh copy, every lesson executed
WARM = 5  # the same again, nothing changed
EDITED = 10  # one lesson edited: it executes again and its pages are written
MAKE_TEST = 240  # `make test`, cold, after the venv's set-up
WATCH_PROSE = 10  # `make watch`: a lesson's prose saved, to the page's reload
# `make watch`: a lesson's code saved, to the reload; its build waits set up, so
# it is held to make book's rebuild of an edited lesson
WATCH_CODE = EDITED
