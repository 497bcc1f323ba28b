# bmecohort: every artefact is a file target with its real prerequisites, so make rebuilds
# only what is stale. Phony: test, typecheck, pytest, lint, test-oldest, test-pandas3, report,
# reproduce, bench, clean, help.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.DEFAULT_GOAL := help

## help: list the targets
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

# The virtual environment (the package with its `dev` extra: tests, ruff, mypy), rebuilt
# when pyproject.toml changes. pip compiles what it installs but not an editable package:
# compiling it once here spares every later process (test workers, command subprocesses)
# compiling it again when bytecode writing is off (PYTHONDONTWRITEBYTECODE); a file changed
# since is recompiled in memory as usual.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q bmecohort
	@touch $@

## test: install what is needed, lint and type-check, and run the test-suite (every core)
# ruff first (a second), then mypy beside the tests: on a fresh clone (no .mypy_cache) mypy
# keeps one core busy for about half a minute. The tests run on every core (pytest-xdist);
# a test file's tests stay on one worker, so that its module fixtures are built once.
test: $(STAMP)
	$(BIN)/ruff check .
	@$(MAKE) --no-print-directory -j2 typecheck pytest

typecheck: $(STAMP)
	$(BIN)/mypy

pytest: $(STAMP)
	$(BIN)/python -m pytest -n auto --dist loadfile

## lint: ruff and mypy (settings in pyproject.toml)
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy

# The oldest supported dependencies (ci/constraints-oldest.txt) in their own environment.
OLD_VENV  := .venv-oldest
OLD_STAMP := $(OLD_VENV)/.installed
OLDEST_TESTS ?= tests

$(OLD_STAMP): pyproject.toml ci/constraints-oldest.txt
	$(PYTHON) -m venv $(OLD_VENV)
	$(OLD_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(OLD_VENV)/bin/python -m pip install --quiet -c ci/constraints-oldest.txt -e '.[test]'
	@touch $@

## test-oldest: run the tests on the oldest supported pins (OLDEST_TESTS=paths to narrow)
test-oldest: $(OLD_STAMP)
	$(OLD_VENV)/bin/python -m pytest $(OLDEST_TESTS)

# pandas 3 (ci/constraints-pandas3.txt): what `pip install bmecohort 'pandas>=3'` resolves.
P3_VENV  := .venv-pandas3
P3_STAMP := $(P3_VENV)/.installed
PANDAS3_TESTS ?= tests

$(P3_STAMP): pyproject.toml ci/constraints-pandas3.txt
	$(PYTHON) -m venv $(P3_VENV)
	$(P3_VENV)/bin/python -m pip install --quiet --upgrade pip
	$(P3_VENV)/bin/python -m pip install --quiet -c ci/constraints-pandas3.txt -e '.[test]'
	@touch $@

## test-pandas3: run the tests with pandas 3 (PANDAS3_TESTS=paths to narrow)
test-pandas3: $(P3_STAMP)
	$(P3_VENV)/bin/python -m pytest $(PANDAS3_TESTS)

# --- the report ---------------------------------------------------------------------------
# `make report` builds the PDF from the demo cohort; `make report DATA=path/to/tables` from a
# cohort folder (SEED=n changes the demo's seed, SUPPRESS=k the small-cell threshold, 0 off).
# The PDF depends on every package source (code, Typst template, figure style), the data
# folder's table files and the reproduction table; the options stamp below is rewritten
# only when its content changes, so switching DATA (or SEED, SUPPRESS) rebuilds and nothing
# else does.
DATA     ?=
SEED     ?=
SUPPRESS ?=
REPORT        := reports/bmecohort_report.pdf
REPORT_BUILD  := reports/build/report
REPORT_STAMP  := reports/build/report-options.txt
PACKAGE_SRC   := $(shell find bmecohort -name '*.py' -o -name '*.typ' -o -name '*.mplstyle')
DATA_FILES    := $(if $(DATA),$(sort $(wildcard $(DATA)/*.csv $(DATA)/*.parquet)))
REPRODUCTIONS := reports/reproductions.csv
REPORT_OPTS   := $(if $(DATA),--data $(DATA)) $(if $(SEED),--seed $(SEED)) \
                 $(if $(SUPPRESS),$(if $(filter 0,$(SUPPRESS)),--no-suppress,--suppress-below $(SUPPRESS)))

## report: build reports/bmecohort_report.pdf (demo cohort; DATA=folder for your own tables)
report: $(REPORT)

$(REPORT): $(STAMP) $(REPORT_STAMP) $(PACKAGE_SRC) $(DATA_FILES) $(REPRODUCTIONS)
	$(BIN)/python -m bmecohort.cli report $(REPORT_OPTS) --out $@ --build-dir $(REPORT_BUILD)

# Content-compared stamp of the report's options: its date changes only with its content.
$(REPORT_STAMP): FORCE
	@mkdir -p $(@D)
	@printf '%s\n' 'data=$(abspath $(DATA))' 'files=$(notdir $(DATA_FILES))' 'seed=$(SEED)' \
	  'suppress=$(SUPPRESS)' 'reproductions=$(REPRODUCTIONS)' > $@.new
	@if cmp -s $@.new $@; then rm -f $@.new; else mv -f $@.new $@; fi

# --- the reproductions of the source documents' statistics ---------------------------------
# The design checks (hundreds of simulated replicates per published statistic, minutes) are
# stored in reports/design_checks.csv with their manifest reports/design_checks.json (when,
# from which code version, SHA-256 of their inputs), both committed. The reproduction table
# the report includes recomputes the rows from published counts and takes the design
# checks from that store (seconds); it says when they were built and whether the analyses
# or package modules they use have changed since, and `make reproduce` rebuilds them.
ANALYSES      := $(wildcard analyses/[0-9][0-9]_*.py)
DESIGN_CHECKS := reports/design_checks.csv
JOBS          ?= -1

## reproduce: the full run: every design check and every published statistic (JOBS=-1: all cores)
reproduce: $(STAMP)
	$(BIN)/python -m bmecohort.cli reproduce --out reports --jobs $(JOBS)

$(REPRODUCTIONS): $(STAMP) $(ANALYSES) $(PACKAGE_SRC) $(DESIGN_CHECKS)
	$(BIN)/python -m bmecohort.cli reproduce --out reports --stored

# Committed: absent only when deleted, then the full run writes it again.
$(DESIGN_CHECKS):
	$(BIN)/python -m bmecohort.cli reproduce --out reports --jobs $(JOBS)

# --- documentation -----------------------------------------------------------------------
DOCS_STAMP := $(VENV)/.docs-installed

$(DOCS_STAMP): $(STAMP) pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[docs]'
	@touch $@

## docs: build the documentation site offline into docs/_build/html (warnings are errors)
docs: $(DOCS_STAMP)
	MPLBACKEND=Agg $(BIN)/python -m sphinx -W --keep-going -b html -q docs docs/_build/html

# --- benchmarks --------------------------------------------------------------------------
## bench: run every benchmark and write benchmarks/results/README.md (BENCH_OPTS=--quick)
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py $(BENCH_OPTS)

# The report's benchmark (build time on the demo cohort); results in benchmarks/results/.
benchmarks/results/report.json: benchmarks/bench_report.py $(STAMP) $(PACKAGE_SRC)
	$(BIN)/python benchmarks/bench_report.py

FORCE:

## clean: remove built artefacts (keeps the virtual environment)
clean:
	rm -rf reports/build reports/figures reports/tables reports/bmecohort_report.pdf .pytest_cache \
	  docs/_build docs/generated docs/gallery

.PHONY: help test typecheck pytest lint test-oldest test-pandas3 clean report reproduce bench docs
