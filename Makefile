# TimeTracker developer commands. A newcomer needs two: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PORT ?= 8000
BIN := $(VENV)/bin
PYTEST_ARGS ?=
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: help run test lint lint-config format migrate superuser clean

help:  ## List the commands
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed 's/:.*## /\t/'

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit("TimeTracker needs Python 3.11 or newer, found " + sys.version.split()[0]) if sys.version_info < (3, 11) else None'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip

$(VENV)/.base-installed: $(BIN)/python requirements/base.txt
	$(BIN)/pip install -q -r requirements/base.txt
	@touch $@

$(VENV)/.dev-installed: $(BIN)/python requirements/base.txt requirements/dev.txt
	$(BIN)/pip install -q -r requirements/dev.txt
	@touch $@ $(VENV)/.base-installed

run: $(VENV)/.base-installed  ## Install, migrate and serve on http://127.0.0.1:$(PORT)/ (SQLite)
	$(BIN)/python manage.py migrate --noinput
	@# Until the first admin exists: the one-time token that the /setup/ page asks for.
	@$(BIN)/python manage.py setup_token --url http://127.0.0.1:$(PORT)/setup/
	$(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The suite keeps compiled bytecode (in the virtualenv, out of the checkout) even where
# PYTHONDONTWRITEBYTECODE is set: each test process and server imports the whole project,
# and pytest rewrites every test module (docs/local-development.md, "Test speed").
test: export PYTHONDONTWRITEBYTECODE :=
test: export PYTHONPYCACHEPREFIX := $(abspath $(VENV))/pycache
test: $(VENV)/.dev-installed  ## Install dev requirements and run the test suite
	$(BIN)/pytest -n auto $(PYTEST_ARGS)

.PHONY: test-api
test-api: $(VENV)/.dev-installed  ## schemathesis against the served OpenAPI document (docs/api.md)
	$(BIN)/pytest tests/test_api_fuzz.py -q $(PYTEST_ARGS)

lint: $(VENV)/.dev-installed lint-config  ## ruff format check and ruff lint, then lint-config
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .
	$(BIN)/mypy

# Delivery and ops configuration; every linter is pinned in requirements/dev.txt and runs
# offline. docs/ci-cd.md says what each one checks.
SHELL_SCRIPTS := .ci/run $(wildcard docker/*.sh scripts/*.sh ops/*/*.sh)
WORKFLOWS := $(wildcard .github/workflows/*.yml)
COMPOSE_FILES := docker-compose.yml docker-compose.monitoring.yml

lint-config: $(VENV)/.dev-installed  ## hadolint, shellcheck, zizmor, check-jsonschema and yamllint
	$(BIN)/hadolint Dockerfile
	$(BIN)/shellcheck $(SHELL_SCRIPTS)
	$(BIN)/zizmor --offline --quiet .github
	$(BIN)/check-jsonschema --builtin-schema vendor.github-workflows $(WORKFLOWS)
	$(BIN)/check-jsonschema --builtin-schema vendor.dependabot .github/dependabot.yml
	$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec $(COMPOSE_FILES)
	$(BIN)/yamllint --strict ops .github $(COMPOSE_FILES)

format: $(VENV)/.dev-installed  ## Reformat and autofix
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

.PHONY: messages
messages: $(VENV)/.dev-installed  ## Extract translatable messages into the catalogues and compile them (GNU gettext)
	sh scripts/makemessages.sh $(BIN)/python

migrate: $(VENV)/.base-installed  ## Apply database migrations
	$(BIN)/python manage.py migrate --noinput

superuser: $(VENV)/.base-installed  ## Create an admin account
	$(BIN)/python manage.py createsuperuser

clean:  ## Remove the virtualenv and caches (keeps data/)
	rm -rf $(VENV) .pytest_cache .ruff_cache staticfiles

# Benchmarks (docs/performance.md). Each creates, uses and drops the PostgreSQL database
# named by BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/bench_timetracker;
# the name must contain "bench") and ends with the ratio it is judged by. They never fail
# because a goal is missed.
BENCHMARKS := analytics_cost reports_scale exports metrics_scrape pages
.PHONY: bench bench-quick

bench: $(VENV)/.dev-installed  ## Run every benchmark at full size (several minutes)
	@set -e; for b in $(BENCHMARKS); do echo "== bench.$$b"; $(BIN)/python -m bench.$$b; done

bench-quick: $(VENV)/.dev-installed  ## Run every benchmark at a small size (under two minutes)
	@set -e; for b in $(BENCHMARKS); do echo "== bench.$$b --quick"; $(BIN)/python -m bench.$$b --quick; done
