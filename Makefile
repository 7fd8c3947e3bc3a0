# The two commands: `make run` and `make test`. Everything else is optional.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test faults bench load lint format check-migrations messages ci clean-var

$(STAMP): pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c requirements.lock -e ".[dev]"
	touch $(STAMP)

run: $(STAMP)  ## start web + worker + beat on embedded (or configured) Postgres and Redis
	$(PY) -m crms.stack run

test: $(STAMP)  ## run the whole suite against real Postgres and Redis
	$(PY) -m crms.stack test $(ARGS)

faults: $(STAMP)  ## fault tests on a private stack: Redis down, worker killed, Postgres restarted, poison ENS
	$(PY) -m crms.stack test -m faults tests/faults $(ARGS)

bench: $(STAMP)  ## print performance figures (see docs/benchmarks.md)
	$(PY) -m crms.stack manage bench $(ARGS)

load: $(STAMP)  ## bounded load test on loopback: posting systems + analysts, every ENS must end screened
	$(PY) -m crms.stack manage load $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: $(STAMP)
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

check-migrations: $(STAMP)
	$(PY) -m crms.stack manage makemigrations --check --dry-run

messages: $(STAMP)  ## refresh the English catalogue after changing interface text (needs GNU gettext: xgettext, msgfmt)
	$(PY) -m crms.stack manage makemessages -l en_GB --no-obsolete --ignore=.venv --ignore=var --ignore=tests --ignore=docs --ignore=static --ignore=test-artifacts
	$(PY) -m crms.core.po locale/en_GB/LC_MESSAGES/django.po
	$(PY) -m crms.stack manage compilemessages -l en_GB --ignore=.venv

ci: lint check-migrations test

clean-var:  ## forget the embedded databases and queues
	rm -rf var
