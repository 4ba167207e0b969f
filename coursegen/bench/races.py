"""Two ways of doing the same work, timed in turns: how many times faster one is.

The training animation made the course's way and the way the MLDawn article
makes it, and two experiments that repeat a training (the dying-relu sweep,
the wiggly-curve survey) looped one model at a time and batched. The ways
themselves are in coursegen/bench/ways.py.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from typing import NamedTuple

from coursegen.bench.rows import med, verdict

Times = dict[str, list[float]]  # seconds of each run, by way


class Race(NamedTuple):
    label: str  # the row of the table
    slow: str  # the way expected to be slower ...
    fast: str  # ... than this one
    target: float  # ... at least this many times


RACES = {
    "animation": Race(
        "training animation, 40 frames: MLDawn's way / the course's",
        "mldawn",
        "course",
        3,
    ),
    "dying": Race(
        "dying-relu sweep, 100 trainings of 150 epochs: looped / batched",
        "looped",
        "batched",
        10,
    ),
    "survey": Race(
        "wiggly-curve survey, 40 trainings of 7000 Adam steps: looped / batched",
        "looped",
        "batched",
        10,
    ),
}


def alternate(
    runs: int, ways: dict[str, Callable[[], object]], warm: bool = True
) -> Times:
    """Time each way runs times, taking turns so drift affects them alike.

    With `warm`, each way runs once untimed first: PyTorch's and matplotlib's
    one-time set-up is paid there, not by whichever way happens to go first.
    """
    for way in ways.values() if warm else ():
        way()
    times: Times = {name: [] for name in ways}
    for _ in range(runs):
        for name, way in ways.items():
            start = time.perf_counter()
            way()
            times[name].append(time.perf_counter() - start)
    return times


def bench_races(runs: int) -> dict[str, Times]:
    """Every race of RACES, runs times each."""
    from coursegen.bench import ways  # PyTorch and matplotlib: only when racing

    return {
        "animation": alternate(
            runs, {"course": ways.course_way, "mldawn": ways.mldawn_way}
        ),
        "dying": alternate(
            runs,
            {
                "looped": lambda: ways.dying_sweep(batched=False),
                "batched": lambda: ways.dying_sweep(batched=True),
            },
        ),
        "survey": alternate(
            runs,
            {
                "looped": lambda: ways.wiggly_survey(batched=False),
                "batched": lambda: ways.wiggly_survey(batched=True),
            },
            # A minute a run looped: the set-up was paid by the runs before.
            warm=False,
        ),
    }


def race_rows(results: dict[str, Times]) -> list[str]:
    """For each race run: the ratio of the two ways, then each way's seconds."""
    rows = []
    for name, race in RACES.items():
        times = results.get(name)
        if not times:
            continue
        slow, fast = times[race.slow], times[race.fast]
        ratios = [s / f for s, f in zip(slow, fast, strict=True)]
        mark = verdict(statistics.median(ratios), race.target, at_least=True)
        rows += [
            f"| {race.label} | {med(ratios, 'x')} | >= {race.target:g}x | {mark} |",
            f"| - {race.slow} | {med(slow, digits=2)} | | |",
            f"| - {race.fast} | {med(fast, digits=2)} | | |",
        ]
    return rows
