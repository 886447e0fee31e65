# The commands in README.md are these targets; .ci/run runs `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
FAIRFACE ?= ../shared/fairface
export FACEXAI_FAIRFACE_DIR ?= $(abspath $(FAIRFACE))

.PHONY: install install-backend run run-untrained test test-backend redis-server lint bench loadtest train train-bundle biased-subset evaluate

install: install-backend frontend-build

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
	$(VENV)/bin/mypy

# tests/test_replicas.py starts a real redis-server (Debian's) for two `facexai serve` processes to share.
REDIS_SERVER ?= /usr/bin/redis-server
redis-server:
	@test -x $(REDIS_SERVER) || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y redis-server)

test-backend: install-backend redis-server
	$(VENV)/bin/python -m pytest -q tests

test: lint test-backend frontend-test compose-test

bench: install-backend
	$(PY) scripts/bench_ig.py --fairface $(FAIRFACE)

# 16 concurrent uploads of 40-megapixel photos to the real service (untrained models): every answer 200 or
# 503 busy with Retry-After, at least two 200s, peak memory <= 2.5 GB, /health 200 afterwards. About a minute.
IMAGES ?= ../shared/images
# Then the same across two `facexai serve` processes sharing one redis-server (uploads alternate, each 200
# followed up on the other process): every answer 200 or 503 busy, follow-ups too (some 200), <= 3.5 GB together.
loadtest: install-backend redis-server
	$(PY) scripts/loadtest.py --images $(IMAGES)
	$(PY) scripts/loadtest.py --images $(IMAGES) --replicas 2

# The served bundle (docs/training.md): race, gender, age and the imbalance experiment's arms (race_biased,
# race_control and their second seeds) on dlib's face ResNet, from the FairFace train chips, on this CPU in
# well over an hour; checkpointed each epoch, rerun to resume.
# Val 1-4000 is scored once at the end, after every choice was made on held-out train chips.
train-bundle: install-backend
	$(VENV)/bin/facexai train-bundle --fairface $(FAIRFACE) --work runs/bundle --out models \
		--val-labels $(FAIRFACE)/fairface_label_val.csv

# From-scratch training of single models (docs/training.md): make train MODEL=race SET="--set training.epochs=3"
MODEL ?= race
SET ?=
train: install-backend
	$(VENV)/bin/facexai train --config scripts/configs/$(MODEL).toml $(SET)

biased-subset: install-backend
	$(PY) scripts/make_biased_subset.py --out runs/data/fairface_label_train_race_biased.csv

evaluate: install-backend
	$(VENV)/bin/facexai evaluate --manifest models/manifest.json --images $(FAIRFACE) \
		--labels $(FAIRFACE)/fairface_label_val.csv --out results/evaluation

# ---- web app and docker compose (frontend/; owned by the web app, wired into install/run/test) ----
NPM ?= npm
CHROMIUM ?= /usr/bin/chromium
.PHONY: frontend-install frontend-build frontend-test frontend-check-api frontend-screenshots chromium compose-test demo

# A stamp file: `npm ci` again only when the dependencies change.
frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && $(NPM) ci --no-audit --no-fund
	touch $@

frontend-install: frontend/node_modules/.installed

# Type-checks, then writes frontend/dist, which `facexai serve` serves at /.
frontend-build: frontend-install
	cd frontend && $(NPM) run build

# The typed client is generated from the backend's OpenAPI schema: fail when it is stale.
frontend-check-api: frontend-install install-backend
	cd frontend && FACEXAI_PYTHON=$(abspath $(PY)) $(NPM) run check:api

# Browser tests drive Debian's chromium (a test tool's own browser download fails here).
chromium:
	@test -x $(CHROMIUM) || (apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium)

# Unit tests, then end-to-end tests against the real service started by the test run, then the static demo
# (the astronaut only, recorded with models/manifest.json) served with no service.
frontend-test: frontend-check-api chromium
	cd frontend && $(NPM) run typecheck
	cd frontend && $(NPM) run lint
	cd frontend && $(NPM) test
	cd frontend && FACEXAI_VENV=$(abspath $(VENV)) CHROMIUM_PATH=$(CHROMIUM) $(NPM) run e2e
	cd frontend && FACEXAI_VENV=$(abspath $(VENV)) CHROMIUM_PATH=$(CHROMIUM) $(NPM) run e2e:demo

# The static demo: the web app with the sample photos' analyses recorded from the real service (models/manifest.json)
# in DEMO_OUT, for any static host (GitHub Pages, `python3 -m http.server -d demo`), no backend. About 6 minutes on
# 2 cores (every face's IG with faithfulness, the comparison, one face's class grids). scripts/build_demo.py --help.
# DEMO_REPO_URL: the repository its note links to (default: git's GitHub origin, or the GitHub Pages address).
DEMO_OUT ?= demo
DEMO_REPO_URL ?=
demo: install-backend frontend-install
	$(PY) scripts/build_demo.py --out $(abspath $(DEMO_OUT)) $(if $(DEMO_REPO_URL),--repo-url $(DEMO_REPO_URL))

# The screenshots in docs/screenshots, from the end-to-end run (public-domain astronaut and Hopper photos only;
# models/manifest.json when trained models exist, else untrained ones at full input size).
frontend-screenshots: frontend-install install-backend chromium
	cd frontend && FACEXAI_VENV=$(abspath $(VENV)) CHROMIUM_PATH=$(CHROMIUM) FACEXAI_SCREENSHOTS_DIR=$(abspath docs/screenshots) \
		FACEXAI_E2E_INPUT_SIZE=224 FACEXAI_E2E_ARCHITECTURE=seed $(NPM) run e2e

# docker-compose.yml as users run it, REPLICAS backends behind nginx sharing one Redis: installs Docker
# (Debian's docker.io, docker-compose, debootstrap) when missing, starts dockerd when none answers, builds
# stand-ins for base images no registry can give (cached in ~/.cache/facexai-compose), builds, starts, uploads
# through nginx, follows up on other replicas, `down -v`. Skips, saying why, only when no engine can start.
# Two replicas by default: each loads the models at start, and on 2 cores a third adds 1-2 minutes.
REPLICAS ?= 2
compose-test:
	python3 scripts/compose_test.py --replicas $(REPLICAS)
# ---- end of web app block ----
