# Lunchbox: `make run` serves the app, `make test` runs every check. `make help` lists the rest.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
UV := $(VENV)/bin/uv
UV_VERSION := 0.13.9
HOST ?= 127.0.0.1
PORT ?= 8000
# Above LUNCHBOX_MAX_MESSAGE_BYTES, so that an oversized paste is answered `too_large` rather than
# the socket dropped: the same number as DAPHNE_WEBSOCKET_MAX_MESSAGE_SIZE in sandbox/settings.py.
DAPHNE_LIMITS := --websocket-max-message-size 4194304 --websocket-max-frame-size 4194304

.PHONY: help run workshop test setup setup-dev check lint typecheck pytest instructor bench screenshot clean system-deps

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

run: setup ## Install what is needed and serve HTTP + websockets on http://127.0.0.1:8000
# sandbox/serve.py is daphne with a request-header deadline and a connection cap per client.
	@echo "Lunchbox on http://$(HOST):$(PORT)/sandbox/  (instructor account: make instructor)"
	$(PY) -m sandbox.serve -b $(HOST) -p $(PORT) $(DAPHNE_LIMITS) sandbox.asgi:application

workshop: setup ## Serve the room on 0.0.0.0:8000 with production settings; prints the URL + QR code
	$(PY) scripts/workshop.py --port $(PORT) $(addprefix --address ,$(ADDRESS))

test: setup-dev system-deps ## Install what is needed, then ruff, mypy and the whole pytest suite
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy sandbox lessons
	$(VENV)/bin/pytest

setup: $(VENV)/.installed static/vendor/.installed var/.content ## Everything `run` needs

setup-dev: $(VENV)/.installed-dev static/vendor/.installed var/.content ## Everything `test` needs

$(VENV)/bin/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "Lunchbox needs Python 3.11 or newer (set PYTHON=python3.12 …)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(UV): $(VENV)/bin/python
	$(PY) -m pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)
	@touch $@

$(VENV)/.installed: requirements.lock pyproject.toml | $(UV)
	$(UV) pip install --quiet --python $(PY) -r requirements.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	@touch $@

$(VENV)/.installed-dev: requirements-dev.lock pyproject.toml | $(UV)
	$(UV) pip install --quiet --python $(PY) -r requirements-dev.lock
	$(UV) pip install --quiet --python $(PY) --no-deps -e .
	@touch $@ $(VENV)/.installed

node_modules/.package-lock.json: package.json package-lock.json
	@command -v npm >/dev/null || { echo "Lunchbox needs Node.js 20 and npm"; exit 1; }
	npm ci --no-audit --no-fund --loglevel=error

static/vendor/.installed: node_modules/.package-lock.json scripts/vendor.mjs scripts/codemirror-entry.mjs
	node scripts/vendor.mjs
	@touch $@

var/.content: $(VENV)/.installed $(wildcard lessons/content/*.yaml lessons/content/scenarios/*.yaml) $(wildcard lessons/migrations/*.py)
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_content
	@touch $@

system-deps: ## Debian's chromium for the browser tests (installed when missing and root)
	@scripts/system-deps.sh

instructor: setup ## Create an instructor (staff superuser) account for the admin
	$(PY) manage.py createsuperuser

bench: setup ## Run the benchmarks in bench/ (figures go to stdout and docs/performance.md)
	$(PY) -m bench.engine
	$(PY) -m bench.console
	$(PY) -m bench.hostile
	$(PY) -m bench.gcslope
	$(PY) -m bench.server
	$(PY) -m bench.asleep
	$(PY) -m bench.abuse

screenshot: setup-dev system-deps ## Retake docs/screenshot.png with the browser test
	LUNCHBOX_SCREENSHOT=1 $(VENV)/bin/pytest tests/browser/test_cluster_playback.py -q -k follows_the_run

clean: ## Remove the virtualenv, node_modules, vendored assets and the local database
	rm -rf $(VENV) node_modules static/vendor var/*.sqlite3 var/.content
