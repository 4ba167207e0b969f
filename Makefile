# The ReLU course. `make book` builds the site, `make test` checks everything.
# Both create .venv with the exact pins of requirements.lock on first use.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell cat requirements.lock pyproject.toml | cksum | cut -d' ' -f1)
# Figures vanish from the book when a non-inline backend is forced (see TOOLCHAIN).
unexport MPLBACKEND
# Lessons execute with pinned threads and CPU kernels (why: tools/execution.env).
include tools/execution.env
export $(shell sed -n 's/^\([A-Z_]*\)=.*/\1/p' tools/execution.env)

LAB    := $(VENV)/.lab-$(shell cat requirements-lab.lock | cksum | cut -d' ' -f1)

.PHONY: help venv book site test lint format expected lesson serve lab clean lock

help:  ## list the targets
	@grep -hE '^[a-z-]+:.*##' $(firstword $(MAKEFILE_LIST)) | sed 's/:.*## /\t/'

$(STAMP): requirements.lock pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	@rm -f $(VENV)/.installed-* && touch $@

venv: $(STAMP)  ## create .venv with the pinned environment

book: $(STAMP)  ## build the site in _build/html (EDITION=student|teacher, CLASS=classes/NAME.yml)
ifneq ($(strip $(CLASS)),)
	$(BIN)/python tools/edition.py --class $(CLASS)
else ifneq ($(filter-out public,$(strip $(EDITION))),)
	$(BIN)/python tools/edition.py --edition $(EDITION)
else
	$(BIN)/jupyter-book build . --builder html -W -n --keep-going
	@echo "The course is built: open file://$(CURDIR)/_build/html/index.html"
endif

site: $(STAMP)  ## gather the built editions into _build/site, the folder to publish
	$(BIN)/python tools/edition.py --site

test: $(STAMP)  ## lint, unit tests, doctests, expected outputs of every lesson
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@echo "== unit tests and doctests of relu_course, with branch coverage"
	$(BIN)/python -m pytest relu_course tests --cov --cov-report=term-missing
	@echo "== every lesson against its expected output (nbval and figure checks)"
	$(BIN)/python -m pytest tests/expected --nbval --nbval-current-env \
	    --nbval-sanitize-with tests/nbval_sanitize.cfg

expected: $(STAMP)  ## re-execute lessons and rewrite tests/expected (only for a meant change)
	$(BIN)/python tools/expected_outputs.py $(LESSONS)

lesson: $(STAMP)  ## new lesson from the template: make lesson NAME=my-topic [TITLE="My topic"]
	@test -n "$(NAME)" || { echo 'usage: make lesson NAME=my-topic [TITLE="My topic"]' >&2; exit 2; }
	$(BIN)/python tools/new_lesson.py $(if $(TITLE),--title "$$TITLE") -- "$(NAME)"

format: $(STAMP)  ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

serve: book  ## serve the built site on http://127.0.0.1:8000
	$(BIN)/python -m http.server --bind 127.0.0.1 --directory _build/html 8000

lock:  ## re-resolve requirements.in into the exact pins of requirements.lock
	PYTHON=$(PYTHON) tools/lock.sh

$(LAB): $(STAMP) requirements-lab.lock tools/jupyterlab-overrides.json
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock -r requirements-lab.lock
	@mkdir -p $(VENV)/share/jupyter/lab/settings
	cp tools/jupyterlab-overrides.json $(VENV)/share/jupyter/lab/settings/overrides.json
	@rm -f $(VENV)/.lab-* && touch $@

lab: $(LAB)  ## open the lessons in JupyterLab (.md lessons open as notebooks)
	$(BIN)/jupyter lab lessons

clean:  ## remove the built site and the execution cache (keeps .venv)
	rm -rf _build .pytest_cache .coverage
