# Ester — everyday commands.  `make demo` to try it, `make test` before every push.
# See docs/development/running.md.

SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV      := .venv
BIN       := $(VENV)/bin
STAMP     := $(VENV)/.ester-installed
PYTEST    := $(BIN)/python -m pytest -p no:cacheprovider -n 2
# Settings for lint and tests: debug mode (no secret key needed), never a caller's PostgreSQL for checks.
CHECK_ENV := env -u ESTER_DATABASE_URL ESTER_DEBUG=1

# Front-end assets vendored from npm by `make vendor` (committed; no CDN, no node at run time).
HTMX_VERSION ?= 2.0.11
AXE_VERSION  ?= 4.14.1

# Python 3.11 for the virtualenv: python3.11, or python3 if that is 3.11.
PYTHON311 = $(shell command -v python3.11 2>/dev/null || \
	(python3 -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null && command -v python3))

ARGS ?=

.PHONY: help setup demo test test-sqlite test-postgres lint typecheck vendor serve worker chromium clean

help:
	@echo "make demo       set up .venv, load the demo city and serve it on http://127.0.0.1:8000/"
	@echo "make test       lint and typecheck, then the whole suite on SQLite (and on PostgreSQL when ESTER_DATABASE_URL is set)"
	@echo "make lint       ruff check, ruff format --check, manage.py check, makemigrations --check"
	@echo "make typecheck  mypy with django-stubs"
	@echo "make vendor     refresh htmx and axe-core from npm (needs npm; commit the result)"
	@echo "make serve      production-style: gunicorn + worker (needs ESTER_SECRET_KEY); ARGS='--bind 0.0.0.0:8000'"
	@echo "make worker     the background task worker alone"
	@echo "make clean      remove caches and collected static files (keeps .venv and var/)"

# --- environment ------------------------------------------------------------

$(BIN)/python:
	@test -n "$(PYTHON311)" || { echo "Ester needs Python 3.11 (python3.11, or python3 being 3.11) to create $(VENV)." >&2; exit 1; }
	$(PYTHON311) -m venv $(VENV)

# Re-installs only when the lock file or pyproject.toml changed since the last install.
$(STAMP): requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.lock
	$(BIN)/python -m pip install --disable-pip-version-check -q --no-deps -e .
	@touch $@

setup: $(STAMP)

# Debian's chromium, driven by Playwright in the browser tests.
chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" -eq 0 ]; then SUDO=; \
	  elif command -v sudo >/dev/null 2>&1; then SUDO=sudo; \
	  else echo "chromium is missing and neither root nor sudo is available to install it." >&2; exit 1; fi; \
	  $$SUDO apt-get update && $$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	}

# --- everyday ---------------------------------------------------------------

demo: setup
	$(BIN)/ester demo $(ARGS)

# Runs lint and every suite even when one fails, then exits non-zero if anything failed.
test: setup chromium
	@status=0; \
	$(MAKE) --no-print-directory lint || status=1; \
	$(MAKE) --no-print-directory typecheck || status=1; \
	$(MAKE) --no-print-directory test-sqlite || status=1; \
	if [ -n "$${ESTER_DATABASE_URL:-}" ]; then $(MAKE) --no-print-directory test-postgres || status=1; \
	else echo "== ESTER_DATABASE_URL is not set: PostgreSQL run skipped"; fi; \
	if [ $$status -eq 0 ]; then echo "== make test: all passed"; else echo "== make test: FAILED" >&2; fi; \
	exit $$status

test-sqlite: setup
	@echo "== Test suite on SQLite (a file test database per process under var/; ESTER_DATABASE_URL unset)"
	env -u ESTER_DATABASE_URL ESTER_DEBUG=1 $(PYTEST) $(ARGS)

test-postgres: setup
	@test -n "$${ESTER_DATABASE_URL:-}" || { echo "test-postgres needs ESTER_DATABASE_URL" >&2; exit 1; }
	@echo "== Test suite on PostgreSQL: $$(printf '%s' "$$ESTER_DATABASE_URL" | sed -E 's#(://[^:/@]+):[^@]*@#\1:***@#') (test databases test_<name>_gwN)"
	ESTER_DEBUG=1 $(PYTEST) $(ARGS)

lint: setup
	@status=0; \
	echo "== ruff check"; $(BIN)/ruff check . || status=1; \
	echo "== ruff format --check"; $(BIN)/ruff format --check . || status=1; \
	echo "== manage.py check"; $(CHECK_ENV) $(BIN)/python manage.py check || status=1; \
	echo "== makemigrations --check"; $(CHECK_ENV) $(BIN)/python manage.py makemigrations --check --dry-run || status=1; \
	exit $$status

typecheck: setup
	$(CHECK_ENV) $(BIN)/mypy config ester

serve: setup
	$(BIN)/ester serve $(ARGS)

worker: setup
	$(BIN)/ester worker $(ARGS)

# --- front-end assets -------------------------------------------------------

vendor:
	@command -v npm >/dev/null 2>&1 || { echo "make vendor needs npm (Node.js); the vendored files are committed, so only refreshing needs it." >&2; exit 1; }
	@set -euo pipefail; tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	(cd "$$tmp" && npm pack --silent --loglevel=error htmx.org@$(HTMX_VERSION) axe-core@$(AXE_VERSION) >/dev/null); \
	mkdir -p ester/static/vendor tests/vendor; \
	tar -xzOf "$$tmp/htmx.org-$(HTMX_VERSION).tgz" package/dist/htmx.min.js > ester/static/vendor/htmx.min.js; \
	tar -xzOf "$$tmp/axe-core-$(AXE_VERSION).tgz" package/axe.min.js > tests/vendor/axe.min.js; \
	echo "vendored htmx.org $(HTMX_VERSION) -> ester/static/vendor/htmx.min.js, axe-core $(AXE_VERSION) -> tests/vendor/axe.min.js"

clean:
	rm -rf staticfiles build .pytest_cache .ruff_cache .mypy_cache test-results *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
