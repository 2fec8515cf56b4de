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

.PHONY: run shop test test-browser test-pg lint install clean

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
	$(BIN)/pytest -q -m "not browser"
	$(BIN)/pytest -q sdk/tests

test-browser: $(STAMP)  ## checkout and app shell in Debian's Chromium (apt-get install -y chromium)
	$(BIN)/pytest -q -m browser tests/browser

test-pg: $(STAMP)  ## the same suite on the local PostgreSQL server
	BOTIMPAY_TEST_DB=$(PG_URL) $(BIN)/pytest -q -m "not browser"

lint: $(STAMP)  ## ruff on everything, mypy --strict on src/ and sdk/src
	$(BIN)/ruff check src tests sdk examples
	$(BIN)/mypy --strict src
	cd sdk && ../$(BIN)/mypy --strict src
	cd examples/shop && ../../$(BIN)/mypy --strict example_shop

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
