# The README's two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
export REFLEX_TELEMETRY_ENABLED := false
export REFLEX_CHECK_LATEST_VERSION := 0
export REFLEX_HTTP_CLIENT_BIND_ADDRESS := 0.0.0.0
export NPM_CONFIG_REGISTRY := https://registry.npmjs.org
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)

.PHONY: run test lint unit integration security faults browser browser-production chromium venv clean bench bench-matrix

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	@touch $@

venv: $(VENV)/.installed

run: venv
	$(PY) -m stapp.cli run

chromium:
	@if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	  echo "Installing Debian's Chromium for the browser tests (apt-get install -y chromium)"; \
	  (apt-get install -y -qq chromium >/dev/null 2>&1 || (apt-get update -qq && apt-get install -y -qq chromium >/dev/null)); \
	else \
	  echo "ERROR: the browser tests need Chromium. Install it with: sudo apt-get install -y chromium"; exit 1; \
	fi

lint: venv
	$(VENV)/bin/ruff check stapp tests rxconfig.py bench
	$(VENV)/bin/lint-imports

unit: venv
	$(PY) -m pytest -q tests/unit

integration: venv
	$(PY) -m pytest -q tests/integration

security: venv
	$(PY) -m pytest -q tests/security

faults: venv
	$(PY) -m pytest -q tests/faults

browser: venv chromium
	$(PY) -m pytest -q tests/browser

# The same browser suite on the production stack: PostgreSQL, Redis state, three backend workers
# (skipped, saying so, without STAPP_TEST_POSTGRES_URL and STAPP_TEST_REDIS_URL; .ci/run sets them).
browser-production: venv chromium
	STAPP_TEST_STACK=production $(PY) -m pytest -q -rs tests/browser

test: venv chromium lint unit integration security faults browser browser-production

clean:
	rm -rf .web .states var/test

bench: venv
	$(PY) -m pip install --quiet -e '.[test,bench]'
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) bench/table.py

# every sort and direction under each filter, on the databases `make bench` made (MATRIX_ARGS="--postgres URL")
bench-matrix: venv
	$(PY) bench/matrix.py $(MATRIX_ARGS)
