# riskreg: `make run` serves the demo, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: install run test lint bench clean

install: $(VENV)/.installed tests/oidc/node_modules/.installed
	@./scripts/system-deps.sh

# The OpenID Connect provider the sign-on tests start (npm package oidc-provider). Without
# Node those tests are skipped with a reason, so a machine without it still installs.
tests/oidc/node_modules/.installed: tests/oidc/package.json tests/oidc/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		echo "install: npm ci in tests/oidc (oidc-provider for the sign-on tests)"; \
		cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error && touch node_modules/.installed; \
	else \
		echo "install: no npm, so the sign-on tests will be skipped (apt-get install nodejs npm)"; \
	fi

$(VENV)/.installed: pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit("riskreg needs Python 3.11 or newer") if sys.version_info < (3, 11) else None'
	@echo "install: creating $(VENV) and installing riskreg with its test tools"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --upgrade pip
	@$(PY) -m pip install --quiet -e ".[dev]"
	@touch $@

run: install
	@echo "run: migrating the SQLite database (db.sqlite3)"
	@DEBUG=1 $(PY) manage.py migrate --verbosity 0
	@echo "run: loading the seed data and demo users"
	@DEBUG=1 $(PY) manage.py seed_demo
	@echo "run: serving riskreg on http://$(HOST)/ with the task worker that builds the PDF packs (Ctrl-C stops both)"
	@DEBUG=1 sh -c '$(PY) manage.py db_worker --interval 2 & worker=$$!; \
		trap "kill $$worker 2>/dev/null" EXIT INT TERM; $(PY) manage.py runserver $(HOST)'

# DEBUG=1 gives the test settings a development key; the test runner still serves
# pages with DEBUG off, and tests/riskreg/test_deploy.py checks production settings.
test: install
	@echo "test: running the suite on $${DATABASE_URL:-SQLite}"
	@DEBUG=1 $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .

# The benchmarks also need wrk (bench/serve.py's load generator): installed here, not by
# `make install`, so the test machines' packages stay as they are.
bench: install
	@./scripts/system-deps.sh --bench
	@DEBUG=1 $(PY) bench/pages.py
	@DEBUG=1 $(PY) bench/pack.py
	@DEBUG=1 $(PY) bench/serve.py

clean:
	rm -rf $(VENV) tests/oidc/node_modules staticfiles media db.sqlite3 db.sqlite3-wal db.sqlite3-shm
