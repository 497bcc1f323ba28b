# bmecohort: every artefact is a file target with its real prerequisites, so make rebuilds
# only what is stale. Phony: test, report, reproduce, bench, clean, help.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help

## help: list the targets
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

# The virtual environment, rebuilt when pyproject.toml changes.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $@

## test: install what is needed and run the test-suite
test: $(STAMP)
	$(BIN)/python -m pytest

## clean: remove built artefacts (keeps the virtual environment)
clean:
	rm -rf reports/build reports/figures reports/tables reports/bmecohort_report.pdf .pytest_cache

.PHONY: help test clean
