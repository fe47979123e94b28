# labctl: the movie-booking DevOps lab. `make lab` runs it, `make test` checks it.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONDONTWRITEBYTECODE := 1

CHECKOV := .tools/checkov/bin/checkov

.PHONY: setup system-deps lab test lint typecheck contracts web-lint actions-lint unit bench bench-tls bench-queue bench-frontdoor docs clean

## setup: venv + project with dev extras + npm deps + system packages (idempotent; re-runs only what changed)
setup: $(VENV)/.installed node_modules/.installed system-deps $(CHECKOV)

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip  # a current pip resolves the dependency tree much faster

# what the lab needs to run (no CDK, linters or browser driver): keeps a first `make lab` under a minute
$(VENV)/.runtime: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	@touch $@

$(VENV)/.installed: pyproject.toml $(VENV)/.runtime
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

# (the loopback-only DynamoDB Local launcher is compiled with javac at the first lab start, ~3 s, then cached)
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# checkov pins an older boto3/botocore than the project runs on: it gets a venv of its own
$(CHECKOV):
	$(PY) -m venv .tools/checkov
	.tools/checkov/bin/python -m pip install --quiet --upgrade pip
	.tools/checkov/bin/python -m pip install --quiet checkov==3.3.30

## system-deps: Debian packages the tests need (Chromium for the browser tests; Java for DynamoDB Local)
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium default-jdk-headless >/dev/null; \
	  else echo "install chromium and a Java 17 runtime (apt-get install chromium default-jdk-headless)"; exit 1; fi; \
	fi

## lab: the whole system on this machine (no AWS account), until Ctrl-C (needs no browser: Chromium is for tests)
lab:
	@$(MAKE) --no-print-directory -j2 $(VENV)/.runtime node_modules/.installed  # pip and npm side by side
	$(BIN)/labctl up --local

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck:
	$(BIN)/mypy

contracts:
	$(BIN)/lint-imports

## web-lint: the web UI like the API: ESLint, and tsc type-checking its JSDoc (no build step, nothing emitted)
web-lint:
	node_modules/.bin/eslint web/js
	node_modules/.bin/tsc -p tsconfig.json

## actions-lint: the workflows: actionlint's checks (shellcheck on run: scripts) and zizmor's audits, offline
actions-lint:
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/jactionlint --profile correctness
	$(BIN)/zizmor --offline --no-progress .github/workflows

unit:
	$(BIN)/pytest tests/unit -q

## test: everything CI runs: lint, types, import contracts, web and workflow lint, the whole test suite
test: setup lint typecheck contracts web-lint actions-lint
	$(BIN)/pytest -q -p no:cacheprovider

## bench: load benchmarks against the local lab (numbers go to docs/benchmarks.md)
bench: setup
	$(BIN)/python -m labctl.load.bench

## bench-queue: the local queue targets on a real lab (0 dropped expiry messages, queue CPU per hold, idle CPU)
bench-queue: setup
	$(BIN)/python -m labctl.local.sqs.bench

## docs: regenerate docs/errors.md from the error-code registry (labctl/errors.py); a test fails when it is stale
docs:
	$(BIN)/python -m labctl.errors_doc

## bench-tls: how long one `labctl tls inspect` scan takes per demo scenario (target < 5 s; docs/benchmarks.md)
bench-tls: setup
	$(BIN)/python -m labctl.tls.bench

## bench-frontdoor: what the local lab's front door adds per request (latency, proxy CPU), beside HAProxy if installed
bench-frontdoor: setup
	$(BIN)/python -m labctl.local.frontdoor.bench

clean:
	rm -rf $(VENV) .tools node_modules cdk.out .mypy_cache .ruff_cache .pytest_cache
