"""The explorables on the built site: every control moves the figure, by keyboard
and by value; what is drawn (the paths' coordinates, not pixels) is what
relu_course computes for the values the controls announce; no JavaScript shows
the default state; reduced motion plays one step a second; axe finds nothing.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
import torch
from axe_playwright_python.sync_playwright import Axe

import relu_course as rc

TOL = 2e-4  # the page's coordinates are rounded to 1e-4
EXPLORABLES = {  # lesson page: its explorables' control names, in order
    "lessons/reshaping.html": ["m", "b"],
    "lessons/sums-of-relus.html": ["t1", "a1", "t2", "a2"],
    "lessons/derivative.html": ["z", "h"],
    "lessons/relu-plane.html": ["depth", "units", "seed"],
    "lessons/training.html": ["lr", "epoch"],
}


def polylines(d: str) -> list[np.ndarray]:
    """Path data "M x,y L x,y ... [Z]" back to one (k, 2) array per subpath."""
    return [
        np.array(re.findall(r"(-?[\d.e+-]+),(-?[\d.e+-]+)", sub), dtype=float)
        for sub in d.split("M")[1:]
    ]


class Shown:
    """One explorable on a page: its controls, drawn paths and sentences."""

    def __init__(self, page, path: str) -> None:
        self.page = page
        page.goto(path)
        page.wait_for_selector(".course-explorable[data-ready]")
        self.root = page.locator(".course-explorable").first

    def control(self, name: str):
        return self.root.locator(f"[data-control='{name}']")

    def value(self, name: str) -> str:
        """What the control announces: aria-valuetext, or the selected option."""
        control = self.control(name)
        if control.evaluate("e => e.tagName") == "SELECT":
            return control.evaluate("e => e.options[e.selectedIndex].text")
        text = control.get_attribute("aria-valuetext")
        output = self.root.locator(f"output[for='{control.get_attribute('id')}']")
        assert output.inner_text() == text, "the output and aria-valuetext disagree"
        return text

    def number(self, name: str) -> float:
        return float(self.value(name))

    def drawn(self, curve: str) -> list[np.ndarray]:
        d = self.root.locator(f"path[data-curve='{curve}']").get_attribute("d")
        return polylines(d)

    def says(self) -> str:
        return self.root.locator(".course-explorable-says").inner_text()

    def state(self) -> int:
        return int(self.root.get_attribute("data-state"))

    def sizes(self) -> list[int]:
        controls = self.root.locator("[data-control]")
        return [
            int(c.get_attribute("max") or c.evaluate("e => e.options.length - 1")) + 1
            for c in controls.all()
        ]

    def set(self, name: str, index: int) -> None:
        control = self.control(name)
        if control.evaluate("e => e.tagName") == "SELECT":
            control.select_option(str(index))
        else:
            control.fill(str(index))


def points_of(shown: Shown, curve: str) -> np.ndarray:
    return np.concatenate(shown.drawn(curve))


def check_reshaping(shown: Shown) -> None:
    m, b = shown.number("m"), shown.number("b")
    (unit,) = shown.drawn("unit")
    assert np.allclose(unit[:, 1], rc.relu(m * unit[:, 0] + b), atol=TOL)
    kink = None if m == 0 else -b / m
    inside = kink is not None and -3 < kink < 3
    assert len(unit) == (3 if inside else 2)
    if inside:
        assert np.min(np.abs(unit[:, 0] - kink)) < TOL  # the corner is a vertex
    if kink is not None and -3 <= kink <= 3:
        assert np.allclose(points_of(shown, "kink"), [kink, 0.0], atol=TOL)
    else:
        assert shown.drawn("kink") == []
    assert shown.says().startswith(f"m = {m:g}, b = {b:g}: ")


def check_sums(shown: Shown) -> None:
    t1, a1, t2, a2 = (shown.number(n) for n in ("t1", "a1", "t2", "a2"))
    for curve, units in (
        ("unit 1", [(t1, a1)]),
        ("unit 2", [(t2, a2)]),
        ("sum", [(t1, a1), (t2, a2)]),
    ):
        (line,) = shown.drawn(curve)
        expected = sum(a * rc.relu(line[:, 0] - t) for t, a in units)
        assert np.allclose(line[:, 1], expected, atol=TOL), curve
    (target,) = shown.drawn("target")
    expected = rc.relu(target[:, 0] + 1.0) - 1.5 * rc.relu(target[:, 0] - 1.0)
    assert np.allclose(target[:, 1], expected, atol=TOL)
    (line,) = shown.drawn("sum")
    gap = np.max(np.abs(line[:, 1] - np.interp(line[:, 0], *target.T)))
    said = float(re.search(r"gap to the target: ([-\d.e]+)", shown.says())[1])
    assert said == pytest.approx(gap, abs=1e-3)


def check_derivative(shown: Shown) -> None:
    z, h = shown.number("z"), shown.number("h")
    kind = "backward" if h < 0 else "forward"
    slope = rc.finite_difference(rc.relu, z, h=abs(h), kind=kind)
    (chord,) = shown.drawn("chord")
    assert np.allclose(np.diff(chord[:, 1]) / np.diff(chord[:, 0]), slope, atol=1e-3)
    ends = points_of(shown, "ends")
    assert np.allclose(ends[::2], [[z, rc.relu(z)], [z + h, rc.relu(z + h)]], atol=TOL)
    low, high = rc.subdifferential(z)
    fan = shown.drawn("fan")
    slopes = [np.diff(line[:, 1])[0] / np.diff(line[:, 0])[0] for line in fan]
    assert min(slopes) == pytest.approx(low, abs=1e-3)
    assert max(slopes) == pytest.approx(high, abs=1e-3)
    assert (len(fan) > 1) == (low < high)  # a fan only at the kink
    for line in fan:  # every supporting line goes through (z, relu(z)) ...
        at_z = np.interp(z, line[:, 0], line[:, 1])
        assert at_z == pytest.approx(rc.relu(z), abs=1e-3)
        grid = np.linspace(-2, 2, 41)  # ... and stays under relu
        assert np.all(np.interp(grid, line[:, 0], line[:, 1]) <= rc.relu(grid) + 1e-3)


def plane_network(depth: int, units: int, seed: int) -> torch.nn.Sequential:
    """The relu-plane lesson's `network([2] + [units] * depth + [1], seed)`."""
    rc.set_seed(seed)
    widths = [2] + [units] * depth + [1]
    layers = []
    for n_in, n_out in itertools.pairwise(widths):
        layers += [torch.nn.Linear(n_in, n_out, dtype=torch.float64), torch.nn.ReLU()]
    return torch.nn.Sequential(*layers[:-1])


def check_plane(shown: Shown) -> None:
    depth = {"one": 1, "two": 2}[shown.value("depth")]
    units, seed = int(shown.number("units")), int(shown.number("seed"))
    layers = rc.layers_of(plane_network(depth, units, seed))
    regions = rc.activation_regions(layers, (-2.0, 2.0, -2.0, 2.0))
    drawn = shown.drawn("regions")
    assert len(drawn) == len(regions)
    assert f": {len(regions)} regions in the window" in shown.says()
    centres = np.array([r.polygon.mean(axis=0) for r in regions])
    for polygon in drawn:  # each drawn polygon is one of relu_course's
        nearest = regions[np.argmin(np.abs(centres - polygon.mean(axis=0)).sum(1))]
        assert np.allclose(polygon, nearest.polygon, atol=TOL)
    for segment in shown.drawn("zero"):  # the network's output is 0 along it
        with torch.no_grad():
            out = plane_network(depth, units, seed)(torch.from_numpy(segment))
        assert np.allclose(out.numpy(), 0.0, atol=1e-2)


def check_training(shown: Shown) -> None:
    lr, epoch = float(shown.value("lr")), int(shown.number("epoch"))
    x, y = rc.cubic_data(300, -10.0, 10.0)
    config = rc.TrainConfig(n_hidden=7, epochs=max(epoch, 10), lr=lr, seed=0)
    _, history = rc.train(x, y, config, snapshot_every=10)
    (snapshot,) = [s for s in history.snapshots if s.epoch == epoch]
    (fit,) = shown.drawn("fit")
    expected = rc.predict(snapshot, fit[:, 0])
    assert np.allclose(fit[:, 1], expected, rtol=1e-3, atol=0.05)
    loss = float(re.search(r"loss ([\d,]+)", shown.says())[1].replace(",", ""))
    assert loss == pytest.approx(snapshot.loss, rel=1e-3, abs=1)


CHECKS = {
    "lessons/reshaping.html": check_reshaping,
    "lessons/sums-of-relus.html": check_sums,
    "lessons/derivative.html": check_derivative,
    "lessons/relu-plane.html": check_plane,
    "lessons/training.html": check_training,
}


@pytest.mark.parametrize("path", sorted(EXPLORABLES))
def test_every_control_moves_the_figure_to_what_relu_course_computes(visit, path):
    shown = Shown(visit.page, visit.base_url + path)
    names = EXPLORABLES[path]
    assert [
        c.get_attribute("data-control")
        for c in shown.root.locator("[data-control]").all()
    ] == names
    CHECKS[path](shown)  # the default state
    sizes = shown.sizes()
    for name, size in zip(names, sizes, strict=True):
        for index in sorted({0, size // 2, size - 1}):  # first, middle, last
            before = shown.value(name)
            shown.set(name, index)
            if index and before != shown.value(name):
                assert shown.says(), "no sentence for the state"
            CHECKS[path](shown)
    assert visit.console_errors == []


@pytest.mark.parametrize("path", sorted(EXPLORABLES))
def test_the_keyboard_moves_every_control_and_the_state_follows(visit, path):
    shown = Shown(visit.page, visit.base_url + path)
    keyboard = visit.page.keyboard
    for name, size in zip(EXPLORABLES[path], shown.sizes(), strict=True):
        control = shown.control(name)
        control.focus()
        if control.evaluate("e => e.tagName") == "SELECT":
            shown.set(name, 0)
            keyboard.press("ArrowDown")
            assert control.input_value() == "1", f"{path}: {name} did not step"
        else:
            keyboard.press("End")
            assert control.input_value() == str(size - 1)
            CHECKS[path](shown)
            keyboard.press("Home")
            assert control.input_value() == "0"
            keyboard.press("ArrowRight")
            assert control.input_value() == "1", f"{path}: {name} did not step"
        assert control.evaluate("e => e === document.activeElement")
        CHECKS[path](shown)


def test_the_keys_stay_the_controls_where_the_host_page_takes_arrow_keys(visit):
    # JupyterLab's notebook handles arrow keys on the document and cancels them
    # (they select cells); a downloaded notebook's explorable must still step.
    shown = Shown(visit.page, visit.base_url + "lessons/reshaping.html")
    visit.page.evaluate("document.addEventListener('keydown', e => e.preventDefault())")
    control = shown.control("m")
    start = int(control.input_value())
    control.focus()
    visit.page.keyboard.press("ArrowRight")
    assert int(control.input_value()) == start + 1
    CHECKS["lessons/reshaping.html"](shown)


def test_without_javascript_the_figure_shows_its_default_state_and_says_so(
    browser, base_url
):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(base_url + "lessons/reshaping.html")
    root = page.locator(".course-explorable").first
    assert root.locator(".course-explorable-controls").is_hidden()
    assert root.locator(".course-explorable-hint").is_visible()
    (unit,) = polylines(root.locator("path[data-curve='unit']").get_attribute("d"))
    assert np.allclose(unit[:, 1], rc.relu(unit[:, 0]), atol=TOL)  # m = 1, b = 0
    figure = page.locator("figure", has=root)
    assert "relu(m x + b)" in figure.locator("figcaption").inner_text()
    context.close()


@pytest.mark.parametrize("motion", ["reduce", "no-preference"])
def test_play_steps_the_epochs_and_reduced_motion_takes_one_a_second(
    browser, base_url, motion
):
    context = browser.new_context(reduced_motion=motion)
    page = context.new_page()
    shown = Shown(page, base_url + "lessons/training.html")
    shown.set("epoch", 0)
    play = shown.root.locator(".course-explorable-play")
    play.click()
    page.wait_for_timeout(1500)
    stepped = int(shown.control("epoch").input_value())
    assert play.inner_text() in ("Pause", "Play")
    if motion == "reduce":
        assert 1 <= stepped <= 2  # the press shows one step, then one a second
    else:
        assert stepped >= 4
    if play.inner_text() == "Pause":
        play.click()
    says = shown.root.locator(".course-explorable-says")
    assert says.get_attribute("aria-live") == "polite"  # announced again once paused
    context.close()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_axe_finds_no_violation_in_the_explorables_in_light_and_dark_mode(
    browser, base_url, scheme
):
    context = browser.new_context(color_scheme=scheme)
    page = context.new_page()
    for path in sorted(EXPLORABLES):
        page.goto(base_url + path)
        page.wait_for_selector(".course-explorable[data-ready]")
        results = Axe().run(page, context={"include": [[".course-explorable"]]})
        assert results.violations_count == 0, f"{path}:\n{results.generate_report()}"
    context.close()
