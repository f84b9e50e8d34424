# therapycheck — the two commands: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: setup run demo test test-unit test-postgres lint format bench crash-test docs clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "therapycheck needs Python 3.11 or newer")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

run: setup
	$(BIN)/therapycheck serve --host $(HOST) --port $(PORT)

# A demo clinic of fictional people, on this computer only, in <data dir>/demo-clinic
# (docs/clinic.md): clinic mode, the task worker, sign-in details printed.
demo: setup
	$(BIN)/therapycheck serve --mode clinic --demo --port $(PORT)

lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks
	$(BIN)/mypy

format: setup
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

# The whole suite: lint, then every test on SQLite, then the database tests again on
# PostgreSQL when THERAPYCHECK_TEST_POSTGRES_URL names a server (CI always sets it).
test: setup lint
	$(BIN)/python -m pytest -n 2 --dist loadgroup -p no:cacheprovider
	@if [ -n "$$THERAPYCHECK_TEST_POSTGRES_URL" ]; then \
		echo "== database tests on PostgreSQL =="; \
		DATABASE_URL="$$THERAPYCHECK_TEST_POSTGRES_URL" $(BIN)/python -m pytest -p no:cacheprovider -m "not browser" tests/web tests/interop; \
	elif [ "$$CI" = "true" ]; then \
		echo "CI=true but THERAPYCHECK_TEST_POSTGRES_URL is not set: the PostgreSQL run is required in CI" >&2; exit 1; \
	else \
		echo "(PostgreSQL run skipped: set THERAPYCHECK_TEST_POSTGRES_URL=postgres://... to include it)"; \
	fi

bench: setup
	$(BIN)/python benchmarks/outcomes.py
	$(BIN)/python benchmarks/checkup.py
	$(BIN)/python benchmarks/bad_files.py
	@if [ -n "$$THERAPYCHECK_BENCH_POSTGRES_URL" ]; then $(BIN)/python benchmarks/caseload.py; else echo "(caseload benchmark skipped: set THERAPYCHECK_BENCH_POSTGRES_URL=postgres://...)"; fi

# kill -9 the server while it saves, restart, check the database and every acknowledged
# write (not part of `make test` or CI: it kills processes and takes a minute or two).
crash-test: setup
	$(BIN)/python benchmarks/crash.py

docs: setup
	$(BIN)/therapycheck docs instruments > docs/instruments.md

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build src/*.egg-info
