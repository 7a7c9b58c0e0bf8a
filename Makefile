# Reading Room. The two commands a new user needs:
#   make run    set everything up and serve the archive at http://127.0.0.1:8000
#   make test   set everything up (Chromium, PostgreSQL) and run the whole suite
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
CORPUS ?= ../shared/corpus
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=

.PHONY: setup run test check test-deps system-deps bench clean

setup: $(VENV)/.installed
	@scripts/vendor.sh
	@$(BIN)/python -m readingroom.search.lemmas

$(VENV)/.installed: pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	@touch $@

system-deps:
	@scripts/install-system-deps.sh

run: system-deps setup
	$(BIN)/readingroom bootstrap --corpus $(CORPUS)
	$(BIN)/readingroom serve --host $(HOST) --port $(PORT)

test-deps:
	@scripts/install-test-deps.sh

# The style and the types the project states (pyproject.toml), each failing the run.
check: setup
	$(BIN)/ruff format --check --quiet .
	$(BIN)/ruff check --quiet .
	$(BIN)/mypy

test: test-deps setup check
	@scripts/vendor.sh --dev
	@scripts/run-tests.sh $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) build *.egg-info test-output node_modules readingroom/web/static/vendor

.PHONY: bench-quick
bench-quick: setup
	$(BIN)/python bench/quick.py
