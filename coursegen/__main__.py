"""The course generator's one command line: `python -m coursegen COMMAND [ARGS]`.

    python -m coursegen book [--edition student|teacher | --class FILE
                              | --outputs-from DIR] [--jobs N]     # make book
    python -m coursegen expected [LESSON ...]                      # make expected
    python -m coursegen site                                       # make site
    python -m coursegen lesson SLUG [--title TITLE]                # make lesson
    python -m coursegen serve SITE [--port N]                      # make serve
    python -m coursegen watch [--edition E] [--port N]             # make watch
    python -m coursegen pdf [--edition E] [LESSON ...]             # make pdf
    python -m coursegen bench [--runs N] ...                       # make bench
    python -m coursegen bench-site [--site DIR] ...                # make bench-site

and the steps `book` runs: `cache-key CACHE`, `execute CACHE [LESSON ...]`,
`edition --edition E | --class FILE | --site`. Each command's `--help` says more.
The Makefile only provisions the environments (venv, node, browser) and calls these.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

from coursegen.course import CACHE, ROOT, pin_execution_env, toc_lessons


def book(argv: list[str]) -> int:
    """Build the site: the public edition by default, another edition, or a class."""
    from coursegen import cache_key, course, editions, execute, warm

    parser = argparse.ArgumentParser(prog="python -m coursegen book")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--edition", default="public", choices=course.EDITIONS)
    which.add_argument("--class", dest="class_file", type=Path, metavar="FILE")
    which.add_argument(
        "--outputs-from",
        type=Path,
        metavar="DIR",
        help="the public edition with the outputs of DIR/NAME.ipynb, running "
        "nothing, into _build/expected (what make test's browser tests open)",
    )
    execute.jobs_argument(parser)
    args = parser.parse_args(argv)
    try:
        if args.outputs_from:
            html = editions.build_from_outputs(args.outputs_from)
            print(f"Built with the outputs of {args.outputs_from}: {html}")
            return 0
    except editions.EditionError as error:
        parser.error(str(error))
    except subprocess.CalledProcessError as error:
        return error.returncode
    cache_key.main([str(CACHE)])
    if args.class_file:
        return editions.main(
            ["--class", str(args.class_file), "--jobs", str(args.jobs)]
        )
    if args.edition != "public":
        status = execute.run(toc_lessons(), execute.Cache(CACHE), args.jobs)
        return status or editions.main(["--edition", args.edition])
    # Sphinx sets itself up while the lessons execute (on the core the first
    # lessons leave idle while their kernels' server imports torch) and builds
    # once they are in the cache; its 2-3 s of tearing down are not waited for.
    ahead = warm.WarmBuild(ROOT, editions.jupyter_book(ROOT)[1:])
    status = 1  # until the lessons have executed
    try:
        status = execute.run(toc_lessons(), execute.Cache(CACHE), args.jobs)
    finally:
        if status:  # a lesson failed, or an interrupt: end it without building
            ahead.cancel()
    if status:
        return status
    if not ahead.build():
        return 1
    print(f"The course is built: open file://{ROOT}/_build/html/index.html")
    return 0


def _module_main(name: str) -> Callable[[list[str]], int]:
    def run(argv: list[str]) -> int:
        module = importlib.import_module(f"coursegen.{name}")
        main: Callable[[list[str]], int] = module.main
        return main(argv)

    return run


COMMANDS: dict[str, Callable[[list[str]], int]] = {
    "book": book,
    "expected": _module_main("expected"),
    "site": lambda argv: _module_main("editions")(["--site", *argv]),
    "lesson": _module_main("new_lesson"),
    "serve": _module_main("serve"),
    "watch": _module_main("watch"),
    "pdf": _module_main("pdf"),
    "bench": _module_main("bench.report"),
    "bench-site": _module_main("bench.site"),
    "browser": _module_main("browser"),
    "cache-key": _module_main("cache_key"),
    "execute": _module_main("execute"),
    "edition": _module_main("editions"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    pin_execution_env()  # every kernel and build below inherits it
    if command not in COMMANDS:
        print(
            f"python -m coursegen: unknown command {command!r}; "
            f"choose from {', '.join(COMMANDS)}",
            file=sys.stderr,
        )
        return 2
    return COMMANDS[command](rest)


if __name__ == "__main__":
    sys.exit(main())
