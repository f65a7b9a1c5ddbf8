# Every target bootstraps what it needs: a fresh clone needs nothing but `make`.
# Python tools run from .venv (python3 -m venv), node tools from node_modules (npm ci).

SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON_BOOTSTRAP ?= python3
VENV := .venv
PY := $(VENV)/bin/python
VENV_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
BIN := node_modules/.bin
SPEC := openapi/kling.yaml
RELEASED := openapi/released/kling.yaml

# Redocly: no telemetry or update checks (the network is not ours to use in CI).
export REDOCLY_TELEMETRY := off
export REDOCLY_SUPPRESS_UPDATE_NOTICE := true
PYTEST_ARGS ?=
# Compiled bytecode (and pytest's rewritten test modules) is cached in __pycache__ (ignored by
# git) even where the shell sets PYTHONDONTWRITEBYTECODE: otherwise every xdist worker and every
# subprocess a test starts compiles the same modules again, seconds of CPU each time.
unexport PYTHONDONTWRITEBYTECODE
# The offline suite on every core (`-n auto`). What tests share is made once per run by the
# first worker that asks (tests/once_per_run.py); xdist_group cannot group under pytest 9.
PYTEST_PARALLEL := -n auto --dist load
OFFLINE := -m "not live and not bench"

.PHONY: help setup generate api-md check-generated lint lint-spec lint-spec-validator \
	lint-spec-spectral lint-spec-redocly spec-diff release-spec test test-fast \
	fuzz contract \
	live live-billed live-record cassettes demo bench mutants simulate vendor dist check \
	check-lanes clean \
	apply-overlay

help:
	@echo "make setup            create .venv (pip install -e '.[dev]') and node_modules (npm ci)"
	@echo "make generate         regenerate generated/ from $(SPEC), then api.md"
	@echo "make api-md           rewrite api.md (every public name) from the package itself"
	@echo "make check-generated  fail if generated/ is stale or hand-edited"
	@echo "make lint             ruff + mypy --strict on overlay/ tools/ tests/"
	@echo "make lint-spec        openapi-spec-validator, Spectral and Redocly on $(SPEC)"
	@echo "make spec-diff        breaking-change gate against $(RELEASED)"
	@echo "make release-spec     copy $(SPEC) to $(RELEASED)"
	@echo "make apply-overlay OVERLAY=file  apply spec changes from kling conformance --suggest"
	@echo "make test             offline test suite (no live, no bench), with coverage"
	@echo "make test-fast        the unit tests only, in parallel, no coverage (edit-test loop)"
	@echo "make fuzz             the property tests with 20x the examples (before a release)"
	@echo "make contract         schemathesis and cassette checks (also part of make test)"
	@echo "make live             live checks (needs HAOEE_API_KEY; skipped otherwise)"
	@echo "make live-billed      live checks that create billed tasks (second opt-in)"
	@echo "make live-record      record scrubbed cassettes from the live gateway"
	@echo "make cassettes        after a spec edit: rebuild doc cassettes, check all, write MANIFEST.json"
	@echo "make demo             the main job end to end on the embedded fake gateway"
	@echo "make bench            benchmarks; writes tests/bench/results.md and .json"
	@echo "make mutants          does the suite catch realistic regressions? (not part of check)"
	@echo "make simulate         >= 100,000 simulated task-hours against a hostile gateway"
	@echo "                      (SEED=S replays a simulation; not part of make check)"
	@echo "make vendor DEST=dir  copy the client into another repository"
	@echo "make dist             build the wheel and sdist into dist/"
	@echo "make check            everything CI runs"
	@echo "make clean            remove build and cache output (keeps .venv, node_modules)"

$(VENV_STAMP): pyproject.toml
	@test -x $(PY) || $(PYTHON_BOOTSTRAP) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup: $(VENV_STAMP) $(NODE_STAMP)

generate: $(VENV_STAMP)
	$(PY) tools/generate.py
	$(PY) tools/api_md.py

# api.md, the map of every public name (tests/docs/test_api_md.py fails when it is stale).
api-md: $(VENV_STAMP)
	$(PY) tools/api_md.py

check-generated: $(VENV_STAMP)
	$(PY) tools/generate.py --check

lint: $(VENV_STAMP)
	$(PY) -m ruff check --no-cache overlay tests tools
	$(PY) -m ruff format --no-cache --check overlay tests tools
	$(PY) -m mypy --strict

# The three linters run side by side (each its own sub-make target, output kept together per
# tool): Spectral and Redocly spend most of their time starting Node, one core each.
lint-spec: $(VENV_STAMP) $(NODE_STAMP)
	@$(MAKE) --no-print-directory -j3 --output-sync=target \
		lint-spec-validator lint-spec-spectral lint-spec-redocly

lint-spec-validator:
	$(PY) -m openapi_spec_validator $(SPEC)

lint-spec-spectral:
	$(BIN)/spectral lint $(SPEC) --ruleset openapi/spectral.yaml --fail-severity hint

lint-spec-redocly:
	@# redocly exits 0 on warnings: fail on any "warning" line of its stylish report too.
	@out="$$($(BIN)/redocly lint $(SPEC) --config openapi/redocly.yaml --lint-config error --format stylish)" \
		|| { echo "$$out"; echo "lint-spec: Redocly found errors"; exit 1; }; \
	echo "$$out"; \
	if grep -Eq '^ +[0-9]+:[0-9]+ +warning ' <<<"$$out"; then \
		echo "lint-spec: Redocly warnings fail the gate"; exit 1; fi; \
	echo "redocly lint: no errors, no warnings"

spec-diff: $(NODE_STAMP)
	@if [ ! -f $(RELEASED) ]; then \
		echo "spec-diff: SKIPPED, no released spec at $(RELEASED) yet" \
			"(the first release is 'make release-spec')"; \
	else \
		$(BIN)/redocly diff $(RELEASED) $(SPEC) --fail-on major --lint-config off; \
	fi

release-spec:
	@mkdir -p $(dir $(RELEASED))
	cp $(SPEC) $(RELEASED)
	@echo "released: $(RELEASED) is now $(SPEC); commit it with the version bump"

# coverage starts before pytest loads plugins: the fake's pytest11 entry point imports
# haoee_kling at plugin load, which pytest-cov would start too late to see. The xdist workers
# measure themselves ([tool.coverage.run] patch = subprocess; tests/conftest.py says which
# processes do not) and `coverage combine` merges their data.
# The 15 slowest tests are listed at the end, so a new slow one shows.
test: $(VENV_STAMP) $(NODE_STAMP)
	$(PY) -m coverage erase
	$(PY) -m coverage run -m pytest $(PYTEST_PARALLEL) $(OFFLINE) --hypothesis-profile=ci \
		--durations=15 $(PYTEST_ARGS)
	$(PY) -m coverage combine --quiet
	$(PY) -m coverage report

test-fast: $(VENV_STAMP)
	$(PY) -m pytest tests/unit $(PYTEST_PARALLEL) $(OFFLINE) --hypothesis-profile=ci -q \
		--durations=5 $(PYTEST_ARGS)

# Every Hypothesis test (schemathesis' included) with the deep profile: random seeds and 20x
# the examples. Slow on purpose: run it before a release, not on every commit.
fuzz: $(VENV_STAMP)
	$(PY) -m pytest $(PYTEST_PARALLEL) -m "hypothesis and not live and not bench" \
		--hypothesis-profile=deep --durations=15 $(PYTEST_ARGS)

# contract, live and bench run their suites once they exist; until then they say so and fail.
contract: $(VENV_STAMP)
	@if ! compgen -G 'tests/contract/test_*.py' >/dev/null; then \
		echo "contract: not built yet (issue: contract tests against the fake gateway)"; exit 1; fi
	$(PY) -m pytest tests/contract $(PYTEST_ARGS)

# Live checks: skipped (exit 0, with the reason) without HAOEE_API_KEY; free GETs by default.
live: $(VENV_STAMP)
	$(PY) -m pytest tests/live -m "live and not billed" $(PYTEST_ARGS)

# Billed creates: a second opt-in, capped by KLING_LIVE_MAX_TASKS (default 1).
live-billed: $(VENV_STAMP)
	KLING_LIVE_BILLED=1 $(PY) -m pytest tests/live -m live $(PYTEST_ARGS)

# Record cassettes from the live gateway (scrubbed), then check them all and rewrite the manifest.
live-record: $(VENV_STAMP)
	$(PY) -m pytest tests/live -m "live and not billed" --record-mode=once $(PYTEST_ARGS)
	$(PY) tools/validate_cassettes.py --update

# After a spec edit: rebuild the documentation cassettes from the spec's examples, check every
# cassette against the spec and, when all pass, rewrite tests/contract/cassettes/MANIFEST.json
# (the one file that carries the spec's digest for them).
cassettes: $(VENV_STAMP)
	$(PY) tools/validate_cassettes.py --update

# Spec changes suggested by `kling conformance --suggest FILE` (an OpenAPI Overlay 1.0.0
# document), applied to the spec with its comments kept; prints the diff. Then `make generate`.
apply-overlay: $(VENV_STAMP)
	@test -n "$(OVERLAY)" || { echo "usage: make apply-overlay OVERLAY=file"; exit 2; }
	$(PY) tools/apply_overlay.py "$(OVERLAY)" $(SPEC)

# The main job end to end on the embedded fake gateway: text2video and image2video via the CLI.
demo: $(VENV_STAMP)
	$(PY) tools/demo.py

# Benchmarks (not part of make test): ratios against baselines measured in the same run;
# writes tests/bench/results.md and results.json.
# The other clients the cold-start figure shows (openai-python, runwayml) live in a venv of
# their own: openai brings httpx2, which Starlette's TestClient would pick up in ours.
BENCH_OTHERS := .venv-bench-others
BENCH_STAMP := $(BENCH_OTHERS)/.installed

$(BENCH_STAMP): tests/bench/others-requirements.txt
	@test -x $(BENCH_OTHERS)/bin/python || $(PYTHON_BOOTSTRAP) -m venv $(BENCH_OTHERS)
	$(BENCH_OTHERS)/bin/python -m pip install --quiet --disable-pip-version-check \
		-r tests/bench/others-requirements.txt
	@touch $@

bench: $(VENV_STAMP) $(BENCH_STAMP)
	$(PY) -m tests.bench $(BENCH_ARGS)

# The suite's own regression check (not part of check): each realistic bug of tools/mutants.py
# is applied alone to a temporary copy, and the tests that should catch it must.
mutants: $(VENV_STAMP)
	$(PY) tools/mutants.py

# The deterministic simulator (tests/sim): the real clients against a hostile gateway on
# simulated time, invariants checked at every step. Its last line is
# `simulation: H task-hours, R runs, V violations (seed S)`; SEED=S replays it exactly.
SEED ?=
simulate: $(VENV_STAMP)
	$(PY) -m tests.sim $(if $(SEED),--seed $(SEED)) $(SIMULATE_ARGS)

vendor: $(VENV_STAMP)
	@test -n "$(DEST)" || { echo "usage: make vendor DEST=path [WITH='testing cli']"; exit 2; }
	$(PY) tools/vendor.py "$(DEST)" $(addprefix --with ,$(WITH))

dist: $(VENV_STAMP)
	rm -rf dist
	$(PY) -m build --outdir dist .
	@ls -l dist

# What CI runs, in two lanes: .ci/run runs the lanes side by side and the targets of a lane one
# after another. The test suite keeps every core busy by itself; the gates take turns beside it.
CHECK_LANE_TESTS := test
CHECK_LANE_GATES := lint-spec spec-diff check-generated lint
CHECK_TARGETS := $(CHECK_LANE_TESTS) $(CHECK_LANE_GATES)

check: $(CHECK_TARGETS)

# One lane a line, for .ci/run.
check-lanes:
	@echo $(CHECK_LANE_TESTS)
	@echo $(CHECK_LANE_GATES)

clean:
	rm -rf dist build .mypy_cache .ruff_cache .pytest_cache .coverage .coverage.* coverage.xml \
		htmlcov schemathesis-report .generated-*
	find . -name __pycache__ -not -path './.venv/*' -not -path './node_modules/*' -prune \
		-exec rm -rf {} +
