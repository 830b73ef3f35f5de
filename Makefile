# One task runner for people and CI. `make help` lists the targets.
SHELL := /bin/bash
PYTHON ?= python3
UV := $(PYTHON) -m uv
RUN := $(UV) run --frozen
PORT ?= 8000
TEST_POSTGRES_URL ?= postgres://postgres@127.0.0.1:5432/idic
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup run test test-sqlite test-postgres lint format bench browser postgres-up clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*##' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

setup:  ## install uv (if missing) and the locked dependencies into .venv
	@$(UV) --version >/dev/null 2>&1 || $(PYTHON) -m pip install --quiet "uv==0.13.8"
	@$(UV) sync --frozen --quiet

run: setup  ## start IDIC on SQLite + DuckDB with demo data at http://127.0.0.1:$(PORT)/
	$(RUN) idic serve --port $(PORT)

test: setup browser postgres-up lint test-sqlite test-postgres  ## lint, then the whole suite on SQLite and PostgreSQL

test-sqlite: setup
	DATABASE_URL=sqlite:///$(CURDIR)/var/test.sqlite3 $(RUN) pytest

test-postgres: setup
	@if $(PYTHON) -c "import socket,sys; s=socket.socket(); s.settimeout(2); sys.exit(s.connect_ex(('127.0.0.1',5432)))" || [ -n "$$TEST_POSTGRES_URL_SET" ]; then \
	  echo "== PostgreSQL: $(TEST_POSTGRES_URL)"; \
	  DATABASE_URL=$(TEST_POSTGRES_URL) $(RUN) pytest -m "not browser and not engine_only"; \
	elif [ -n "$$IDIC_REQUIRE_POSTGRES" ]; then echo "PostgreSQL is required but does not answer on 127.0.0.1:5432" >&2; exit 1; \
	else echo "== PostgreSQL not reachable: PostgreSQL pass skipped (set IDIC_REQUIRE_POSTGRES=1 to fail instead)"; fi

lint: setup  ## ruff, mypy, and the missing-migrations check
	$(RUN) ruff check src tests bench
	$(RUN) ruff format --check src tests bench
	$(RUN) mypy src
	mkdir -p var
	DATABASE_URL=sqlite:///$(CURDIR)/var/lint.sqlite3 $(RUN) idic makemigrations --check --dry-run

format: setup  ## apply ruff's fixes and formatting
	$(RUN) ruff check --fix src tests bench
	$(RUN) ruff format src tests bench

browser:  ## install Debian's Chromium for the browser test (needs root)
	@command -v chromium >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq chromium >/dev/null; }

postgres-up:  ## start the machine's PostgreSQL if it is down
	@pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null || { command -v pg_ctlcluster >/dev/null && pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql | head -1) main start && sleep 2; } || true

bench: setup  ## run every benchmark (each prints one JSON line)
	@for b in bench/*.py; do grep -q "__main__" $$b || continue; echo "== $$b" >&2; $(RUN) python $$b || exit 1; done

clean:  ## remove the embedded data and caches
	rm -rf var .pytest_cache .mypy_cache .ruff_cache
