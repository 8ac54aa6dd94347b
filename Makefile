# Everyday commands. `make run` serves the portal; `make test` runs the whole suite.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
# Python 3.13 (3.12 accepted): the first interpreter on PATH or under pyenv that runs.
PYTHON ?= $(shell for p in python3.13 $$HOME/.pyenv/versions/3.13*/bin/python3.13 python3.12 $$HOME/.pyenv/versions/3.12*/bin/python3.12; do \
	if $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; then echo $$p; break; fi; done)

.PHONY: help install run test lint format check bench reliability clean

help:
	@echo "make run      set everything up and serve on http://127.0.0.1:$(PORT) with demo accounts"
	@echo "make test     run the whole test suite (PostgreSQL when DATABASE_URL is set, else SQLite)"
	@echo "make install  create .venv and install the portal with its test tools"
	@echo "make lint     ruff check and format check; mypy (django-stubs) type check"
	@echo "make check    migrations up to date, and check --deploy under production settings"
	@echo "make bench    benchmarks on the production stack (gunicorn, PostgreSQL, Redis, wrk; ~15 min) into docs/benchmarks.md"
	@echo "make reliability  the portal under load and faults on its own servers (PostgreSQL, Redis); prints a summary"

$(VENV)/.installed: pyproject.toml
	@if [ -z "$(PYTHON)" ]; then echo "Python 3.13 (or 3.12) is needed and was not found. Install python3.13 and run make again." >&2; exit 1; fi
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

install: $(VENV)/.installed

# Links in emails, and passkeys, follow the address served (passkeys need localhost, not 127.0.0.1).
run: export PORTAL_BASE_URL ?= http://localhost:$(PORT)
run: install
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	@test -s var/demo_password || $(PY) -c "import secrets; print(secrets.token_urlsafe(12))" > var/demo_password
	$(PY) manage.py seed_demo --password="$$(cat var/demo_password)"
	@echo
	@echo "Serving on $(PORTAL_BASE_URL)  (emails and texts are printed here; Ctrl+C stops)"
	$(PY) manage.py runserver 127.0.0.1:$(PORT)

test: install
	$(PY) -m pytest

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check: install
	$(PY) manage.py makemigrations --check --dry-run
	PORTAL_ENV=production SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
		PORTAL_MASTER_KEYS="check:$$($(PY) -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')" \
		PORTAL_SIGNING_KEY="$$($(PY) -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())')" \
		ALLOWED_HOSTS=portal.example WAGTAILADMIN_BASE_URL=https://portal.example DATABASE_URL="$${DATABASE_URL:-sqlite:///$$(mktemp -d)/check.sqlite3}" \
		TWILIO_ACCOUNT_SID=AC00000000000000000000000000000000 TWILIO_AUTH_TOKEN=check TWILIO_FROM_NUMBER=+447700900000 \
		$(PY) manage.py check --deploy --fail-level WARNING

# Needs PostgreSQL (createdb/dropdb as postgres on 127.0.0.1, or BENCH_DATABASE_URL), Redis, wrk and Chromium.
bench: install
	$(PY) benchmarks/stack.py

# The portal under load and faults, against its own servers on 127.0.0.1 (PostgreSQL as postgres
# on 127.0.0.1:5432, Redis on 127.0.0.1:6379); prints a summary. The fast subset runs in make test.
reliability: install
	$(PY) -m reliability

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
