"""Unit tests of relu_course.figures: sharp figures that record their smallest text."""

from __future__ import annotations

import base64
from io import BytesIO

import matplotlib as mpl
import matplotlib.pyplot as plt
import nbformat
import pytest
from nbclient import NotebookClient
from PIL import Image

import relu_course as rc
from coursegen.sphinx import images
from relu_course import figures

mpl.use("Agg")


@pytest.fixture(autouse=True)
def _restore_rc_params_and_close_figures():
    with mpl.rc_context():
        rc.use_course_style()
        yield
    plt.close("all")


def test_the_smallest_text_counts_tick_labels_legends_and_titles():
    fig, (left, right) = plt.subplots(1, 2)
    left.plot([0, 1], label="line")
    left.legend(fontsize=7.5)
    assert rc.smallest_text_pt(fig) == 7.5
    right.set_title("tiny", fontsize=5)
    assert rc.smallest_text_pt(fig) == 5


def test_hidden_and_blank_texts_are_not_the_smallest():
    fig, (left, right) = plt.subplots(1, 2)
    left.text(0, 0, "   ", fontsize=2)
    left.set_title("hidden", fontsize=3).set_visible(False)
    right.set_title("in a hidden axes", fontsize=4)
    right.set_visible(False)
    assert rc.smallest_text_pt(fig) == mpl.rcParams["font.size"]


def test_a_figure_without_text_has_no_smallest_text():
    fig = plt.figure()
    fig.add_artist(plt.Line2D([0, 1], [0, 1]))
    assert rc.smallest_text_pt(fig) is None


def test_the_notebook_png_has_twice_the_pixels_and_records_its_smallest_text():
    fig, ax = plt.subplots(figsize=(4, 2))
    ax.set_title("small", fontsize=6)
    data, shown = figures._sharp_png(fig)
    png = Image.open(BytesIO(base64.b64decode(data)))
    assert (png.width // 2, png.height // 2) == (shown["width"], shown["height"])
    # 6 pt at twice the course's 100 dpi
    assert float(png.info[rc.TEXT_PX_KEY]) == pytest.approx(6 * 200 / 72, abs=0.01)


def test_the_png_records_tick_labels_which_get_their_text_only_when_drawn():
    fig, ax = plt.subplots(figsize=(4, 2))
    ax.set_title("title", fontsize=9)
    ax.tick_params(labelsize=5)  # no tick label has its text before a draw
    data, _ = figures._sharp_png(fig)
    png = Image.open(BytesIO(base64.b64decode(data)))
    assert float(png.info[rc.TEXT_PX_KEY]) == pytest.approx(5 * 200 / 72, abs=0.01)
    assert rc.smallest_text_pt(fig) == 5  # as a draw of its own finds


def test_an_empty_figure_gives_no_png_as_ipython_shows_none():
    assert figures._sharp_png(plt.figure()) is None


def test_the_site_reads_the_key_the_figures_write():
    assert images.TEXT_PX_KEY == rc.TEXT_PX_KEY


def test_a_kernel_shows_figures_sharp_after_use_course_style():
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [
        nbformat.v4.new_code_cell(
            "import matplotlib.pyplot as plt\nimport relu_course as rc\n"
            "rc.use_course_style()"
        ),
        nbformat.v4.new_code_cell("plt.plot([0, 1], [0, 1]); plt.show()"),
    ]
    NotebookClient(notebook, kernel_name="python3", timeout=120).execute()
    (output,) = notebook.cells[1].outputs
    png = Image.open(BytesIO(base64.b64decode(output["data"]["image/png"])))
    shown = output["metadata"]["image/png"]
    assert (png.width // 2, png.height // 2) == (shown["width"], shown["height"])
    assert float(png.info[rc.TEXT_PX_KEY]) == pytest.approx(11 * 200 / 72, abs=0.01)
