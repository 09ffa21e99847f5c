# One target set for developers and CI. Every target installs what it needs first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
PY_STAMP  := $(VENV)/.installed
NPM_STAMP := node_modules/.installed
DATA   ?= data/demo
FUZZ_SECONDS ?= 60

.PHONY: setup demo test lint bench fuzz system-deps test-deps bench-deps lab clean

setup: $(PY_STAMP) $(NPM_STAMP)

# Debian packages: Node.js/npm for the front-end packages; Chromium (browser tests) and bgpdump
# (the MRT reference) only for tests. apt-get runs only when something is missing.
system-deps:
	@missing=""; \
	command -v npm >/dev/null || missing="$$missing nodejs npm"; \
	$(PYTHON) -c 'import venv, ensurepip' 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $$missing; fi

test-deps: system-deps lab
	@missing=""; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	command -v bgpdump >/dev/null || missing="$$missing bgpdump"; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $$missing; fi

# The open-standards demonstration lab's servers and tools (docs/lab.md; `nethealth lab up`
# runs its own instances in a network namespace, never the packages' services). Where services
# start on install, Debian starts these packages' own (chrony then disciplines the clock).
lab:
	@missing=""; \
	command -v nginx >/dev/null || missing="$$missing nginx-light"; \
	command -v knotd >/dev/null && command -v keymgr >/dev/null || missing="$$missing knot"; \
	command -v ldns-signzone >/dev/null || missing="$$missing ldnsutils"; \
	command -v unbound >/dev/null || missing="$$missing unbound"; \
	command -v postfix >/dev/null || missing="$$missing postfix"; \
	command -v chronyd >/dev/null || missing="$$missing chrony"; \
	command -v ip >/dev/null || missing="$$missing iproute2"; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $$missing; fi

# The serving benchmark's load generator and peer (benchmarks/bench_serve.py). Debian's nginx
# package enables its own service on port 80 where services start; the benchmark runs its own
# nginx on a free loopback port and never uses that one.
bench-deps:
	@missing=""; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	command -v nginx >/dev/null || missing="$$missing nginx-light"; \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update && $(SUDO) apt-get install -y --no-install-recommends $$missing; fi

$(PY_STAMP): requirements/dev.txt pyproject.toml setup.py src/nethealth/formats/_native/mrtdecode.c | system-deps
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements/dev.txt
	touch $@

$(NPM_STAMP): package.json package-lock.json | system-deps
	npm ci --no-audit --no-fund
	touch $@

demo: setup
	$(BIN)/nethealth --data-dir $(DATA) demo

test: setup test-deps lint
	$(BIN)/pytest -q

lint: setup
	$(BIN)/ruff check src tests benchmarks fuzz scripts
	$(BIN)/ruff format --check src tests benchmarks fuzz scripts
	$(BIN)/mypy
	$(BIN)/python scripts/check_layers.py

bench: setup test-deps bench-deps
	$(BIN)/python -m benchmarks

fuzz: setup
	$(BIN)/python -m fuzz --seconds $(FUZZ_SECONDS)

clean:
	rm -rf $(VENV) node_modules .pytest_cache .mypy_cache .ruff_cache
