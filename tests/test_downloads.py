"""coursegen/sphinx/downloads.py: the cut of a downloaded lesson, its setup cell, its
launch buttons, on small inputs (tests/test_editions.py checks whole built books).
"""

from __future__ import annotations

from types import SimpleNamespace

import nbformat
import pytest
from sphinx.errors import ConfigError

from coursegen.sphinx import downloads

NESTED_NOTE = """\
Before.

::::{admonition} For teachers
:class: teacher-note

:::{note}
A directive inside the note.
:::

```python
:::
```
::::

After.
"""


def test_a_teacher_note_goes_whole_with_the_directives_and_code_inside_it():
    text, inside = downloads.cut(NESTED_NOTE, solutions=False, notes=True)
    assert text == "Before.\n\nAfter.\n"
    assert inside is False
    kept, _ = downloads.cut(NESTED_NOTE, solutions=False, notes=False)
    assert kept == NESTED_NOTE


def test_an_admonition_of_another_class_is_not_a_teacher_note():
    tip = ":::{admonition} Tip\n:class: tip\n\nA tip.\n:::\n"
    assert downloads.cut(tip, solutions=True, notes=True) == (tip, False)
    options_only = ":::{admonition} Tip\n:class: tip"  # the text ends in its options
    assert downloads.cut(options_only, True, True) == (options_only, False)


def test_a_solution_can_span_cells_and_the_text_around_it_is_joined():
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell(
            "Exercise.\n\n:::{solution-start} ex\n:class: dropdown\n:::\n\nThe answer."
        ),
        nbformat.v4.new_code_cell("answer = 42"),
        nbformat.v4.new_markdown_cell(":::{solution-end}\n:::\n\nNext section."),
        nbformat.v4.new_markdown_cell(
            ":::{admonition} For teachers\n:class: teacher-note\n\nOnly a note.\n:::"
        ),
        nbformat.v4.new_code_cell("print('kept')"),
    ]
    cut = downloads.cut_notebook(nb, solutions=True, notes=True, setup="pass")
    assert [(c.cell_type, c.source) for c in cut.cells] == [
        ("code", "pass"),  # the setup cell
        ("markdown", "Exercise.\n\nNext section."),  # the note's cell is gone
        ("code", "print('kept')"),
    ]
    assert cut.cells[0].metadata["tags"] == [downloads.SETUP_TAG]
    assert len(nb.cells) == 5  # the lesson itself is left as it was
    # The same ids every build, whatever ids the lesson's reader made up.
    assert [c.id for c in cut.cells] == [downloads.SETUP_TAG, "cell-1", "cell-2"]
    nbformat.validate(cut)


def test_the_setup_cell_installs_the_course_from_the_repository_when_there_is_one():
    code = downloads.setup_code("https://github.com/o/relu-course", "stable")
    assert (
        '%pip install --quiet "relu-course @ git+https://github.com/o/relu-course@stable"'
        in code
    )
    without = downloads.setup_code("", "main")
    assert "%pip" not in without
    assert "raise ModuleNotFoundError(" in without
    for setup in (code, without):
        compile(setup.replace("%pip", "pass  #"), "setup", "exec")  # valid Python


def test_the_source_without_a_header_gets_the_setup_cell_first():
    text = downloads.cut_source("# A page\n\nText.\n", True, True, setup="pass")
    assert text.startswith(
        "\n```{code-cell} ipython3\n:tags: [course-setup]\n\npass\n```"
    )
    assert text.endswith("# A page\n\nText.\n")


def _app(launch: dict, edition: str = "public") -> SimpleNamespace:
    config = SimpleNamespace(
        html_theme_options={"repository_url": "https://github.com/o/r.git/"},
        course_launch=launch,
        course_edition=edition,
        course_site_prefix="classes/two/",
    )
    return SimpleNamespace(config=config)


def test_each_launch_button_is_offered_only_where_it_is_configured():
    binder, colab = "https://mybinder.org/", "https://colab.research.google.com"
    both = downloads.launch_links(
        _app({"binderhub_url": binder, "colab_url": colab}), "lessons/alpha"
    )
    assert both == [
        (
            "Binder",
            "https://mybinder.org/v2/gh/o/r/main?urlpath=lab/tree/lessons/alpha.md",
        ),
        (
            "Colab",
            "https://colab.research.google.com/github/o/r/blob/gh-pages/classes/two/"
            "notebooks/alpha.ipynb",
        ),
    ]
    only_binder = _app({"binderhub_url": binder, "colab_url": ""})
    assert [p for p, _ in downloads.launch_links(only_binder, "lessons/a")] == [
        "Binder"
    ]
    # Binder opens the repository, solutions included: not for students.
    student = _app({"binderhub_url": binder, "colab_url": colab}, "student")
    assert [p for p, _ in downloads.launch_links(student, "lessons/a")] == ["Colab"]


def test_an_unknown_launch_setting_fails_the_build_naming_it():
    app = _app({"binderhub_url": "", "colab_branch": "x"})
    with pytest.raises(
        ConfigError, match=r"course_launch: unknown keys \['colab_branch'\]"
    ):
        downloads._check(app, app.config)
