# policy-themes: `make help` lists every target.
.DEFAULT_GOAL := help
SHELL := /bin/bash

PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
CODE := $(wildcard pipeline/*.py) pyproject.toml
STATEMENTS := $(shell find data/statements -type f 2>/dev/null)
SENTENCES := build/sentences.parquet
MODEL := models/theme-classifier/model.joblib
LABELED := $(wildcard data/labeled/*.csv data/labeled/*.jsonl) data/themes.toml
TRAIN_CODE := $(addprefix pipeline/,train.py features.py scorer.py script.py model.py model_meta.py calibration.py themes.py config.py readers.py)
REPORT := reports/index.html
BROWSER := $(VENV)/.browser-stamp

.PHONY: help install browser test test-fast lint typecheck check segment train evaluate report bench clean distclean

help: ## list the targets
	@grep -hE '^[a-zA-Z_./-]+:.*## ' $(MAKEFILE_LIST) | \
	  awk 'BEGIN {FS = ":.*## "}; {printf "  \033[36m%-14s\033[0m %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(STAMP) ## create .venv and install the package with its dev tools

$(BROWSER): scripts/ensure_browser.sh | $(STAMP)
	scripts/ensure_browser.sh
	@touch $@

browser: $(BROWSER) ## install headless Chromium and a Chinese font for the browser test (Debian packages)

lint: $(STAMP) ## ruff over the code and tests
	$(VENV)/bin/ruff check pipeline tests scripts

typecheck: $(STAMP) ## mypy over the package
	$(VENV)/bin/mypy

test: $(STAMP) $(BROWSER) lint typecheck ## lint, type-check and run the test suite (browser test included)
	$(VENV)/bin/pytest -q

# Never the model: tests that use it (or train, run the CLI in subprocesses, or a browser) are
# marked `slow` by tests/conftest.py and left out.
test-fast: $(STAMP) ## the edit loop: unit tests only, no model, subprocess or browser tests (under a minute)
	env -u POLICY_THEMES_TEST_MODEL $(VENV)/bin/pytest -q -m "not slow" --durations=5

$(SENTENCES): $(STAMP) $(CODE) $(STATEMENTS)
	@mkdir -p build
	$(PY) -m pipeline segment data/statements -o $@ \
	  --removed build/removed_lines.csv --statements build/statements.csv --errors build/failed.csv

segment: $(SENTENCES) ## clean and split the sample corpus into build/sentences.parquet

$(MODEL): $(STAMP) $(LABELED) $(TRAIN_CODE)
	$(PY) -m pipeline train

train: $(MODEL) ## train the theme classifier from data/labeled into models/theme-classifier (skipped when up to date)

evaluate: $(MODEL) ## score the model on the real-statement check set (needs ../shared/corpora)
	$(PY) scripts/realcheck.py

$(REPORT): $(STAMP) $(MODEL) $(CODE) $(STATEMENTS)
	$(PY) -m pipeline report data/statements -o reports

report: $(REPORT) ## set up, train if needed, and write the report of the sample corpus into reports/
	@echo "open reports/index.html (summary: reports/summary.md)"

bench: $(STAMP) $(MODEL) ## measure segmentation and batch-classification speed and accuracy (writes bench/results.md)
	$(PY) scripts/bench.py

clean: ## remove build outputs (keeps .venv and the trained model)
	rm -rf build reports .pytest_cache .mypy_cache .ruff_cache .hypothesis

distclean: clean ## also remove the virtual environment and the trained model
	rm -rf $(VENV) models/theme-classifier
