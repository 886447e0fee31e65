# The commands in README.md are these targets; .ci/run runs `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
FAIRFACE ?= ../shared/fairface
export FACEXAI_FAIRFACE_DIR ?= $(abspath $(FAIRFACE))

.PHONY: install install-backend run run-untrained test test-backend lint bench

install: install-backend

# A stamp file: reinstall only when the package's dependencies change.
$(VENV)/.installed: backend/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e 'backend[dev]'
	touch $@

install-backend: $(VENV)/.installed

run: install
	$(VENV)/bin/facexai serve --host $(HOST) --port $(PORT)

# The app with small UNTRAINED models (random predictions), for trying it before models/ has a bundle.
UNTRAINED := runs/untrained
run-untrained: install
	test -f $(UNTRAINED)/manifest.json || $(PY) scripts/make_test_bundle.py $(UNTRAINED) --input-size 224
	FACEXAI_MODELS_MANIFEST=$(abspath $(UNTRAINED))/manifest.json $(VENV)/bin/facexai serve --host $(HOST) --port $(PORT)

lint: install-backend
	$(VENV)/bin/ruff check backend scripts tests
	$(VENV)/bin/ruff format --check backend scripts tests

test-backend: install-backend
	$(VENV)/bin/python -m pytest -q tests

test: lint test-backend

bench: install-backend
	$(PY) scripts/bench_ig.py --fairface $(FAIRFACE)
