# microcred: `make run` starts the demo catalogue, `make check` lints and type-checks, `make test` runs the
# whole suite. All create .venv and install what they need on a fresh machine.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run check test bench eval lint clean venv translations

# The UI's message catalogues: the .po files are checked in, the .mo files are built here.
CATALOGUES := $(wildcard search_ui/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

venv: $(STAMP) $(COMPILED)

translations: $(COMPILED)

%.mo: %.po $(STAMP)
	$(BIN)/pybabel compile -i $< -o $@  # fuzzy entries are left out (and fail tests/search_ui/test_web_i18n.py)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP) $(COMPILED)
	$(BIN)/microcred run --demo

# axe-core for the browser tests (tests/browser), pinned by its package-lock.json; without npm the
# browser tests skip (and fail under MICROCRED_REQUIRE_SERVICES=1, as a missing Chromium does).
AXE := tests/browser/node_modules/axe-core/axe.min.js

$(AXE): tests/browser/package.json tests/browser/package-lock.json
	if command -v npm >/dev/null 2>&1; then cd tests/browser && npm ci --no-audit --no-fund && touch node_modules/axe-core/axe.min.js; \
	else echo "npm not found: the browser tests' accessibility checks will skip"; fi

test: $(STAMP) $(COMPILED) $(AXE)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# BENCH_ARGS=--million: only the long SQLite run at 1,000,000 offerings, into its own section of the report.
bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'
	$(BIN)/python -m bench $(BENCH_ARGS)

# Issue 14: the labelled evaluation set through the crosswalks; accuracy per field and format into docs/accuracy.md.
eval: $(STAMP)
	$(BIN)/python tests/data/eval/evaluate.py

# What review used to catch by hand: lint (incl. docstrings and dead noqa), formatting, types ([tool.mypy]).
check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

lint: check

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
