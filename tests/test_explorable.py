"""relu_course.explorables: every state computed in Python, drawn as SVG paths in
data coordinates, controls labelled and announced, nothing fetched."""

from __future__ import annotations

import gzip
import json
import re
from html import unescape
from importlib import resources

import pytest

import relu_course as rc

XS = (-3.0, 3.0)


def unit_scene(m: float, b: float) -> rc.Scene:
    kink = [] if m == 0 else [-b / m]
    line = rc.piecewise_linear(lambda x: rc.relu(m * x + b), *XS, kink)
    return rc.Scene({"unit": [line]}, f"m = {m:g}, b = {b:g}")


def unit_explorable(**changes) -> rc.Explorable:
    arguments = {
        "draw": unit_scene,
        "controls": [
            rc.Slider("m", "slope m", [-1.0, 0.0, 1.0, 2.0], default=1.0),
            rc.Slider("b", "intercept b", [-1.0, 0.0, 1.0]),
        ],
        "curves": [rc.Curve("unit", "relu(m x + b)")],
        "xlim": XS,
        "ylim": (-1.0, 7.0),
        "title": "One unit",
    }
    return rc.explorable(**{**arguments, **changes})


def payload(html: str) -> dict:
    data = re.search(r'class="course-explorable-data">(.*?)</script>', html, re.S)
    assert data is not None
    return json.loads(data[1])


def points(d: str) -> list[list[tuple[float, float]]]:
    """Path data back to polylines of (x, y)."""
    return [
        [
            tuple(map(float, pair.split(",")))
            for pair in re.findall(r"[-\d.e]+,[-\d.e]+", sub)
        ]
        for sub in d.split("M")[1:]
    ]


def test_a_polyline_of_a_piecewise_linear_function_has_its_kinks_as_vertices():
    line = rc.piecewise_linear(lambda x: abs(x - 1.0), -2.0, 4.0, [1.0, 1.0, 9.0])
    assert line == [(-2.0, 3.0), (1.0, 0.0), (4.0, 3.0)]


def test_a_polyline_needs_an_interval_from_low_to_high():
    with pytest.raises(ValueError, match="lo < hi"):
        rc.piecewise_linear(abs, 1.0, 1.0)


def test_there_is_one_state_per_combination_of_the_controls_values():
    explorable = unit_explorable()
    assert (explorable.controls, explorable.states) == (2, 12)
    assert len(payload(explorable.html)["states"]) == 12
    assert payload(explorable.html)["sizes"] == [4, 3]


def test_each_state_draws_what_the_draw_function_computed_for_its_values():
    data = payload(unit_explorable().html)
    for k, (m, b) in enumerate((m, b) for m in (-1, 0, 1, 2) for b in (-1, 0, 1)):
        (paths, says) = data["states"][k]
        assert says == f"m = {m:g}, b = {b:g}"
        for x, y in points(paths[0])[0]:
            assert y == pytest.approx(rc.relu(m * x + b), abs=1e-4)


def test_the_page_opens_on_the_default_values_drawn_in_the_svg():
    html = unit_explorable().html
    # m = 1 (index 2 of 4), b = 0 (the middle of 3): state 2 * 3 + 1.
    assert 'data-state="7"' in html
    drawn = re.search(r'<path data-curve="unit" d="([^"]*)"', html)[1]
    assert points(drawn) == [[(-3.0, 0.0), (0.0, 0.0), (3.0, 3.0)]]
    assert ">m = 1, b = 0</p>" in html


def test_every_control_has_a_label_and_announces_its_value():
    html = unit_explorable().html
    for name, shown in (("m", "1"), ("b", "0")):
        control = re.search(
            rf'<input type="range" id="([^"]+)" data-control="{name}"[^>]*>', html
        )
        assert control is not None
        assert f'<label for="{control[1]}">' in html
        assert f'aria-valuetext="{shown}"' in control[0]
        assert (
            f'<output for="{control[1]}" id="{control[1]}-value">{shown}</output>'
            in html
        )
    assert 'aria-live="polite"' in html
    assert 'role="img"' in html
    assert "<title" in html


def test_a_choice_is_a_labelled_select_with_its_default_selected():
    html = unit_explorable(
        controls=[
            rc.Choice("m", "slope", {"gentle": 0.5, "steep": 2.0}, default="steep"),
            rc.Slider("b", "intercept b", [0.0, 1.0]),
        ]
    ).html
    select = re.search(r'<select id="([^"]+)" data-control="m">.*?</select>', html)
    assert select is not None
    assert f'<label for="{select[1]}">slope</label>' in html
    assert '<option value="1" selected>steep</option>' in select[0]


def test_a_played_slider_gets_a_play_button_and_reduced_motion_is_honoured():
    html = unit_explorable(
        controls=[
            rc.Slider("m", "slope m", [0.0, 1.0], play=True),
            rc.Slider("b", "b", [0.0, 1.0]),
        ]
    ).html
    assert html.count('class="course-explorable-play"') == 1
    assert "prefers-reduced-motion: reduce" in html
    assert "autoplay" not in html


def test_the_controls_are_hidden_until_the_script_runs_and_a_hint_says_why():
    html = unit_explorable().html
    assert 'aria-label="Controls of the figure" hidden>' in html
    assert "controls need JavaScript" in html


def test_the_style_and_script_are_files_of_the_package_inlined_and_nothing_fetched():
    files = resources.files("relu_course")
    html = unit_explorable().html
    assert files.joinpath("explorable.css").read_text() in html
    assert files.joinpath("explorable.js").read_text() in html
    assert "http" not in html.replace("http://www.w3.org", "")
    assert not re.search(r"(src|href)=", html)


def test_the_same_explorable_gives_the_same_html():
    assert unit_explorable().html == unit_explorable().html


def test_a_unit_explorable_weighs_a_few_kilobytes_gzipped():
    html = unit_explorable().html
    assert len(gzip.compress(html.encode())) < 60_000


def test_text_of_the_lesson_is_escaped_in_the_html():
    html = unit_explorable(title="a < b & c").html
    assert "a &lt; b &amp; c" in html


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"controls": []}, "at least one"),
        ({"controls": [rc.Slider("m", "m", [1.0])]}, "two or more distinct"),
        ({"controls": [rc.Slider("m", "m", [2.0, 1.0])]}, "finite increasing"),
        ({"controls": [rc.Slider("m", "m", [0.0, 1.0], default=5.0)]}, "not one of"),
        (
            {"controls": [rc.Choice("m", "m", {"a": 1, "b": 2}, default="c")]},
            "not one of",
        ),
        (
            {
                "controls": [
                    rc.Slider("m", "m", [0.0, 1.0]),
                    rc.Slider("m", "n", [0, 1]),
                ]
            },
            "distinct names",
        ),
        ({"curves": []}, "curves must be"),
        ({"xlim": (1.0, -1.0)}, "xlim and ylim"),
        (
            {
                "controls": [
                    rc.Slider("m", "m", list(range(50))),
                    rc.Slider("b", "b", list(range(50))),
                ]
            },
            "more than 2000",
        ),
    ],
)
def test_bad_arguments_are_refused_with_a_message_naming_them(changes, message):
    with pytest.raises(ValueError, match=message):
        unit_explorable(**changes)


def test_a_control_that_is_neither_slider_nor_choice_is_refused():
    with pytest.raises(TypeError, match="Slider or Choice"):
        unit_explorable(controls=[("m", [0, 1])])


def test_a_draw_function_must_return_known_curves_as_a_scene():
    with pytest.raises(TypeError, match="must return a Scene"):
        unit_explorable(draw=lambda m, b: [])
    with pytest.raises(ValueError, match=r"curves \['other'\] not among"):
        unit_explorable(draw=lambda m, b: rc.Scene({"other": []}, ""))
    with pytest.raises(ValueError, match="finite numbers"):
        unit_explorable(
            draw=lambda m, b: rc.Scene({"unit": [[(0.0, float("nan"))]]}, "")
        )


def test_dots_are_segments_of_length_zero_and_areas_are_closed():
    html = unit_explorable(
        draw=lambda m, b: rc.Scene(
            {"kink": [[(1.0, 0.0), (2.0, 0.5)]], "side": [[(0, 0), (1, 0), (1, 1)]]}, ""
        ),
        curves=[
            rc.Curve("kink", "kink", kind="dots", width=8),
            rc.Curve("side", "on", kind="area"),
            rc.Curve("unit", dashed=True),
        ],
    ).html
    assert 'data-curve="kink" d="M1,0 L1,0 M2,0.5 L2,0.5"' in html
    assert 'data-curve="side" d="M0,0 L1,0 L1,1 Z"' in html
    assert 'data-curve="unit" d=""' in html  # left out of the scene: nothing drawn
    legend = re.search(r'<ul class="course-explorable-legend">.*?</ul>', html)[0]
    assert unescape(legend).count("<li>") == 2  # the unlabelled curve is not listed


def test_a_curve_drawn_the_same_in_every_state_is_in_the_svg_only():
    def scene(m, b):
        return rc.Scene({**unit_scene(m, b).curves, "axis": [[(-3, 0), (3, 0)]]}, "")

    html = unit_explorable(draw=scene, curves=[rc.Curve("unit"), rc.Curve("axis")]).html
    data = payload(html)
    assert data["curves"] == ["unit"]
    assert all(len(paths) == 1 for paths, _ in data["states"])
    assert 'data-curve="axis" d="M-3,0 L3,0"' in html
