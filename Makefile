# botimpay — the two commands a fresh machine needs: `make run` and `make test`.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DB     ?= ./botimpay.db
HOST   ?= 127.0.0.1
PORT   ?= 8000
SHOP_PORT ?= 8001
SHOP_DB   ?= ./shop.db
PG_URL ?= postgresql://postgres@127.0.0.1:5432/test
# test files run on TEST_JOBS processes (pytest-xdist), each file whole on one of them so
# its module fixtures are built once; each process has its own gateway and database.
# TEST_JOBS=0 runs them in this process, one after another.
TEST_JOBS ?= 2
XDIST  := -n $(TEST_JOBS) --dist loadfile --durations=15

.PHONY: run shop test test-browser test-pg fuzz lint install clean

$(STAMP): pyproject.toml sdk/pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]' -e ./sdk
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)  ## init + serve on an embedded SQLite file, prints the URLs
	$(BIN)/botimpay init --db $(DB)
	$(BIN)/botimpay serve --db $(DB) --host $(HOST) --port $(PORT)

shop: $(STAMP)  ## the example shop (examples/shop) on SHOP_PORT, paying through the gateway of `make run`
	$(BIN)/botimpay init --db $(DB)
	PYTHONPATH=examples/shop $(BIN)/python -m example_shop \
	  --gateway-url http://$(HOST):$(PORT) --port $(SHOP_PORT) --db $(SHOP_DB) \
	  --partner-id 200000000888 \
	  --private-key botimpay-keys/demo-merchant-private.pem \
	  --gateway-public-key botimpay-keys/gateway-public-200000000888.pem

test: $(STAMP)  ## the whole suite on SQLite (browser tests: make test-browser), then the SDK's
	$(BIN)/pytest -q $(XDIST) -m "not browser"
	$(BIN)/pytest -q sdk/tests

test-browser: $(STAMP)  ## checkout and app shell in Debian's Chromium (apt-get install -y chromium)
	$(BIN)/pytest -q -m browser tests/browser

test-pg: $(STAMP)  ## the same suite on the local PostgreSQL server
	BOTIMPAY_TEST_DB=$(PG_URL) $(BIN)/pytest -q $(XDIST) -m "not browser"

FUZZ_EXAMPLES ?= 20000

fuzz: $(STAMP)  ## a long fuzz run (issue 10): FUZZ_EXAMPLES examples on SQLite, then on PostgreSQL
	@status=0; \
	BOTIMPAY_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest -q tests/fuzz || status=1; \
	BOTIMPAY_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) BOTIMPAY_TEST_DB=$(PG_URL) $(BIN)/pytest -q tests/fuzz || status=1; \
	exit $$status

lint: $(STAMP)  ## ruff on everything, the layer contracts (pyproject.toml), mypy --strict on src/ and sdk/src
	$(BIN)/ruff check src tests sdk examples bench
	$(BIN)/lint-imports
	$(BIN)/mypy --strict src
	cd sdk && ../$(BIN)/mypy --strict src
	cd examples/shop && ../../$(BIN)/mypy --strict example_shop

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache

# Benchmarks (issue 6): wrk against `serve --mode production --workers 2` on SQLite and
# PostgreSQL (127.0.0.1:5432), a floor app and localstripe; writes bench/results/latest.json.
BENCH_BACKENDS ?= sqlite,postgresql

.PHONY: bench bench-smoke bench-tools

bench-tools:  ## wrk (Debian package) and, best effort, localstripe in its own venv
	@command -v wrk >/dev/null || apt-get install -y wrk
	@test -x bench/.peer-venv/bin/localstripe || \
	  ($(PYTHON) -m venv bench/.peer-venv && bench/.peer-venv/bin/pip install --quiet localstripe) || \
	  echo "localstripe could not be installed: the peer scenario is skipped"

bench: $(STAMP) bench-tools  ## full run: -t2 -c64 -d10s a scenario (a few minutes)
	$(BIN)/python -m bench.run --backends $(BENCH_BACKENDS)

bench-smoke: $(STAMP) bench-tools  ## ~2 s a scenario; fails on any error or empty scenario
	$(BIN)/python -m bench.run --smoke --backends $(BENCH_BACKENDS) --output bench/results/smoke.json
