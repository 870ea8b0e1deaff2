# Set-up and checks for asgi-lifespan-check. `make demo` and `make test` do everything
# on a fresh machine: they create .venv, install the project and its dev dependencies.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: help install demo lint test test-all bench cases clean

help:
	@echo "make demo      create .venv, install, run lifespan-check on the bundled example app"
	@echo "make test      lint (ruff, mypy --strict) and run the whole test suite"
	@echo "make test-all  run the test suite on every CPython >= 3.11 found on this machine"
	@echo "make bench     measure the tool's own overhead against a raw lifespan driver"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python >= 3.11 is required (set PYTHON=...)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e . --group dev
	@touch $(STAMP)

install: $(STAMP)

demo: install
	@echo "\$$ lifespan-check --app-dir examples demo_app:app"
	@$(BIN)/lifespan-check --app-dir examples demo_app:app

lint: install
	$(BIN)/ruff check asgi_lifespan_check tests examples scripts
	$(BIN)/ruff format --check asgi_lifespan_check tests examples scripts
	$(BIN)/mypy

test: lint
	$(BIN)/python -m pytest $(PYTEST_ARGS)

test-all:
	@./scripts/test-all

bench: install
	$(BIN)/python scripts/bench.py

clean:
	rm -rf $(VENV) .venv-* .mypy_cache .ruff_cache .pytest_cache .coverage .coverage.* htmlcov
