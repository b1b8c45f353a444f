# VNet Lab. `make run` serves the lab; `make test` runs every test.
SHELL := /bin/bash
PORT ?= 8000
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup run test test-default test-scaleout bench bench-scale bench-labs bench-engine bench-class fuzz lint clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || "$$(scripts/find-python.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	@touch node_modules/.installed

setup: $(STAMP) node_modules/.installed
	$(PY) manage.py migrate --noinput
	$(PY) manage.py collectstatic --noinput --verbosity 0

run: setup
	@echo "VNet Lab on http://127.0.0.1:$(PORT)/ (each browser gets its own sandbox with the demo seed)"
	$(VENV)/bin/uvicorn portal.asgi:application --host 127.0.0.1 --port $(PORT) --ws websockets-sansio

# Every test, twice: embedded (SQLite + in-memory layer) and scale-out
# (PostgreSQL + Redis). Outside CI the scale-out run is skipped, loudly, when
# the services are down; with CI=true it fails instead.
test: setup
	scripts/run-tests.sh

bench: setup
	$(PY) -m tests.bench.run_bench

bench-scale: setup
	$(PY) -m tests.bench.scale_bench

# A lab's checks re-run after a change: each lab alone, then a class of 30 (issue #11).
bench-labs: setup
	$(PY) -m tests.bench.labs_bench

bench-engine: setup
	$(PY) -m tests.bench.engine_bench

# A class of CLASS_SIZE learners (30), each in their own sandbox, reading and
# writing through the real forms for DURATION seconds (60) per phase: paced
# and unpaced, page cache on and off, /ping beside it (issue #12).
CLASS_SIZE ?= 30
DURATION ?= 60
bench-class: setup
	CLASS_SIZE=$(CLASS_SIZE) DURATION=$(DURATION) $(PY) -m tests.bench.class_bench

# Ten thousand hostile form submissions against a real server: no 500, no
# exception in its log, no row changed by a refusal, a consistent database
# afterwards (issue #12). SQLite by default; PostgreSQL when DATABASE_URL is set.
fuzz: setup
	$(PY) -m tests.fuzz.run_fuzz

# Ruff, then the layer contracts (pyproject.toml [tool.importlinter]): the
# frame imports no app, networking neither appservice nor aks, the engines no Django.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3 test-db.sqlite3
