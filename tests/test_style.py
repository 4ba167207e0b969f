"""Unit tests of relu_course.style: the palette and the rcParams of the course."""

from __future__ import annotations

import re

import matplotlib as mpl
import matplotlib.pyplot as plt
import pytest
from matplotlib.colors import to_hex

import relu_course as rc

mpl.use("Agg")

# The order of the colour cycle, as documented in relu_course/style.py; black is
# kept out of it for the target curves.
CYCLE_ORDER = ("blue", "orange", "green", "vermillion", "purple", "sky", "yellow")

# Okabe & Ito (2008), "Color Universal Design", the RGB values of the palette.
OKABE_ITO_RGB = {
    "black": (0, 0, 0),
    "orange": (230, 159, 0),
    "sky": (86, 180, 233),
    "green": (0, 158, 115),
    "yellow": (240, 228, 66),
    "blue": (0, 114, 178),
    "vermillion": (213, 94, 0),
    "purple": (204, 121, 167),
}


@pytest.fixture(autouse=True)
def _restore_rc_params_and_close_figures():
    with mpl.rc_context():
        yield
    plt.close("all")


def test_the_palette_colours_are_distinct_hex_strings():
    values = list(rc.COLORS.values())
    assert all(re.fullmatch(r"#[0-9A-Fa-f]{6}", v) for v in values), values
    assert len({v.lower() for v in values}) == len(values)


def test_the_palette_is_okabe_and_ito():
    expected = {
        name: "#{:02x}{:02x}{:02x}".format(*rgb) for name, rgb in OKABE_ITO_RGB.items()
    }
    assert {name: v.lower() for name, v in rc.COLORS.items()} == expected


def test_use_course_style_sets_the_colour_cycle_in_the_documented_order():
    mpl.rcParams["axes.prop_cycle"] = mpl.cycler(color=["red"])
    rc.use_course_style()
    cycle = mpl.rcParams["axes.prop_cycle"].by_key()["color"]
    assert cycle == [rc.COLORS[name] for name in CYCLE_ORDER]
    assert rc.COLORS["black"] not in cycle


def test_lines_drawn_after_use_course_style_take_the_palette_in_order():
    rc.use_course_style()
    _, ax = plt.subplots()
    lines = [ax.plot([0, 1], [i, i])[0] for i in range(len(CYCLE_ORDER) + 1)]
    colours = [to_hex(line.get_color()) for line in lines]
    expected = [rc.COLORS[name].lower() for name in CYCLE_ORDER]
    assert colours == [*expected, expected[0]]  # and the cycle starts over


def test_use_course_style_turns_the_grid_on_and_the_top_and_right_spines_off():
    mpl.rcParams.update(
        {"axes.grid": False, "axes.spines.top": True, "axes.spines.right": True}
    )
    rc.use_course_style()
    assert mpl.rcParams["axes.grid"] is True
    assert mpl.rcParams["axes.spines.top"] is False
    assert mpl.rcParams["axes.spines.right"] is False
    _, ax = plt.subplots()
    assert not ax.spines["top"].get_visible()
    assert ax.spines["left"].get_visible()


def test_use_course_style_fixes_the_svg_hash_salt_for_reproducible_files():
    rc.use_course_style()
    assert mpl.rcParams["svg.hashsalt"] == "relu-course"
