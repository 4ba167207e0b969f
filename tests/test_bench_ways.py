"""coursegen/bench/ways.py: the ways `make bench` races do the same work, each way.

The bench's settings (4000 epochs, 20 seeds...) take minutes; the tests shrink
them to a few epochs and seeds: what is checked is that the two ways of each
pair produce the same thing, which does not depend on the size.
"""

from __future__ import annotations

import math
from dataclasses import replace

import pytest

from coursegen.bench import races
from coursegen.bench import ways as bench_ways


@pytest.fixture
def small(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bench's settings, shrunk: 2 small frames, 2 seeds, 2 learning rates."""
    monkeypatch.setattr(bench_ways, "EPOCHS", 20)
    monkeypatch.setattr(bench_ways, "EVERY", 10)
    monkeypatch.setattr(bench_ways, "DPI", 20)
    monkeypatch.setattr(bench_ways, "SEEDS", range(2))
    monkeypatch.setattr(bench_ways, "SWEEP_EPOCHS", 20)
    monkeypatch.setattr(bench_ways, "LEARNING_RATES", [1e-4, 1e-3])
    monkeypatch.setattr(bench_ways, "SURVEY", replace(bench_ways.SURVEY, epochs=3))


def test_both_ways_of_the_animation_make_the_same_frames(small):
    course, mldawn = bench_ways.course_way(), bench_ways.mldawn_way()
    assert course.frames == mldawn.frames == 2  # epochs 0 and 10
    assert (course.width, course.height) == (mldawn.width, mldawn.height)
    for player in (course, mldawn):
        assert player.sprite.startswith(b"\x89PNG")


def test_the_article_relu_is_relu_for_one_number():
    assert [bench_ways.relu(z) for z in (-2.0, 0.0, 1.5)] == [0.0, 0.0, 1.5]


def test_the_dying_sweep_finds_the_same_dead_units_looped_and_batched(small):
    looped = bench_ways.dying_sweep(batched=False)
    batched = bench_ways.dying_sweep(batched=True)
    assert len(looped) == len(batched) == 2  # one list per learning rate
    for one, many in zip(looped, batched, strict=True):
        assert [r.seed for r in one] == [r.seed for r in many] == [0, 1]
        assert [r.dead_at_end for r in one] == [r.dead_at_end for r in many]
        for a, b in zip(one, many, strict=True):
            assert a.diverged == b.diverged  # at 1e-3 they diverge, both ways
            assert a.final_loss == pytest.approx(b.final_loss, rel=1e-4, nan_ok=True)


def test_the_wiggly_survey_trains_the_same_networks_looped_and_batched(small):
    looped = bench_ways.wiggly_survey(batched=False)
    batched = bench_ways.wiggly_survey(batched=True)
    # 2 seeds of each initialisation (Keras-like, PyTorch's default)
    assert len(looped) == len(batched) == 4
    first_losses = [history.losses[0] for _, history in looped]
    assert first_losses[0] != first_losses[2]  # the two initialisations differ
    for (_, one), (_, many) in zip(looped, batched, strict=True):
        assert len(one.losses) == len(many.losses) == 3
        assert not math.isnan(one.losses[-1])
        assert one.losses[-1] == pytest.approx(many.losses[-1], rel=1e-4)


def test_the_bench_warms_each_way_but_the_minute_long_survey(monkeypatch):
    calls: list[str] = []

    def way(name: str):
        def run(batched: bool | None = None) -> None:
            calls.append(name if batched is None else f"{name} batched={batched}")

        return run

    for name in ("course_way", "mldawn_way", "dying_sweep", "wiggly_survey"):
        monkeypatch.setattr(bench_ways, name, way(name))
    times = races.bench_races(runs=2)
    animation = ["course_way", "mldawn_way"]
    dying = ["dying_sweep batched=False", "dying_sweep batched=True"]
    survey = ["wiggly_survey batched=False", "wiggly_survey batched=True"]
    # each way once untimed, then 2 runs; the survey is not run untimed first
    assert calls == animation * 3 + dying * 3 + survey * 2
    assert {race: sorted(t) for race, t in times.items()} == {
        "animation": ["course", "mldawn"],
        "dying": ["batched", "looped"],
        "survey": ["batched", "looped"],
    }
    assert all(len(t) == 2 for race in times.values() for t in race.values())
