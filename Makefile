# Two commands for a newcomer: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
CHROMIUM ?= /usr/bin/chromium
REACHABLE = $(BIN)/python -c "import socket,sys; socket.create_connection(('127.0.0.1', $(1)), 1)" 2>/dev/null

.PHONY: run test test-sqlite test-postgres test-redis test-browser translations messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

translations: $(VENV)/.installed
	@for dir in app/translations app/*/translations; do \
		if [ -d $$dir ]; then $(BIN)/pybabel -q compile --use-fuzzy -d $$dir || exit 1; fi; \
	done

messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations

run: translations
	$(BIN)/flask db upgrade
	$(BIN)/flask seed demo --if-empty
	@echo "Peerdesk on http://127.0.0.1:5000 (Ctrl+C stops it)"
	$(BIN)/python wsgi.py

test: $(VENV)/.installed-test translations test-sqlite test-postgres test-redis test-browser

test-sqlite:
	@echo "== leg: SQLite =="
	$(BIN)/python -m pytest -q -m "not browser and not redis"

test-postgres:
	@if $(call REACHABLE,5432); then \
		echo "== leg: PostgreSQL =="; \
		PEERDESK_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -q -m "postgres or not (browser or redis or unit)" tests; \
	else echo "SKIPPED: PostgreSQL leg (nothing listens on 127.0.0.1:5432; .ci/run starts it)"; fi

test-redis:
	@if $(call REACHABLE,6379); then \
		echo "== leg: Redis =="; \
		PEERDESK_TEST_REDIS_URL=$(REDIS_TEST_URL) $(BIN)/python -m pytest -q -m redis tests; \
	else echo "SKIPPED: Redis leg (nothing listens on 127.0.0.1:6379; .ci/run starts it)"; fi

test-browser:
	@if [ -x $(CHROMIUM) ]; then \
		echo "== leg: browser (Chromium) =="; \
		PEERDESK_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest -q -m browser tests/browser; \
	else echo "SKIPPED: browser leg ($(CHROMIUM) not installed; .ci/run installs it)"; fi

bench: $(VENV)/.installed-test translations
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) instance
