# VNet Lab. `make run` serves the lab; `make test` runs every test.
SHELL := /bin/bash
# Where the server listens: HOST=0.0.0.0 for a class on a LAN (docs/hosting.md).
HOST ?= 127.0.0.1
PORT ?= 8000
# `make serve`'s worker processes.
WORKERS ?= 2
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
UVICORN := VNETLAB_HOST=$(HOST) $(VENV)/bin/uvicorn portal.asgi:application --host $(HOST) --port $(PORT) --ws websockets-sansio

.PHONY: setup run dev serve serve-env test test-default test-scaleout bench bench-scale bench-grids bench-labs bench-engine bench-class bench-class-serve bench-board bench-reads fuzz lint clean

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || "$$(scripts/find-python.sh)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	@touch $(STAMP)

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	@touch node_modules/.installed

# The static files and their manifest for the production profile (DEBUG off).
setup: $(STAMP) node_modules/.installed
	$(PY) manage.py migrate --noinput
	DJANGO_DEBUG=0 $(PY) manage.py collectstatic --noinput --verbosity 0

# What a host of a class runs: DEBUG off, static files from the manifest, the
# portal's own error pages. The first run makes the secret key (.secret_key).
run: setup
	@$(PY) -m portal.production $(HOST) $(PORT)
	DJANGO_DEBUG=0 $(UVICORN)

# For contributors: debug pages, static files straight from static/, and a
# restart when Python code or a template changes.
dev: setup
	DJANGO_DEBUG=1 $(UVICORN) --reload $(foreach d,portal networking appservice aks labs templates,--reload-dir $(d)) \
		--reload-include '*.html'

# The scale-out profile: PostgreSQL and Redis, WORKERS processes, DEBUG off.
serve: serve-env setup
	@$(PY) -m portal.production $(HOST) $(PORT)
	DJANGO_DEBUG=0 $(UVICORN) --workers $(WORKERS)

serve-env:
	@[[ "$$DATABASE_URL" == postgres* ]] || { echo "make serve needs DATABASE_URL naming PostgreSQL, e.g. DATABASE_URL=postgres://postgres@127.0.0.1:5432/vnetlab (its workers share the database)." >&2; exit 1; }
	@[ -n "$$REDIS_URL" ] || { echo "make serve needs REDIS_URL, e.g. REDIS_URL=redis://127.0.0.1:6379/0 (its workers share live updates through Redis)." >&2; exit 1; }

# Every test, twice: embedded (SQLite + in-memory layer) and scale-out
# (PostgreSQL + Redis). Outside CI the scale-out run is skipped, loudly, when
# the services are down; with CI=true it fails instead. First a Chromium for
# the browser tests, installed if none starts (scripts/ensure-browser.sh).
test: setup
	scripts/run-tests.sh

bench: setup
	$(PY) -m tests.bench.run_bench

bench-scale: setup
	$(PY) -m tests.bench.scale_bench

# Long grids (issue #12): a VNet of 400 subnets, the Add VNet pane, All
# resources and a resource group in a sandbox grown to 100x the seed, rendered.
bench-grids: setup
	$(PY) -m tests.bench.grid_bench

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

# The same class against the lab served as `make serve` serves it: a fresh
# PostgreSQL database on DATABASE_URL's server, the Redis database REDIS_URL
# names (emptied first: give it one of its own, not 0), WORKERS processes;
# each learner also holds a live tab, and every write's push is checked.
bench-class-serve: setup
	CLASS_SIZE=$(CLASS_SIZE) DURATION=$(DURATION) WORKERS=$(WORKERS) $(PY) -m tests.bench.class_bench --serve

# 300 learners joined to one class on `make serve`'s workers, and the
# instructor's live board (issue #13): needs DATABASE_URL (PostgreSQL) and
# REDIS_URL (a database of its own: it is emptied).
bench-board: serve-env setup
	WORKERS=$(WORKERS) $(PY) -m tests.bench.board_bench

# The class's six reads one at a time, in-process: CPU ms and queries each,
# page cache off (issue #12; `--profile PAGE` for cProfile's view of one).
bench-reads: setup
	$(PY) -m tests.bench.reads_bench

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
