# Every target installs what it needs on first use: .venv/ for Python.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet

.PHONY: help install mock test clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the project and its test tools into $(VENV)/ ..."
	@$(PIP) install --upgrade pip 2> >(grep -v '^WARNING: Location' >&2)
	@$(PIP) install -e '.[test]' 2> >(grep -v '^WARNING: Location' >&2)
	@touch $(STAMP)

install: $(STAMP) ## create .venv/ and install the project into it

mock: $(STAMP) ## serve the mock on 127.0.0.1:4010 (MOCK_ARGS="--port 8080" to change)
	$(BIN)/python -m mock_server $(MOCK_ARGS)

test: $(STAMP) ## run every test
	$(BIN)/python -m pytest $(PYTEST_ARGS)

clean: ## remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .hypothesis reports *.egg-info
