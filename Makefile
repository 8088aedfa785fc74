# Two commands for a new user: `make run` and `make test` (see README.md).
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app hearing
HOST ?= 127.0.0.1
PORT ?= 5000
# Python writes its bytecode caches even where the environment turns them off (PYTHONDONTWRITEBYTECODE, as on
# the machine this was measured on): without them every test process compiled the app and rewrote the asserts of every test
# module again (8 s of CPU per process, measured: collection 14.4 s -> 6.2 s), and every worker process the
# tests start compiled the app again.
unexport PYTHONDONTWRITEBYTECODE

.PHONY: run test test-side-by-side test-sqlite screenshots serve serve-prod install install-test assets translations migrate seed chromium postgresql redis lint bench clean extract

run: install assets translations migrate seed serve

serve:
	$(FLASK) run --host $(HOST) --port $(PORT)

# Several worker processes behind one port; set DATABASE_URL (PostgreSQL) and REDIS_URL for production.
WORKERS ?= 2
# threads per gunicorn worker (gthread): 2 x 4 served 3x the answers of 3 single-threaded workers (bench/load.py)
THREADS ?= 4
serve-prod: install assets translations migrate
	HEARING_LOG_JSON=true $(BIN)/gunicorn --config gunicorn.conf.py --workers $(WORKERS) --threads $(THREADS) --bind $(HOST):$(PORT) --access-logfile - 'hearing:create_app()'

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Reinstall only when pyproject.toml changes.
$(VENV)/.stamp-install: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.stamp-test: pyproject.toml $(VENV)/.stamp-install
	$(BIN)/pip install --quiet -e '.[test]'
	touch $@

install: $(VENV)/.stamp-install
install-test: $(VENV)/.stamp-test

# Designsystemet from the npm registry, copied into static/vendor (served by Flask, no CDN).
static/vendor/.stamp: package.json
	npm install --no-audit --no-fund --loglevel=error
	rm -rf static/vendor && mkdir -p static/vendor
	cp node_modules/@digdir/designsystemet-css/dist/src/index.css static/vendor/designsystemet.css
	cp node_modules/@digdir/designsystemet-theme/brand/digdir.css static/vendor/designsystemet-theme.css
	touch $@

assets: static/vendor/.stamp

# Message catalogues are compiled at install time; only the .po sources are committed.
translations: install
	$(BIN)/pybabel compile --use-fuzzy -d hearing/translations

extract: install
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o hearing/translations/messages.pot .
	$(BIN)/pybabel update -N -i hearing/translations/messages.pot -d hearing/translations

migrate: install
	$(FLASK) db upgrade

seed: install
	$(FLASK) seed-demo

# Debian's Chromium for the browser tests (needs root, as on CI).
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null); \
	  else echo "Chromium is missing: run 'sudo apt-get install -y chromium'"; fi; \
	fi

# Debian's PostgreSQL server for the second run of the suite (needs root, as on CI).
postgresql:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null); \
	  else echo "PostgreSQL is missing: run 'sudo apt-get install -y postgresql'"; exit 1; fi; \
	fi

# Debian's Redis for the test of the RQ scale-out path (a private server per test run).
redis:
	@if ! command -v redis-server >/dev/null 2>&1 && [ ! -x /usr/bin/redis-server ]; then \
	  if [ "$$(id -u)" = "0" ]; then \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null); \
	  else echo "Redis is missing: run 'sudo apt-get install -y redis-server'"; exit 1; fi; \
	fi

# The whole suite on the embedded SQLite default, then on a private PostgreSQL server, each in
# TEST_WORKERS processes (pytest-xdist; each has its own app, database and browser). A file's tests
# stay in one process (loadfile): some browser tests build on the ones before them. TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile
test: install-test lint assets translations chromium postgresql redis
	$(PYTEST)
	scripts/with-postgres.sh $(PYTEST)

# The same two passes side by side (scripts/test-both.sh: each logs to a file of its own, both are waited
# for, then both logs are printed; fails if either fails). Not faster: a pass alone already keeps 2 cores 93-95 %
# busy, and on a quiet machine both side by side took 10 min 46 s against 10 min 17 s in turn (2026-12-05).
test-side-by-side: install-test lint assets translations chromium postgresql redis
	scripts/test-both.sh $(PYTEST)

test-sqlite: install-test lint assets translations chromium
	$(PYTEST)

# Full-page screenshots under tests/artifacts/ for a person to look at: every page at 320 and 640 CSS pixels,
# and the pages the other browser tests walk through (the browser tests, with their screenshots on).
screenshots: install-test assets translations chromium
	HEARING_SCREENSHOTS=1 $(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile tests/browser

# ruff on the whole tree (under a second): part of `make test`.
lint: install-test
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) node_modules static/vendor
