# Every target installs what it needs on first use: .venv/ for Python.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PIP := $(BIN)/python -m pip --disable-pip-version-check --quiet
REPORTS := reports
NODE_STAMP := node_modules/.installed
# Byte-compile the project as pip does installed packages: where PYTHONDONTWRITEBYTECODE is set (many
# container images), Python would otherwise compile it again at every start of the mock (~40 ms).
COMPILE := $(BIN)/python -m compileall -q mock_server contract_tests bench

# `make contract BASE_URL=... TOKEN=...`: the short names become the suite's CONTRACT_* variables.
# Only the ones given are passed, so CONTRACT_* already in the environment still apply.
CONTRACT_VARS := BASE_URL TOKEN APPOINTMENT_ID NOT_CONNECTED_TOKEN TOKEN_WITHOUT_ORG ORG_ID \
                 OTHER_ORG_ID OTHER_APPOINTMENT_ID JWT_SECRET EXPIRED_TOKEN RATE_LIMIT TIMEOUT MAX_EXAMPLES \
                 SEED ALLOW_UNSAFE STRICT_HTTP MOCK_ARGS SPEC DRIFT MIN_COVERAGE MAX_OPERATIONS MAX_CREATES STRICT_INPUT
CONTRACT_ENV := $(foreach v,$(CONTRACT_VARS),$(if $($(v)),CONTRACT_$(v)='$($(v))'))
# The names given on make's command line: `make contract BASEURL=...` is refused with the nearest known name.
COMMAND_LINE_VARIABLES := $(sort $(foreach v,$(.VARIABLES),$(if $(filter command line,$(origin $(v))),$(v))))

FUZZ_EXAMPLES ?= 5000
SEEDS ?= 20
SOAK_SECONDS ?= 60
SOAK_CONNECTIONS ?= 64

BENCH_ARGS ?=

BASE ?= origin/main

.PHONY: FORCE help install mock test unit contract calibrate selftest falsealarms specmatic lint fuzz soak bench breaking proxy clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

# The installed modules: a strict editable install links each file, so a new module needs a reinstall.
# Rewritten only when the list changes, so that an unchanged list reinstalls nothing.
MODULES := $(VENV)/.modules
$(MODULES): FORCE
	@mkdir -p $(VENV) && find mock_server contract_tests bench -name '*.py' -not -path '*/__pycache__/*' | sort > $@.new
	@if cmp -s $@.new $@; then rm $@.new; else mv $@.new $@; fi

FORCE:

$(STAMP): pyproject.toml $(MODULES)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@echo "Installing the project and its test tools into $(VENV)/ ..."
	@$(PIP) install --upgrade pip 2> >(grep -v '^WARNING: Location' >&2)
	@# strict: a .pth to a tree of symlinks; the default mode's import hook costs every Python start ~25 ms
	@$(PIP) install -e '.[test]' --config-settings editable_mode=strict \
		2> >(sed '/BuildBackendWarning: Editable installation/,/WheelFile(/d; /^WARNING: Location/d' >&2)
	@$(COMPILE)
	@touch $(STAMP)

$(NODE_STAMP): package.json package-lock.json
	@command -v npm >/dev/null || { echo "npm is needed for Prism and Spectral: install Node.js 20+" >&2; exit 1; }
	@echo "Installing the pinned Node tools (Prism, Spectral, openapi-diff, Specmatic) into node_modules/ ..."
	@SCARF_ANALYTICS=false npm ci --no-audit --no-fund --ignore-scripts --loglevel=error
	@touch $(NODE_STAMP)

install: $(STAMP) $(NODE_STAMP) ## install the project into .venv/ and the Node tools into node_modules/

mock: $(STAMP) ## serve the mock on 127.0.0.1:4010 (MOCK_ARGS="--port 8080 --fault NAME" to change)
	@$(COMPILE)
	$(BIN)/python -m mock_server $(MOCK_ARGS)

contract: $(STAMP) ## the contract suite: embedded mock, or BASE_URL=https://host TOKEN=... for a live server (SPEC=FILE: another spec)
	@$(CONTRACT_ENV) $(BIN)/python -m contract_tests --report-dir $(REPORTS) \
		--make-variables "$(COMMAND_LINE_VARIABLES)" $(PYTEST_ARGS); status=$$?; \
		if [ $$status -eq 0 ]; then echo "exit status 0"; \
		else echo "exit status $$status (make reports it as Error $$status and exits 2: CI runs python -m contract_tests)"; fi; exit $$status

calibrate: $(STAMP) ## first contact: one GET per situation, each inferred decision confirmed or contradicted (BASE_URL=... TOKEN=...)
	@$(CONTRACT_ENV) $(BIN)/python -m contract_tests.tools.calibrate --make-variables "$(COMMAND_LINE_VARIABLES)"

unit: $(STAMP) $(NODE_STAMP) ## every pytest test (the mock's, the rules', and the contract suite on the mock)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

selftest: $(STAMP) ## the suite must pass on the clean mock and catch every fault, embedded and in live mode
	$(BIN)/python -m contract_tests.tools.selftest $(SELFTEST_ARGS)
	$(BIN)/python -m contract_tests.tools.selftest --live $(SELFTEST_ARGS)

falsealarms: $(STAMP) ## the live suite on SEEDS seeds (default 20) against 3 independent correct servers: all green
	FALSE_ALARM_SEEDS=$(SEEDS) $(BIN)/python -m pytest tests/test_false_alarms.py -q -p no:cacheprovider $(PYTEST_ARGS)

lint: $(STAMP) $(NODE_STAMP) ## Spectral (plain spectral:oas, then with .spectral.yaml) and openapi-spec-validator on openapi.yaml
	node_modules/.bin/spectral lint openapi.yaml --ruleset .spectral-oas.yaml --fail-severity=warn
	node_modules/.bin/spectral lint openapi.yaml --ruleset .spectral.yaml --fail-severity=warn
	$(BIN)/openapi-spec-validator openapi.yaml

fuzz: $(STAMP) ## long fuzzing of the mock: FUZZ_EXAMPLES (default 5000) generated requests, for nightly runs
	@mkdir -p $(REPORTS)
	CONTRACT_MAX_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/python -m pytest contract_tests/test_schemathesis.py -q \
		--junitxml=$(REPORTS)/fuzz-junit.xml $(PYTEST_ARGS)

soak: $(STAMP) ## sustained load on the mock (SOAK_SECONDS=60, SOAK_CONNECTIONS=64, 127.0.0.1 only)
	$(BIN)/python -m bench.soak --seconds $(SOAK_SECONDS) --connections $(SOAK_CONNECTIONS)

bench: $(STAMP) $(NODE_STAMP) ## the mock against Prism with wrk (installs wrk if missing); BENCH_ARGS="--seconds 5"
	@mkdir -p $(REPORTS)
	@$(COMPILE)
	$(BIN)/python -m bench.compare $(BENCH_ARGS) | tee $(REPORTS)/bench.txt
	$(BIN)/python -m bench.operations | tee -a $(REPORTS)/bench.txt
	$(BIN)/python -m bench.writes | tee -a $(REPORTS)/bench.txt

specmatic: $(STAMP) $(NODE_STAMP) ## Specmatic's contract tests against the mock (needs Java 17+): 0 failures, 100% coverage
	$(BIN)/python -m contract_tests.tools.specmatic

breaking: $(STAMP) $(NODE_STAMP) ## fail on client-breaking changes of openapi.yaml since BASE=<git ref> (default origin/main)
	$(BIN)/python -m contract_tests.tools.breaking --base $(BASE)

proxy: $(STAMP) ## validating proxy on 127.0.0.1:4011 in front of UPSTREAM=<url>
	@test -n "$(UPSTREAM)" || { echo "usage: make proxy UPSTREAM=https://staging.example.com" >&2; exit 2; }
	$(BIN)/python -m mock_server proxy --upstream $(UPSTREAM) $(PROXY_ARGS)

test: lint unit selftest ## run every test (what CI runs)
	$(MAKE) --no-print-directory fuzz FUZZ_EXAMPLES=300

clean: ## remove the virtualenv, caches and reports
	rm -rf $(VENV) node_modules build .pytest_cache .hypothesis $(REPORTS) *.egg-info
