# `make run` and `make test` do all the set-up on a fresh machine (README, first lines).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DB ?= var/demo.db
export WATCHLIST_TEST_PG ?= postgresql://postgres@127.0.0.1:5432/test

.PHONY: run test lint typecheck check quality bench bench-web screenshots demo-reset clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

## run: the demo daemon on SQLite with the seed watch list and sample feeds, and its
## dashboard on http://127.0.0.1:8080/ (Ctrl-C stops it)
run: $(STAMP)
	$(BIN)/python -m monitor.demo --db $(DEMO_DB)

## test: the whole suite (PostgreSQL tests run when WATCHLIST_TEST_PG is reachable)
test: $(STAMP)
	$(BIN)/pytest -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy --strict indicators monitor

check: lint typecheck test

## quality: precision/recall/F1 of the seed list, other topics and real news; untouched drafts
quality: $(STAMP)
	$(BIN)/python tests/quality/score.py
	$(BIN)/python tests/quality/draft.py --written

## bench: the benchmark suite (docs/benchmarks.md)
bench: $(STAMP)
	$(BIN)/python -m bench

## bench-web: dashboard pages with 100 indicators and 10,000 pieces of evidence (median ms)
bench-web: $(STAMP)
	$(BIN)/python -m bench.web

## screenshots: docs/board.png and docs/indicator.png from the demo, in headless Chromium
screenshots: $(STAMP)
	$(BIN)/python scripts/screenshots.py

demo-reset:
	rm -f $(DEMO_DB) $(DEMO_DB)-wal $(DEMO_DB)-shm $(DEMO_DB).daemon.lock

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache *.egg-info
