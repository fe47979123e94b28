# labctl: the movie-booking DevOps lab. `make lab` runs it, `make test` checks it.
SHELL := /bin/bash
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := 20
export PYTHONDONTWRITEBYTECODE := 1

# Python packages come only from the lock files in requirements/ (exact versions and the sha256 of every
# wheel and sdist: Linux x86_64 and arm64, macOS, Windows; Python 3.11+). `make lock` writes them.
#   runtime.txt  what the lab runs (`make lab`)
#   dev.txt      runtime.txt's versions + test, lint and CDK tools (`make setup`, `make test`, CI)
#   image.txt    the API container image (Dockerfile): runtime.txt's versions, arm64 and amd64 wheels
#   uv.txt       the installer
# uv installs them: on a fresh machine the first `make lab` install took a third of the CPU time and of the
# wall time that pip took (parallel downloads, no resolver run, no per-package subprocess); ADR 0019.
LOCKS := requirements
UV := $(VENV)/.uv/bin/uv
UV_INSTALL := $(UV) pip install --quiet --python $(BIN)/python
UV_SYNC := $(UV) pip sync --quiet --python $(BIN)/python --require-hashes
# the project itself, editable, built by the locked hatchling (no unpinned build download)
EDITABLE := $(UV_INSTALL) --no-deps --no-build-isolation -e .
# the Dockerfile's wheel platforms; `make image-deps` fetches exactly what its deps stage fetches
IMAGE_PLATFORMS := aarch64 x86_64

CHECKOV := .tools/checkov/bin/checkov
SSLYZE := .tools/sslyze/.installed

.PHONY: help setup system-deps lab test lint security-lint typecheck contracts web-lint actions-lint pytest test-nightly unit bench bench-tls compare-tls \
  bench-queue bench-frontdoor status-timing docs lock lock-upgrade image-deps clean

## help: this list
help:
	@sed -n 's/^## //p' $(MAKEFILE_LIST)

## setup: venv from requirements/dev.txt + npm ci + Debian packages + checkov, side by side (re-runs only what changed)
setup:
	@$(MAKE) --no-print-directory -j4 $(VENV)/.installed node_modules/.installed system-deps $(CHECKOV)

$(BIN)/python:
	$(PY) -m venv $(VENV)

# uv lives beside the venv's site-packages, so `uv pip sync` never removes it
$(UV): $(LOCKS)/uv.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps \
	  --upgrade --target $(VENV)/.uv -r $(LOCKS)/uv.txt
	@touch $@

# what the lab needs to run (no CDK, linters or browser driver); installs, never removes, so it leaves a
# dev venv as it is (dev.txt has the same versions)
$(VENV)/.runtime: $(LOCKS)/runtime.txt pyproject.toml | $(UV)
	$(UV_INSTALL) --require-hashes -r $(LOCKS)/runtime.txt
	$(EDITABLE)
	@touch $@

# exactly dev.txt: sync also removes what the lock does not list
$(VENV)/.installed: $(LOCKS)/dev.txt pyproject.toml | $(UV)
	$(UV_SYNC) $(LOCKS)/dev.txt
	$(EDITABLE)
	@touch $@ $(VENV)/.runtime

# (the loopback-only DynamoDB Local launcher is compiled with javac at the first lab start, ~3 s, then cached)
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

# checkov pins an older boto3/botocore than the project runs on: it gets a venv of its own, from its own lock
$(CHECKOV): $(LOCKS)/checkov.txt | $(UV)
	$(PY) -m venv .tools/checkov
	$(UV) pip sync --quiet --python .tools/checkov/bin/python --require-hashes $(LOCKS)/checkov.txt
	@touch $@

# sslyze pins another cryptography than the project's: its own venv, its own lock, only for `make compare-tls`
$(SSLYZE): $(LOCKS)/sslyze.txt | $(UV)
	$(PY) -m venv .tools/sslyze
	$(UV) pip sync --quiet --python .tools/sslyze/bin/python --require-hashes $(LOCKS)/sslyze.txt
	@touch $@

## system-deps: Debian packages the tests need (Chromium for the browser tests; Java for DynamoDB Local)
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v java >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium default-jdk-headless >/dev/null; \
	  else echo "install chromium and a Java 17 runtime (apt-get install chromium default-jdk-headless)"; exit 1; fi; \
	fi

## lab: the whole system on this machine (no AWS account), until Ctrl-C (needs no browser: Chromium is for tests)
lab:
	@$(MAKE) --no-print-directory -j2 $(VENV)/.runtime node_modules/.installed  # uv and npm side by side
	$(BIN)/labctl up --local

## lock: re-resolve requirements/*.txt after a pyproject.toml or requirements/*.in change (other pins stay)
## lock-upgrade: the same with the newest versions pyproject.toml allows (then run `make setup test`)
LOCK := $(UV) pip compile --quiet --universal --python-version 3.11 --generate-hashes --custom-compile-command 'make lock'
lock lock-upgrade: | $(UV)
	$(LOCK) $(if $(filter lock-upgrade,$@),--upgrade) $(LOCKS)/uv.in -o $(LOCKS)/uv.txt
	$(LOCK) $(if $(filter lock-upgrade,$@),--upgrade) pyproject.toml $(LOCKS)/build.in -o $(LOCKS)/runtime.txt
	$(LOCK) $(if $(filter lock-upgrade,$@),--upgrade) pyproject.toml $(LOCKS)/build.in --extra dev \
	  -c $(LOCKS)/runtime.txt -o $(LOCKS)/dev.txt
	$(LOCK) $(if $(filter lock-upgrade,$@),--upgrade) $(LOCKS)/image.in -c $(LOCKS)/runtime.txt -o $(LOCKS)/image.txt
	$(LOCK) $(if $(filter lock-upgrade,$@),--upgrade) $(LOCKS)/checkov.in -o $(LOCKS)/checkov.txt
	$(LOCK) $(if $(filter lock-upgrade,$@),--upgrade) $(LOCKS)/sslyze.in -o $(LOCKS)/sslyze.txt
	@$(MAKE) --no-print-directory image-deps

## image-deps: download the image's wheels for arm64 and amd64 as the Dockerfile does, checking every hash
image-deps: | $(BIN)/python
	@dest=$$(mktemp -d) && trap 'rm -rf "$$dest"' EXIT && for arch in $(IMAGE_PLATFORMS); do \
	  $(BIN)/python -m pip download --quiet --isolated --disable-pip-version-check --no-cache-dir \
	    --dest "$$dest/$$arch" --platform manylinux_2_28_$$arch --platform manylinux2014_$$arch \
	    --implementation cp --python-version 3.11 --only-binary=:all: --require-hashes \
	    -r $(LOCKS)/image.txt || exit 1; \
	  echo "image deps for $$arch: $$(ls "$$dest/$$arch" | wc -l) wheels, hashes match"; \
	done

lint:
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

## security-lint: bandit over the code (acknowledged checks and their reasons: [tool.bandit] in pyproject.toml)
security-lint:
	$(BIN)/bandit -q -c pyproject.toml -r api labctl loadtests labs infra

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

# Two workers: the CDK synth and the local labs (the two longest setups) run side by side, every other
# module fills in (groups in tests/conftest.py). PYTEST_WORKERS=0 runs everything in one process.
# The 30 slowest tests are listed at the end: that is where a slower CI shows first.
PYTEST_WORKERS ?= 2
PYTEST := $(BIN)/pytest -q -p no:cacheprovider --durations=30 $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS))

## pytest: the whole test suite, without the nightly sizes (PYTEST_PATHS="tests/unit ..." runs part of it, as CI's jobs do)
pytest:
	$(PYTEST) $(PYTEST_PATHS)

## test-nightly: only the tests' nightly sizes (the 10,000-message worker run)
test-nightly: setup
	$(PYTEST) -m nightly

## test: everything CI runs: setup, lint, import contracts, web and workflow lint, then mypy --strict beside the test
##       suite (each phase timed)
# mypy --strict needs ~2 CPU minutes without a cache (most of it in aws-cdk-lib's type stubs) on one core; the
# tests leave part of the other core idle while they wait on servers, so the two run side by side.
TIMED = TIMEFORMAT="== make $(1): %R s wall, %U s user, %S s sys"; time $(MAKE) --no-print-directory $(1)
test:
	@$(call TIMED,setup)
	@$(call TIMED,lint contracts web-lint actions-lint security-lint)
	@log=$$(mktemp); ( $(call TIMED,typecheck) ) >"$$log" 2>&1 & types=$$!; \
	  $(call TIMED,pytest); tests=$$?; \
	  wait $$types; typed=$$?; cat "$$log"; rm -f "$$log"; [ $$tests = 0 ] && [ $$typed = 0 ]

## bench: load benchmarks against the local lab (numbers go to docs/benchmarks.md)
bench: setup
	$(BIN)/python -m labctl.load.bench

## bench-queue: the local queue targets on a real lab (0 dropped expiry messages, queue CPU per hold, idle CPU)
bench-queue: setup
	$(BIN)/python -m labctl.local.sqs.bench

## docs: regenerate docs/errors.md (from labctl/errors.py) and docs/requirements.md (from docs/requirements.yaml); tests fail when stale
docs:
	$(BIN)/python -m labctl.errors_doc
	$(BIN)/python -m labctl.labs.requirements

## bench-tls: how long one `labctl tls inspect` scan takes per demo scenario (target < 5 s; docs/benchmarks.md)
bench-tls: setup
	$(BIN)/python -m labctl.tls.bench

## compare-tls: every demo scenario through `labctl tls inspect`, openssl s_client and sslyze, timed (docs/tls.md)
compare-tls: setup $(SSLYZE)
	$(BIN)/python -m labctl.tls.compare --sslyze .tools/sslyze/bin/python

## bench-frontdoor: what the local lab's front door adds per request (latency, proxy CPU), beside HAProxy if installed
bench-frontdoor: setup
	$(BIN)/python -m labctl.local.frontdoor.bench

## status-timing: how long `labctl status --local` answers, healthy and with the queue service frozen (SIGSTOP)
status-timing: setup
	$(BIN)/python -m labctl.local.status_timing --stall sqs --runs 5

clean:
	rm -rf $(VENV) .tools node_modules cdk.out .mypy_cache .ruff_cache .pytest_cache
