# Two commands do everything on a fresh machine:
#   make run    the whole system with demo data (engine, models, demo org chart, workers)
#   make test   the test suite against a real engine it starts itself
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PYTHON := $(shell command -v python3.11 || command -v python3)
JAR    := engine/target/appeals-engine.jar
ENGINE_SOURCES := engine/pom.xml $(shell find engine/src -type f 2>/dev/null)
LINT_MODULES := tests/lint/node_modules/.package-lock.json
DIAGRAM_MODULES := tools/diagrams/node_modules/.package-lock.json
SYSTEM_PACKAGES := chromium fonts-wqy-microhei postgresql libreoffice-writer-nogui haproxy

# Local demo credentials, used only when the environment sets none (documented in README).
DEMO_ENV := CAMUNDA_ADMIN_USER="$${CAMUNDA_ADMIN_USER:-admin}" \
            CAMUNDA_ADMIN_PASSWORD="$${CAMUNDA_ADMIN_PASSWORD:-demo}" \
            APPEALS_WORKER_PASSWORD="$${APPEALS_WORKER_PASSWORD:-demo-worker}" \
            APPEALS_INITIAL_PASSWORD="$${APPEALS_INITIAL_PASSWORD:-demo}" \
            APPEALS_PUBLIC_PASSWORD="$${APPEALS_PUBLIC_PASSWORD:-demo-public}" \
            APPEALS_PUBLIC_SECRET="$${APPEALS_PUBLIC_SECRET:-local-demo-secret-change-me-0123456789}"

.PHONY: bench-scale bench-scale-quick bench-scale-h2 bench-intake bench-history test-cluster test-fast help setup system-deps run run-cluster stop status test lint engine clean diagrams

help:
	@echo "make run     start engine + workers with demo data (http://localhost:8080/camunda/app/tasklist/)"
	@echo "make run-cluster  the same on two engine nodes behind HAProxy (docs/cluster.md)"
	@echo "make test    run the tests (installs what they need)"
	@echo "make test-fast  only the static checks and unit tests (tests/static, tests/unit) not marked slow: no engine, no browser"
	@echo "make stop    stop what 'make run' started;  make status  show what runs"
	@echo "make diagrams  render every diagram and drill-down to docs/diagrams/ (bpmn-js in chromium)"
	@echo "make bench-scale / bench-scale-quick / bench-scale-h2 / bench-intake / bench-history  city-scale benchmarks (docs/benchmarks.md; long)"

system-deps:
	@tools/install-system-deps.sh $(SYSTEM_PACKAGES)

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --upgrade pip
	$(VENV)/bin/pip install -q -e '.[dev]'
	touch $@

$(JAR): $(ENGINE_SOURCES)
	mvn -B -q -f engine/pom.xml package -DskipTests
	touch $@

$(LINT_MODULES): tests/lint/package.json tests/lint/package-lock.json
	cd tests/lint && npm ci --no-audit --no-fund --loglevel=error

$(DIAGRAM_MODULES): tools/diagrams/package.json tools/diagrams/package-lock.json
	cd tools/diagrams && npm ci --no-audit --no-fund --loglevel=error

# The pictures in docs/diagrams/ (docs/diagrams.md): every plane of every bpmn/*.bpmn, as bpmn-js draws it.
diagrams: system-deps $(VENV)/.installed $(DIAGRAM_MODULES)
	$(VENV)/bin/python tools/render_bpmn.py --all docs/diagrams/

engine: $(JAR)

setup: system-deps $(VENV)/.installed $(JAR)

run: setup
	$(DEMO_ENV) $(VENV)/bin/appeals up --demo

stop: $(VENV)/.installed
	$(VENV)/bin/appeals down

status: $(VENV)/.installed
	@$(DEMO_ENV) $(VENV)/bin/appeals status

# The suite twice: on the embedded databases (H2 + SQLite) and on PostgreSQL for the engine and the
# application database, as production runs them (tests/databases.py). Every folder (README, "Tests":
# static, unit, engine, browser); tests/cluster (two engine nodes on PostgreSQL behind HAProxy) needs
# PostgreSQL and runs once, in the second pass.
test: setup $(LINT_MODULES)
	APPEALS_TEST_DB=embedded $(VENV)/bin/pytest -m "not cluster"
	APPEALS_TEST_DB=postgresql $(VENV)/bin/pytest

# The fast ones alone: tests/static and tests/unit, no engine and no browser (embedded databases),
# without the few marked `slow` (property runs, retries, processes, training; `make test` runs them).
test-fast: setup $(LINT_MODULES)
	APPEALS_TEST_DB=embedded $(VENV)/bin/pytest tests/static tests/unit -m "not slow"

# The cluster suite alone (two engine JVMs, PostgreSQL, HAProxy; tests/cluster/, ≈ 3–5 min):
# `make test` runs it too, in its PostgreSQL pass.
test-cluster: setup $(LINT_MODULES)
	APPEALS_TEST_DB=postgresql $(VENV)/bin/pytest tests/cluster

# Cluster mode locally: PostgreSQL of the data folder, two engine nodes, HAProxy on :8080 (docs/cluster.md)
run-cluster: setup
	$(DEMO_ENV) $(VENV)/bin/appeals up --demo --cluster

# City-scale benchmarks (issue 15; docs/benchmarks.md "City scale"): throwaway engines and databases, long runs.
# bench-scale: 1k / 10k / 100k open appeals on PostgreSQL and on H2 (an H2 file of 100k appeals, ~11 GB in /tmp, fills
# in about 16 min), stock and ours, filled by copies (bench/bulk_fill.py);
# bench-scale-quick: PostgreSQL at 1k and 100k, the stock query at 1k only. Durations: docs/benchmarks.md.
bench-scale: setup
	PYTHONPATH=workers $(VENV)/bin/python bench/scale_bench.py --sizes 1000,10000,100000 --db postgresql --runs 20 \
		--variants fast,nowindow,stock --json /tmp/scale-bench-postgresql.json
	PYTHONPATH=workers $(VENV)/bin/python bench/scale_bench.py --sizes 1000,10000,100000 --db h2 --runs 20 \
		--variants fast,nowindow,stock --stock-runs 3 --json /tmp/scale-bench-h2.json

bench-scale-quick: setup
	PYTHONPATH=workers $(VENV)/bin/python bench/scale_bench.py --sizes 1000,100000 --db postgresql --runs 15 \
		--variants fast,nowindow,stock --stock-max 1000 --services 30 --json /tmp/scale-bench-quick.json

# bench-scale-h2: the same on H2 (1k and 100k; the stock query at 100k 3 times: seconds per count)
bench-scale-h2: setup
	PYTHONPATH=workers $(VENV)/bin/python bench/scale_bench.py --sizes 1000,100000 --db h2 --runs 15 \
		--variants fast,stock --stock-runs 3 --services 30 --json /tmp/scale-bench-h2-quick.json

bench-intake: setup
	PYTHONPATH=workers $(VENV)/bin/python bench/intake_bench.py --db postgresql --orders 65000 --public 10000 \
		--baseline-orders 2000

bench-history: setup
	PYTHONPATH=workers $(VENV)/bin/python bench/history_bench.py --db postgresql --closed 10000 --open 2000

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check workers tests

clean:
	rm -rf $(VENV) engine/target tests/lint/node_modules tools/diagrams/node_modules test-artifacts
