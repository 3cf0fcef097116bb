# Two commands: `make run` (everything set up, panel on http://127.0.0.1:$(PORT)/) and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml requirements-dev.lock | sha1sum | cut -c1-12)
# The exact, hash-checked versions `make install` and the image install (`make lock` renews them).
LOCK_OPTIONS := --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-index-url \
	--no-emit-find-links

# `make test` runs on PostgreSQL and Redis, as production does; override to try SQLite.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/iys_hub
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
# `make run PORT=8100 SANDBOX_PORT=8101` when 8000/8001 are taken.
PORT ?= 8000
SANDBOX_PORT ?= 8001

.PHONY: install run test lint system-packages messages lock

$(STAMP): pyproject.toml requirements-dev.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet --require-hashes -r requirements-dev.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	rm -f $(VENV)/.installed-* && touch $(STAMP)

install: $(STAMP)

# After changing dependencies in pyproject.toml: pin the newest versions its ranges allow, with
# hashes (requirements.lock: the runtime, for the image; requirements-dev.lock: with the tests').
lock:
	$(BIN)/pip-compile $(LOCK_OPTIONS) -o requirements.lock pyproject.toml
	$(BIN)/pip-compile $(LOCK_OPTIONS) --extra dev -o requirements-dev.lock pyproject.toml

run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py setup_demo --sandbox-url http://127.0.0.1:$(SANDBOX_PORT) \
		--panel-url http://127.0.0.1:$(PORT)/admin/
	@if [ "$$(id -u)" = 0 ]; then echo "Running as root (a container?): Celery's warning about a \
	worker with superuser privileges is silenced. It guards against pickled messages; this \
	panel accepts JSON only. In production run the worker as an unprivileged user."; fi
	PANEL_PORT=$(PORT) SANDBOX_PORT=$(SANDBOX_PORT) PATH="$(CURDIR)/$(BIN):$$PATH" \
		PYTHONWARNINGS="ignore:You're running the worker with superuser privileges" \
		DJANGO_RUNSERVER_HIDE_WARNING=true \
		$(BIN)/honcho start -f Procfile

# Debian's chromium for the browser tests (Playwright drives it; no browser download) and a
# compose client that checks docker-compose.yml.
SYSTEM_PACKAGES := chromium docker-compose
system-packages:
	@missing=$$(for p in $(SYSTEM_PACKAGES); do command -v $$p >/dev/null || echo $$p; done); \
	if [ -n "$$missing" ]; then \
		echo "Installing $$missing from Debian's packages"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

test: install system-packages
	$(BIN)/ruff check .
	@# An empty test Redis database: İYS tokens, job leases and broker keys left by an earlier
	@# run (they live for hours) would otherwise meet this run's tests.
	$(BIN)/python -c "import redis; redis.Redis.from_url('$(TEST_REDIS_URL)').flushdb()"
	DATABASE_URL="$(TEST_DATABASE_URL)" REDIS_URL="$(TEST_REDIS_URL)" \
		$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

# Refresh the Turkish and English catalogues after changing user-facing text.
messages: install
	$(BIN)/python manage.py makemessages -l tr -l en --ignore "$(VENV)/*"
	$(BIN)/python manage.py compilemessages --ignore "$(VENV)/*"
