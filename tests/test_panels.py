"""Unit tests of relu_course.panels: the three-panel training animation, each
frame one snapshot of a History.

Every animation made here is rendered before the test ends: matplotlib warns
about an animation deleted unrendered, and warnings are errors.
"""

from __future__ import annotations

import re

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest

import relu_course as rc

mpl.use("Agg")


pytestmark = pytest.mark.usefixtures("small_renders")


def title_numbers(anim) -> tuple[int, float]:
    """The epoch and the loss that the figure's title shows."""
    text = anim._fig.get_suptitle()
    match = re.fullmatch(r"epoch (\d+)\s+loss (\S+)", text)
    assert match, text
    return int(match.group(1)), float(match.group(2))


def test_the_animation_has_three_panels_each_with_an_x_axis_label(animate):
    anim = animate()
    axes = anim._fig.axes
    assert len(axes) == 3
    assert [ax.get_xlabel() for ax in axes] == ["x", "x", "x"]
    assert all(ax.get_title() for ax in axes)


def test_the_first_two_panels_have_one_line_per_hidden_unit(animate, training_run):
    anim = animate()
    n_units = len(training_run[2].final.w0)
    first, second, third = anim._fig.axes
    assert len(first.get_lines()) == n_units
    assert len(second.get_lines()) == n_units
    labels = [line.get_label() for line in third.get_lines()]
    assert labels == ["target", "prediction"]


def test_the_lines_are_drawn_over_sorted_x(animate, training_run):
    x, y, _ = training_run
    anim = animate()
    order = np.argsort(x)
    for ax in anim._fig.axes:
        for line in ax.get_lines():
            np.testing.assert_array_equal(line.get_xdata(), x[order])
    target = anim._fig.axes[2].get_lines()[0]
    np.testing.assert_array_equal(target.get_ydata(), y[order])


@pytest.mark.parametrize("frame", [0, 1, 2])
def test_each_frame_shows_its_snapshot_in_lines_and_title(animate, training_run, frame):
    x, _, history = training_run
    anim = animate()
    anim._func(frame)
    snapshot = history.snapshots[frame]
    xs = np.sort(x).astype(float)

    epoch, loss = title_numbers(anim)
    assert epoch == snapshot.epoch
    assert loss == pytest.approx(snapshot.loss, rel=1e-3)  # shown with 4 digits

    first, second, third = anim._fig.axes
    expected_units = rc.unit_outputs(snapshot, xs)
    expected_scaled = rc.unit_contributions(snapshot, xs)
    for j, line in enumerate(first.get_lines()):
        np.testing.assert_allclose(line.get_ydata(), expected_units[:, j])
    for j, line in enumerate(second.get_lines()):
        np.testing.assert_allclose(line.get_ydata(), expected_scaled[:, j])
    np.testing.assert_allclose(
        third.get_lines()[1].get_ydata(), rc.predict(snapshot, xs)
    )


def test_the_first_frame_is_drawn_before_the_animation_starts(animate, training_run):
    _, _, history = training_run
    anim = animate()
    assert title_numbers(anim)[0] == history.snapshots[0].epoch


def test_the_y_limits_hold_every_frame(animate, training_run):
    x, y, history = training_run
    anim = animate()
    xs = np.sort(x).astype(float)
    first, second, third = anim._fig.axes
    for snapshot in history.snapshots:
        for ax, values in (
            (first, rc.unit_outputs(snapshot, xs)),
            (second, rc.unit_contributions(snapshot, xs)),
            (third, np.concatenate([rc.predict(snapshot, xs), y])),
        ):
            low, high = ax.get_ylim()
            assert low <= values.min()
            assert values.max() <= high


def test_an_empty_history_cannot_be_animated(training_run):
    x, y, _ = training_run
    with pytest.raises(ValueError, match="history has no snapshots"):
        rc.training_animation(rc.History(losses=np.array([])), x, y)
    assert plt.get_fignums() == []


def test_x_and_y_of_different_lengths_cannot_be_animated(training_run):
    x, y, history = training_run
    with pytest.raises(ValueError, match="same length, got 40 and 39"):
        rc.training_animation(history, x, y[:-1])
    assert plt.get_fignums() == []
