# EasyPay's one task runner. `make help` lists the targets.
SHELL := /bin/bash
UV_VERSION := 0.13.9
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")
VENV := .venv
BIN := $(VENV)/bin
PYTEST_FLAGS ?=

.DEFAULT_GOAL := help

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

$(VENV)/.synced: pyproject.toml uv.lock
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	$(UV) sync --frozen --quiet
	@touch $@

setup: $(VENV)/.synced ## Create the environment (Python packages from uv.lock)

browser: ## Install Debian's Chromium for the browser tests (as root; skipped otherwise)
	@if [ -x /usr/bin/chromium ]; then :; \
	elif [ "$$(id -u)" = "0" ]; then \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-nanum >/dev/null) \
	  || echo "### could not install chromium: browser tests will be skipped"; \
	else echo "### chromium missing and not root: browser tests will be skipped"; fi

run: setup ## Set up, migrate the embedded database, load the demo data, serve on :8000
	$(BIN)/easypay migrate
	$(BIN)/easypay demo
	$(BIN)/easypay serve

test: setup browser ## Set up and run the whole suite on SQLite, then on a throwaway PostgreSQL
	@echo "=== test suite on SQLite ==="
	$(BIN)/pytest $(PYTEST_FLAGS)
	@echo "=== test suite on PostgreSQL ==="
	scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_FLAGS)

test-sqlite: setup ## Only the SQLite run
	$(BIN)/pytest $(PYTEST_FLAGS)

test-postgres: setup ## Only the PostgreSQL run
	scripts/with-postgres.sh $(BIN)/pytest $(PYTEST_FLAGS)

lint: setup ## ruff check, ruff format --check, mypy --strict, one migration head
	$(BIN)/ruff check src tests migrations bench
	$(BIN)/ruff format --check src tests migrations bench
	$(BIN)/mypy
	@test "$$($(BIN)/alembic heads | wc -l)" = "1" || { echo "more than one migration head"; exit 1; }

format: setup ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix src tests migrations bench
	$(BIN)/ruff format src tests migrations bench

bench: setup ## Ledger benchmark next to pgbench on a throwaway PostgreSQL
	scripts/with-postgres.sh bench/ledger_vs_pgbench.sh

bench-http: setup ## HTTP load benchmark (server workers, load generator, pgbench) on its own cluster
	bench/http_vs_pgbench.sh

bench-faults: setup ## Crash, PostgreSQL-stop, sandbox-fault and bank-test runs at full length
	bench/faults/all.sh

clean: ## Remove the environment and the embedded data
	rm -rf $(VENV) var

.PHONY: bench-http bench-faults help setup browser run test test-sqlite test-postgres lint format bench clean
