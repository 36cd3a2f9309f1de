# Two commands: `make run` and `make test`. Everything else is a helper of theirs.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PORT ?= 8000
export DEBUG ?= true

.PHONY: run test lint audit setup demo worker serve clean translations database bench

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c requirements.lock pip setuptools wheel
	# XStatic-Bootstrap ships only a source package whose build needs setuptools<81 (pkg_resources),
	# so the build uses the pinned setuptools of the virtual environment.
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-build-isolation \
		-c requirements.lock -e ".[dev]"
	touch $(STAMP)

# The translations Django reads, compiled from the catalogues in git (not kept in git).
CATALOGUES := $(wildcard locale/*/LC_MESSAGES/django.po)
COMPILED := $(CATALOGUES:.po=.mo)
locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po $(STAMP)
	$(BIN)/python scripts/compile_translations.py $<

translations: $(COMPILED)

# The local trial's settings, so that the README's commands work in a plain shell too.
.env:
	printf '# Written by make run for a local trial. A production host sets its own environment.\nDEBUG=true\n# The demo accounts sign in without a second factor (never on a real installation).\nMFA_EXEMPT_USERS=analyst,analyst2,reviewer,reviewer2,admin\n' > .env

# The local trial's database, migrated and with the reference data, so that the README's
# management commands work after either of the two commands (its own data directory and
# settings, whatever the target that asks for it exports).
database: $(STAMP) .env
	R2P_DATA_DIR=$(CURDIR)/var R2P_ENV_FILE=$(CURDIR)/.env $(BIN)/python manage.py migrate --noinput
	R2P_DATA_DIR=$(CURDIR)/var R2P_ENV_FILE=$(CURDIR)/.env $(BIN)/python manage.py load_framework

setup: $(STAMP) .env translations database
	$(BIN)/python manage.py seed_demo

run: setup
	PORT=$(PORT) scripts/run-local

# The tests set what they need themselves and never read the local trial's .env (whose demo
# exemption from the second factor the deployment checklist test would refuse); make test still
# writes it, so that the README's commands work after either of the two commands.
test: export R2P_DATA_DIR := $(CURDIR)/var/test
test: export R2P_ENV_FILE := /dev/null
test: $(STAMP) translations .env database
	scripts/run-tests

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/bandit -q -c pyproject.toml -r r2p_project framework accounts audit assessments api forecasts webhooks
	$(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/python manage.py check
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/test_import_graph.py

# Every pinned dependency against a vulnerability database; fails when it cannot check one.
audit:
	PYTHON=$(PYTHON) scripts/audit-dependencies

# The load benchmark (benchmarks/README.md) on a scratch PostgreSQL database, dropped and made
# again with a generated data set (tier M: 2,000 situations x 12 assessments); BENCH_GENERATE=no
# measures the data set already there.
BENCH_SERVER ?= postgres://postgres@127.0.0.1:5432
BENCH_DB ?= r2p_bench
BENCH_SITUATIONS ?= 2000
BENCH_ASSESSMENTS ?= 12
BENCH_SEED ?= 1
BENCH_TIER ?= M
BENCH_GENERATE ?= yes
BENCH_ARGS ?=
bench: export DATABASE_URL := $(BENCH_SERVER)/$(BENCH_DB)
bench: export R2P_DATA_DIR := $(CURDIR)/var/bench
bench: export R2P_ENV_FILE := /dev/null
bench: $(STAMP) translations
	if [ "$(BENCH_GENERATE)" = yes ]; then \
		psql "$(BENCH_SERVER)/postgres" -qc 'DROP DATABASE IF EXISTS "$(BENCH_DB)"' && \
		psql "$(BENCH_SERVER)/postgres" -qc 'CREATE DATABASE "$(BENCH_DB)"' && \
		$(BIN)/python manage.py migrate --noinput -v0 && \
		$(BIN)/python manage.py load_framework && \
		$(BIN)/python manage.py generate_dataset --situations $(BENCH_SITUATIONS) \
			--assessments-per-situation $(BENCH_ASSESSMENTS) --seed $(BENCH_SEED); \
	fi
	$(BIN)/python benchmarks/pages.py --tier $(BENCH_TIER) $(BENCH_ARGS)

clean:
	rm -rf var
