# Casa Urban Platform. `make run` serves the portal; `make test` runs the tests. Both set up
# everything first and skip what is already done.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV        := .venv
PY          := $(VENV)/bin/python
MANAGE      := $(PY) manage.py
HOST        ?= 127.0.0.1
PORT        ?= 8000
APP_PORT    ?= 8001
# The address written in links (OGC documents and their next pages, QR codes, notes):
# GEOPORTAL_PUBLIC_URL, or the front server's own when it is not set. Set it when HOST is 0.0.0.0
# or another proxy is in front.
LINK_BASE   := $(or $(GEOPORTAL_PUBLIC_URL),http://$(HOST):$(PORT))
# The tile server's address: its Unix socket under var/, or HOST:PORT
TILE_LISTEN ?= unix:$(abspath $(or $(GEOPORTAL_VAR_DIR),var))/tileserver/tiles.sock
# Two per processor this process may use, plus one (geoportal/cpus.py: affinity and cgroup quota)
WORKERS     ?= $(shell $(PY) -m geoportal.cpus workers)
DEMO_SIZE   ?= city
LOAD_USERS  ?= 50
LOAD_SECONDS ?= 60
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help run serve static front tileserver worker app setup system system-test venv frontend messages db replica migrate demo test retest lint format bench loadtest notebooks stop db-shell clean

help: ## List the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_-]+:.*## / {printf "  make %-12s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

run: setup db migrate demo static front tileserver worker app ## Install what is missing, start the database, load the demo city, serve on :8000 (nginx in front)

setup: system venv frontend messages ## Install system packages, the Python environment, the front-end libraries; compile the translations

system: ## Install the missing Debian packages (PostgreSQL/PostGIS, GDAL, fonts)
	@bin/setup-system

system-test: ## Install the Debian packages of the tests' real clients (Chromium, QGIS)
	@bin/setup-system test

venv: $(VENV)/.installed ## Create the Python 3.12+ virtual environment from pyproject.toml
$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || { py=$$(bin/find-python) && echo "Creating $(VENV) with $$py" && $$py -m venv $(VENV); }
	@$(PY) -m pip install -q --upgrade pip
	@$(PY) -m pip install -q -e '.[dev,notebooks]'
	@touch $@

messages: venv ## Compile the translation catalogues (locale/*/LC_MESSAGES/django.po) to .mo
	@$(MANAGE) compilemessages -v 0 --ignore '.venv' --ignore 'node_modules' --ignore 'var'

frontend: geoportal/static/vendor/.built ## Install Leaflet and plugins from npm into static/vendor
geoportal/static/vendor/.built: package.json package-lock.json bin/build-frontend
	@npm install --no-audit --no-fund --loglevel=error
	@bin/build-frontend
	@touch $@

db: venv ## Create and start the private PostgreSQL cluster under var/ (or check DATABASE_URL)
	@$(PY) -m geoportal.cluster ensure

replica: db ## Create and start a hot standby of the private cluster (var/replica, on the next port) that reads go to
	@$(PY) -m geoportal.cluster replica

migrate: db ## Apply the migrations
	@$(MANAGE) migrate --no-input -v 0

demo: migrate ## Load the demo city if the database is empty (DEMO_SIZE=small|city|large)
	@$(MANAGE) load_demo --size $(DEMO_SIZE) --if-empty

front: ## Start nginx on :8000 (cached tiles, tiles to compute to the tile server at TILE_LISTEN, the rest to the app on APP_PORT) and the tile listener, in the background
	@$(PY) -m geoportal.frontserver start --listen $(HOST):$(PORT) --app 127.0.0.1:$(APP_PORT) \
	  --tiles $(TILE_LISTEN)

tileserver: ## Start the tile server (uWSGI, the tiles nginx's files lack) on TILE_LISTEN (a socket under var/), in the background; its log is var/tileserver/tileserver.log
	@GEOPORTAL_TRUSTED_PROXIES=1 $(PY) -m geoportal.tileserver start --listen $(TILE_LISTEN) \
	  --workers $(WORKERS)

worker: ## Start the queue's worker (web ingests) in the background; its log is var/worker/worker.log
	@$(PY) -m geoportal.worker start

app: static ## Serve the app with gunicorn on 127.0.0.1:APP_PORT, behind the front server
	@GEOPORTAL_TRUSTED_PROXIES=1 $(MAKE) --no-print-directory gunicorn BIND=127.0.0.1:$(APP_PORT)

serve: static ## Serve the portal with gunicorn alone on :8000 (no front server)
	@$(MAKE) --no-print-directory gunicorn BIND=$(HOST):$(PORT)

# Before the tile server and the app start, which both look for them. Collected again only when a
# static source, the front-end packages or the Python environment (the admin's files) changed:
# collecting compresses every file, 30 s and more.
STATIC_SOURCES := $(shell find geoportal layers ingest ogc tiles -path '*/static/*' -type f \
  -not -path '*/static/vendor/*' 2>/dev/null)
STATIC_STAMP := $(abspath $(or $(GEOPORTAL_VAR_DIR),var))/static/.collected
static: $(STATIC_STAMP) ## Collect the static files (with their compressed copies) into var/static, when they changed
$(STATIC_STAMP): $(STATIC_SOURCES) geoportal/static/vendor/.built $(VENV)/.installed
	@$(MANAGE) collectstatic --no-input -v 0
	@touch $@

gunicorn worker: export GEOPORTAL_PUBLIC_URL = $(LINK_BASE)
gunicorn:
	@echo ""
	@echo "  Casa Urban Platform is running:"
	@echo "    portal          http://$(HOST):$(PORT)/"
	@echo "    OGC API         http://$(HOST):$(PORT)/ogc"
	@echo "    admin           http://$(HOST):$(PORT)/admin/"
	@echo "    health          http://$(HOST):$(PORT)/healthz"
	@echo ""
	@pid=$$($(PY) -m geoportal.appserver pidfile) && ctl=$$($(PY) -m geoportal.appserver controlsocket) && \
	  if [ -n "$$ctl" ]; then set -- --control-socket "$$ctl"; else set -- --no-control-socket; fi && \
	  exec $(VENV)/bin/gunicorn geoportal.wsgi \
	  --bind $(BIND) --workers $(WORKERS) --access-logfile - --timeout 120 --pid "$$pid" "$$@"

test: setup system-test db ## Run the whole test suite against a real PostGIS
	@$(VENV)/bin/pytest $(PYTEST_ARGS)

retest: ## Re-run the tests that failed last time
	@$(VENV)/bin/pytest --lf $(PYTEST_ARGS)

lint: venv ## Ruff lint and format check, mypy, deptry, and missing migrations
	@$(VENV)/bin/ruff check .
	@$(VENV)/bin/ruff format --check .
	@$(VENV)/bin/mypy
	@$(VENV)/bin/deptry .
	@out=$$($(MANAGE) makemigrations --check --dry-run --skip-checks 2>&1) || { printf '%s\n' "$$out"; echo "error: makemigrations --check failed (above): a model changed without its migration, or the project does not load"; exit 1; }

format: venv ## Format the code with ruff
	@$(VENV)/bin/ruff check --fix .
	@$(VENV)/bin/ruff format .

bench: setup db migrate ## Benchmarks against peers, written to bench/results/
	@bin/setup-system bench
	@$(PY) -m pip install -q -e '.[bench]'
	@$(PY) bench/run.py

loadtest: demo replica ## Load and fault test: 50 users for 60 s with a worker killed, the replica stopped, the primary restarted; report in bench/results/
	@$(PY) bench/loadtest.py --users $(LOAD_USERS) --duration $(LOAD_SECONDS)

notebooks: venv db migrate ## Open notebooks/ in JupyterLab on 127.0.0.1 (installed the first time); they read the portal at HOST:PORT
	@$(PY) -m pip install -q -e '.[jupyter]'
	@GEOPORTAL_URL=http://$(HOST):$(PORT) $(VENV)/bin/jupyter lab --ip 127.0.0.1 --no-browser notebooks/

stop: ## Stop the app server (gunicorn), the tile server, the front server (nginx), the tile listener, the queue's worker and the private PostgreSQL cluster (and its standby)
	@test -x $(PY) && $(PY) -m geoportal.appserver stop || true
	@test -x $(PY) && $(PY) -m geoportal.tileserver stop || true
	@test -x $(PY) && $(PY) -m geoportal.frontserver stop || true
	@test -x $(PY) && $(PY) -m geoportal.worker stop || true
	@test -x $(PY) && $(PY) -m geoportal.cluster stop || true

db-shell: db ## Open psql on the platform's database
	@$(PY) -m geoportal.cluster shell

clean: ## Remove the virtual environment, the database (wherever it lives) and built files: data is lost
	@test -x $(PY) && $(PY) -m geoportal.cluster destroy || true
	rm -rf $(VENV) var node_modules geoportal/static/vendor
