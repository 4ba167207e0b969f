# The ReLU course. `make book` builds the site, `make test` checks everything.
# Both create .venv with the exact pins of requirements.lock on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
# Named by the pins and pyproject.toml, and by the set-up's version ("2": JupyterLab
# no longer in .venv), so that a changed set-up runs again on an existing .venv.
STAMP  := $(VENV)/.installed-2-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
# How lessons execute (tools/execution.env, no MPLBACKEND) is set by coursegen
# and tests/conftest.py, not here: one owner, coursegen.course.pin_execution_env.

# JupyterLab (make lab, make lab-test) has a venv of its own that sees .venv's
# packages (a .pth file) and adds requirements-lab.lock's, so that make book and
# make test run in exactly requirements.lock. (Installed in .venv, the lab's
# rfc3987-syntax, which jsonschema imports, added 1.4 s to every process that
# imports nbformat: Sphinx, nbval, the lesson runner.) Jupyter looks for
# extensions and settings under its own prefix only: jupytext's are in .venv.
LAB_VENV := .venv-lab
LAB      := $(LAB_VENV)/.lab-$(shell cat requirements.lock requirements-lab.lock | cksum | cut -d' ' -f1)
LAB_ENV  := JUPYTER_PATH=$(CURDIR)/$(VENV)/share/jupyter$${JUPYTER_PATH:+:$$JUPYTER_PATH} \
    JUPYTER_CONFIG_PATH=$(CURDIR)/$(VENV)/etc/jupyter$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}
# The site's node tools, from tools/site/package-lock.json: KaTeX renders the
# maths when the book is built; Lighthouse (a dev dependency) only benchmarks.
NODE       := tools/site/node_modules
NODE_BOOK  := $(NODE)/.installed-book
NODE_BENCH := $(NODE)/.installed-bench
BENCH_SITE ?= _build/html

# nbval over the expected outputs: each lesson re-run and compared, figures too.
NBVAL := $(BIN)/python -m pytest --nbval --nbval-current-env \
    --nbval-sanitize-with tests/nbval_sanitize.cfg \
    $(if $(LESSONS),$(patsubst %,tests/expected/%.ipynb,$(LESSONS)),tests/expected)

.PHONY: help venv book site watch pdf bench bench-site test typecheck unit nbval browser chromium lint format expected lesson serve lab lab-test clean lock

help:  ## list the targets
	@grep -hE '^[a-z-]+:.*##' $(firstword $(MAKEFILE_LIST)) | sed 's/:.*## /\t/'

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@if ls $(VENV)/.lab-* >/dev/null 2>&1; then \
	    echo "Removing JupyterLab from $(VENV): make lab installs it in $(LAB_VENV) now"; \
	    $(BIN)/python -m pip uninstall --quiet --disable-pip-version-check -y -r requirements-lab.lock; \
	    rm -f $(VENV)/.lab-* $(VENV)/share/jupyter/lab/settings/overrides.json; fi
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)  ## create .venv with the pinned environment

book: $(STAMP) $(NODE_BOOK)  ## build the site in _build/html (EDITION=student|teacher, CLASS=classes/NAME.yml, JOBS=lessons at a time)
	$(BIN)/python -m coursegen book $(if $(strip $(CLASS)),--class $(CLASS)) \
	    $(if $(filter-out public,$(strip $(EDITION))),--edition $(EDITION)) \
	    $(if $(JOBS),--jobs $(JOBS)) $(if $(OUTPUTS_FROM),--outputs-from $(OUTPUTS_FROM))

watch: $(STAMP) $(NODE_BOOK)  ## live preview on http://127.0.0.1:8000 (PORT=N): rebuilt on every save, the page reloads (EDITION=student|teacher)
	$(BIN)/python -m coursegen watch $(if $(filter-out public,$(strip $(EDITION))),--edition $(EDITION)) \
	    --port $(or $(PORT),8000)

pdf: book chromium  ## build, then a PDF of each lesson and of the book in _build/pdf/<edition>/ (EDITION=student|teacher)
	$(BIN)/python -m coursegen pdf $(if $(filter-out public,$(strip $(EDITION))),--edition $(EDITION))

site: $(STAMP)  ## gather the built editions into _build/site, the folder to publish
	$(BIN)/python -m coursegen site

$(NODE_BOOK): tools/site/package-lock.json
	npm ci --prefix tools/site --omit=dev --no-audit --no-fund
	@touch $@

$(NODE_BENCH): tools/site/package-lock.json
	npm ci --prefix tools/site --no-audit --no-fund
	@touch $@ $(NODE_BOOK)

bench-site: $(STAMP) $(NODE_BENCH)  ## Lighthouse, weight, offline check of the built site (make book first; BENCH_SITE=dir)
	@test -f $(BENCH_SITE)/index.html || { echo "no site in $(BENCH_SITE): run \`make book\` first" >&2; exit 2; }
	$(BIN)/python -m coursegen bench-site --site $(BENCH_SITE)

test: $(STAMP) $(NODE_BOOK)  ## lint, type check, unit tests, doctests, expected outputs of every lesson, the site in a browser
	@echo "== lint: ruff check and format"
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# Side by side, each target's output printed whole when it ends (but the
	@# browser's book build, a recursive make, which prints as it goes): mypy (one
	@# core, ~20 s from a fresh clone), the unit tests, the lessons and the browser
	@# fill in each other's waits, starts and tails on the two cores (make bench).
	@echo "== side by side: mypy, unit tests, the lessons (make nbval), the site in a browser (make browser)"
	@$(MAKE) --no-print-directory -j4 --output-sync=target typecheck unit nbval browser

typecheck: $(STAMP)  ## type-check relu_course and coursegen strictly (mypy; its settings in pyproject.toml)
	@echo "== type check: mypy, strict"
	$(BIN)/mypy

# The Python processes the tests start (book builds, `python -m coursegen`) import
# this tree's packages, as the tests do, whatever checkout .venv was installed from,
# and are measured too (pyproject.toml: patch = subprocess). pytest-cov combines
# their data files, .coverage.*, into .coverage; one a process writes later is
# combined after it, so that none is left in the root.
unit: $(STAMP)  ## unit tests and doctests, with branch coverage of relu_course and of the generator (>= 90 % each)
	@echo "== unit tests and doctests, with branch coverage"
	@rm -f .coverage .coverage.*
	PYTHONPATH=$(CURDIR)$(if $(PYTHONPATH),:$(PYTHONPATH)) $(BIN)/python -m pytest \
	    relu_course coursegen tests --ignore=tests/browser --ignore=tests/lab \
	    --cov=relu_course --cov=coursegen --cov-report= --cov-fail-under=0 \
	    -n auto --dist loadfile
	@if ls .coverage.* >/dev/null 2>&1; then $(BIN)/python -m coverage combine --append --quiet; fi
	@echo "-- coverage of relu_course, the package the lessons import (at least 90 %)"
	$(BIN)/python -m coverage report --include='relu_course/*'
	@echo "-- coverage of the generator, subprocesses included (at least 90 %)"
	$(BIN)/python -m coverage report --include='coursegen/*' --fail-under=90

browser: $(STAMP) $(NODE_BOOK)  ## the book built with the expected outputs, then the site in a real browser
	@echo "== the book, built for the browser tests (with the lessons' expected outputs)"
	@$(MAKE) --no-print-directory book chromium OUTPUTS_FROM=tests/expected
	@echo "== the built site in a real browser (Chromium driven by Playwright), offline"
	$(BIN)/python -m pytest tests/browser

nbval: $(STAMP)  ## every lesson (or LESSONS="a b") against its expected output, under each CPU kernel set (or KERNELS="generic,threads2")
	@echo "== lessons: each against its expected output, under each CPU kernel set (tests/conftest.py)"
	$(NBVAL) --kernels $(or $(KERNELS),all) -n auto --dist loadscope

bench: $(STAMP) $(NODE_BOOK) chromium  ## time builds, make test, lessons, animation, batching (RUNS=3); writes README's table
	$(BIN)/python -m coursegen bench --runs $(or $(RUNS),3)

chromium: $(STAMP)  ## find a Chromium for the browser tests (COURSE_CHROMIUM=path), apt-get it on Debian as root
	@$(BIN)/python -m coursegen browser --install

expected: $(STAMP)  ## re-execute lessons and rewrite tests/expected (only for a meant change)
	$(BIN)/python -m coursegen expected $(LESSONS)

lesson: $(STAMP)  ## new lesson from the template: make lesson NAME=my-topic [TITLE="My topic"]
	@test -n "$(NAME)" || { echo 'usage: make lesson NAME=my-topic [TITLE="My topic"]' >&2; exit 2; }
	$(BIN)/python -m coursegen lesson $(if $(TITLE),--title "$$TITLE") -- "$(NAME)"

format: $(STAMP)  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

serve: book  ## serve the built site with gzip on http://127.0.0.1:8000
	$(BIN)/python -m coursegen serve _build/html --port 8000

lock:  ## re-resolve requirements.in into the exact pins of requirements.lock
	PYTHON=$(PYTHON) tools/lock.sh

# Made anew when a lock changes (nothing left of an older lock or Python), and
# without a pip or setuptools of its own that would hide .venv's pinned ones
# (python -m pip runs .venv's, installing here).
$(LAB): $(STAMP) requirements-lab.lock tools/jupyterlab-overrides.json
	rm -rf $(LAB_VENV)
	$(BIN)/python -m venv --without-pip $(LAB_VENV)
	$(BIN)/python -c 'import sysconfig; print("import site; site.addsitedir(%r)" % sysconfig.get_path("purelib"))' \
	    > "$$($(LAB_VENV)/bin/python -c 'import sysconfig; print(sysconfig.get_path("purelib"))')/course-venv.pth"
	$(LAB_VENV)/bin/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -r requirements-lab.lock
	@mkdir -p $(LAB_VENV)/share/jupyter/lab/settings
	cp tools/jupyterlab-overrides.json $(LAB_VENV)/share/jupyter/lab/settings/overrides.json
	touch $@

lab: $(LAB)  ## open the lessons in JupyterLab (.md lessons open as notebooks)
	$(LAB_ENV) $(LAB_VENV)/bin/python -m jupyterlab lessons

lab-test: $(LAB) chromium  ## the explorables in the pinned JupyterLab, in the browser tests' site's notebooks (built if missing; not in make test)
	@test -f $$($(BIN)/python -c 'from coursegen.editions import site_under_test; from coursegen.course import ROOT; print(site_under_test(ROOT))')/notebooks/reshaping.ipynb \
	    || $(MAKE) --no-print-directory book chromium OUTPUTS_FROM=tests/expected
	$(LAB_ENV) $(LAB_VENV)/bin/python -m pytest tests/lab

clean:  ## remove the built site and the execution cache (keeps .venv)
	rm -rf _build .pytest_cache .coverage
