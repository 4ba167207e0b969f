"""Every lesson as a notebook to download or launch, cut for the edition.

For each lesson page the build writes ``notebooks/<name>.ipynb`` (the executed
lesson, outputs included) and ``notebooks/<name>.md`` (its MyST source) into
the site, cut as the edition shows the lessons (``coursegen.course.EDITIONS``):
the student edition leaves the solutions out of both, the public and student
editions the teacher notes. Both files open with a setup cell that
names the course and its licences (``course_licence``, coursegen.sphinx.publish)
and installs relu_course where it is missing (Colab, a fresh machine).

The page's download menu offers the two files. When ``repository.url`` is set
in ``_config.yml``, a launch menu opens the lesson on Binder (the repository's
``.md`` in JupyterLab, where jupytext reads it as a notebook) and on Colab
(this ``.ipynb`` on the branch the site is published to: Colab opens no
``.md``). Settings: ``course_launch`` in ``_config.yml``.
"""

from __future__ import annotations

import re
import textwrap
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import nbformat
from docutils import nodes
from jupyter_cache import get_cache
from myst_nb.core.read import create_nb_reader
from sphinx.application import Sphinx
from sphinx.config import Config
from sphinx.errors import ConfigError
from sphinx.util.typing import ExtensionMetadata

from coursegen.course import edition
from coursegen.sphinx import article_check, publish

if TYPE_CHECKING:
    from myst_nb.sphinx_ import SphinxEnvType

FOLDER = "notebooks"
OPENER = re.compile(r"^(:{3,}|`{3,})\{([\w-]+)\}")
CLOSER = re.compile(r"^(:{3,}|`{3,})\s*$")
SETUP_TAG = "course-setup"
# A "Checking the article" block (article_check) in a downloaded lesson:
# its markers become Markdown that JupyterLab and Colab render.
ARTICLE_CHECK = {
    article_check.START: (
        f"***\n\n**{article_check.LABEL}: {{title}}** (to the next rule)"
    ),
    article_check.END: "***",
}


def _block_end(lines: list[str], start: int) -> int:
    """Index of the line that closes the fenced directive opened at lines[start]."""
    opening = OPENER.match(lines[start])
    if opening is None:
        raise ValueError(f"lines[start] must open a directive, got {lines[start]!r}")
    stack = [opening.group(1)]
    for index in range(start + 1, len(lines)):
        line = lines[index].strip()
        opener, closer = OPENER.match(line), CLOSER.match(line)
        if closer and closer.group(1)[0] == stack[-1][0]:
            if len(closer.group(1)) >= len(stack[-1]):
                stack.pop()
                if not stack:
                    return index
        elif opener and stack[-1][0] == ":":  # nothing nests inside a code fence
            stack.append(opener.group(1))
    raise ValueError(f"unclosed directive: {lines[start]!r}")


def _is_teacher_note(lines: list[str], start: int) -> bool:
    # The directive's options follow its opening line, each starting with ':'.
    for line in lines[start + 1 :]:
        if not line.startswith(":") or CLOSER.match(line):
            return False
        if line.startswith(":class:") and "teacher-note" in line.split():
            return True
    return False


def cut(
    text: str, solutions: bool, notes: bool, in_solution: bool = False
) -> tuple[str, bool]:
    """Text without the solutions and/or teacher notes; carries 'inside a solution'.

    The markers of "Checking the article" blocks become plain Markdown rules.
    """
    lines, kept, index = text.split("\n"), [], 0
    while index < len(lines):
        match = OPENER.match(lines[index])
        name = match.group(2) if match else None
        if in_solution:  # everything up to the end of solution-end goes
            if name == "solution-end":
                index, in_solution = _block_end(lines, index), False
        elif name == "solution-start" and solutions:
            index, in_solution = _block_end(lines, index), True
        elif name == "admonition" and notes and _is_teacher_note(lines, index):
            index = _block_end(lines, index)
        elif match and name in ARTICLE_CHECK:
            # Jupyter shows the markers as text: say it plainly.
            title = lines[index][match.end() :].strip()
            kept.extend(ARTICLE_CHECK[name].format(title=title).split("\n"))
            index = _block_end(lines, index)
        else:
            kept.append(lines[index])
            index += 1
            continue
        index += 1
        # A removed block leaves one blank line where it stood, not two.
        while kept and not kept[-1] and index < len(lines) and not lines[index]:
            index += 1
    return "\n".join(kept), in_solution


def setup_code(repository: str, branch: str, notice: str = "") -> str:
    """The first cell of a downloaded lesson: the notice (licences), then the setup.

    The setup installs relu_course if it is missing.
    """
    lines = textwrap.wrap(notice, 77, break_long_words=False, break_on_hyphens=False)
    if repository:
        fix = f'    %pip install --quiet "relu-course @ git+{repository}@{branch}"'
    else:
        fix = (
            "    raise ModuleNotFoundError(\n"
            '        "relu_course is missing: run this lesson from a clone of the "\n'
            '        "course repository, with its environment (make lab)"\n'
            "    ) from None"
        )
    return "".join(f"# {line}\n" for line in lines) + (
        "# Setup: outside the course repository (Colab, a fresh machine) this\n"
        "# installs relu_course, the package every lesson imports.\n"
        "try:\n    import relu_course\nexcept ModuleNotFoundError:\n" + fix
    )


def cut_notebook(
    nb: nbformat.NotebookNode, solutions: bool, notes: bool, setup: str
) -> nbformat.NotebookNode:
    """A copy of nb without solutions/notes, opening with the setup cell."""
    nb = nbformat.from_dict(nb)
    cells: list[nbformat.NotebookNode] = []
    in_solution = False
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            was_inside = in_solution
            cell.source, in_solution = cut(cell.source, solutions, notes, in_solution)
            if not cell.source.strip():
                continue
            if was_inside and cells and cells[-1].cell_type == "markdown":
                # The text on both sides of a removed solution is one cell again.
                before = cells[-1].source.rstrip("\n")
                cells[-1].source = before + "\n\n" + cell.source.lstrip("\n")
            else:
                cells.append(cell)
        elif not in_solution:
            cells.append(cell)
    first = nbformat.v4.new_code_cell(setup, metadata={"tags": [SETUP_TAG]})
    first.id = SETUP_TAG
    for number, cell in enumerate(cells, 1):
        cell.id = f"cell-{number}"  # the reader's are random: a new file every build
    nb.cells = [first, *cells]
    nb.metadata.pop("source_map", None)  # myst-nb's line map of the full source
    return nb


def cut_source(text: str, solutions: bool, notes: bool, setup: str) -> str:
    """The MyST source without solutions/notes, with the setup cell after the header."""
    text, _ = cut(text, solutions, notes)
    cell = f"```{{code-cell}} ipython3\n:tags: [{SETUP_TAG}]\n\n{setup}\n```\n\n"
    end = text.index("\n---\n", 4) + 5 if text.startswith("---\n") else 0
    return text[:end] + "\n" + cell + text[end:].lstrip("\n")


def _github(url: str) -> tuple[str, str] | None:
    """(owner, name) of a GitHub repository address, else None."""
    match = re.fullmatch(r"https://github\.com/([\w.-]+)/([\w.-]+?)(?:\.git)?/?", url)
    return (match.group(1), match.group(2)) if match else None


def _repository(app: Sphinx) -> tuple[str, str]:
    options = app.config.html_theme_options
    url = (options.get("repository_url") or "").strip().rstrip("/")
    return url, options.get("repository_branch") or "main"


def _check(app: Sphinx, config: Config) -> None:
    url, _ = _repository(app)
    if url and not _github(url):
        raise ConfigError(
            f"repository.url in _config.yml must be https://github.com/OWNER/NAME "
            f"(Binder and Colab open GitHub repositories), got {url!r}"
        )
    unknown = set(config.course_launch) - {"binderhub_url", "colab_url", "pages_branch"}
    if unknown:
        raise ConfigError(f"course_launch: unknown keys {sorted(unknown)}")


def _is_lesson(app: Sphinx, pagename: str) -> bool:
    return "kernelspec" in app.env.metadata.get(pagename, {})


def executed(app: Sphinx, pagename: str, source: str) -> nbformat.NotebookNode:
    """The lesson with its outputs, read from the execution cache.

    Not from jupyter_execute/: for a lesson served from the cache, myst-nb
    1.4 writes the notebook there without its outputs.
    """
    env = cast("SphinxEnvType", app.env)  # with myst-parser's and myst-nb's configs
    path = env.doc2path(pagename)
    reader = create_nb_reader(path, env.myst_config, env.mystnb_config, source)
    # myst-nb's reader: the cache knows the same notebook
    nb: nbformat.NotebookNode = reader.read(source)
    with suppress(KeyError):  # not cached (execution off or failed): no outputs
        cache = get_cache(env.mystnb_config.execution_cache_path)
        _, nb = cache.merge_match_into_notebook(nb)
    return nb


def write_notebooks(app: Sphinx, pagename: str) -> None:
    """Write notebooks/<name>.ipynb and .md of one lesson for this edition."""
    shows = edition(app.config.course_edition)
    # cut(..., solutions, notes): True where the edition leaves them out
    solutions, notes = shows.solutions == "none", not shows.teacher_notes
    url = publish.page_url(app, pagename)
    title = publish.site_title(app)
    credit = f"{title} ({url})" if url else title
    notice = publish.licence_notice(app.config.course_licence, credit)
    setup = setup_code(*_repository(app), notice)
    name = Path(pagename).name
    folder = Path(app.outdir) / FOLDER
    folder.mkdir(exist_ok=True)
    source = Path(app.env.doc2path(pagename)).read_text()
    nb = cut_notebook(executed(app, pagename, source), solutions, notes, setup)
    nbformat.write(nb, folder / f"{name}.ipynb")
    (folder / f"{name}.md").write_text(cut_source(source, solutions, notes, setup))


def launch_links(app: Sphinx, pagename: str) -> list[tuple[str, str]]:
    """(provider, address) of each launch button of a lesson; none without a repo."""
    url, branch = _repository(app)
    repository = _github(url)
    if repository is None:
        return []
    owner, repo = repository
    launch = app.config.course_launch
    links = []
    binder = launch.get("binderhub_url", "").rstrip("/")
    # Binder opens the repository, solutions included: only where the edition says.
    if binder and edition(app.config.course_edition).binder:
        path = f"lab/tree/{pagename}.md"
        links.append(
            ("Binder", f"{binder}/v2/gh/{owner}/{repo}/{branch}?urlpath={path}")
        )
    colab = launch.get("colab_url", "").rstrip("/")
    if colab:
        site = (
            f"{launch.get('pages_branch', 'gh-pages')}/{app.config.course_site_prefix}"
        )
        notebook = f"{FOLDER}/{Path(pagename).name}.ipynb"
        links.append(("Colab", f"{colab}/github/{owner}/{repo}/blob/{site}{notebook}"))
    return links


ICONS = {
    "Binder": "_static/images/logo_binder.svg",
    "Colab": "_static/images/logo_colab.png",
}


def _buttons(
    app: Sphinx,
    pagename: str,
    templatename: str,
    context: dict[str, Any],
    doctree: nodes.document | None,
) -> None:
    groups = context.get("header_buttons", [])
    downloads = next((g for g in groups if g.get("label") == "download-buttons"), None)
    if not _is_lesson(app, pagename):
        if downloads and not app.config.html_copy_source:  # no _sources/ to link
            downloads["buttons"] = [
                b
                for b in downloads["buttons"]
                if b.get("label") != "download-source-button"
            ]
        return
    write_notebooks(app, pagename)
    name = Path(pagename).name
    files = [
        (".ipynb", "fas fa-code", "Download the lesson as a notebook"),
        (".md", "fas fa-file", "Download the lesson's MyST Markdown source"),
    ]
    links = [
        {
            "type": "link",
            "url": context["pathto"](f"{FOLDER}/{name}{suffix}", 1),
            "text": suffix,
            "icon": icon,
            "tooltip": tooltip,
            "label": f"download-{suffix[1:]}-button",
        }
        for suffix, icon, tooltip in files
    ]
    if downloads:
        printing = [b for b in downloads["buttons"] if b.get("type") == "javascript"]
        downloads["buttons"] = links + printing
    launches = [
        {
            "type": "link",
            "url": url,
            "text": provider,
            "icon": ICONS[provider],
            "tooltip": f"Run this lesson on {provider}",
            "label": f"launch-{provider.lower()}-button",
        }
        for provider, url in launch_links(app, pagename)
    ]
    if launches:
        group = {
            "type": "group",
            "tooltip": "Run this lesson",
            "icon": "fas fa-rocket",
            "buttons": launches,
            "label": "launch-buttons",
        }
        groups.insert(groups.index(downloads) if downloads else 0, group)


def setup(app: Sphinx) -> ExtensionMetadata:
    launch = {"binderhub_url": "", "colab_url": "", "pages_branch": "gh-pages"}
    app.add_config_value("course_launch", launch, "html", [dict])
    # course_site_prefix (the edition's folder) and course_licence are publish's.
    app.setup_extension("coursegen.sphinx.publish")
    app.connect("config-inited", _check)
    # After sphinx-book-theme's own header buttons (priority 501).
    app.connect("html-page-context", _buttons, priority=502)
    return {"parallel_read_safe": True, "parallel_write_safe": True, "version": "1"}
