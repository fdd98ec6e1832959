# Two commands for a fresh machine: `make run` and `make test`. Each creates .venv when missing
# and installs the project into it (again only when pyproject.toml changed).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DB_URL ?= sqlite:///var/samverkan.db
EXAMPLE ?= examples/fagersta.yaml
HOST ?= 127.0.0.1
PORT ?= 8000
PREFECT_PORT ?= 4200

.PHONY: run test lint typecheck install clean bench browser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# The project's own modules are compiled to bytecode once here: an editable install is not, and where
# PYTHONDONTWRITEBYTECODE is set every command would compile them again (~0.07 s of `validate`).
$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	$(BIN)/python -m compileall -q $(PACKAGES)
	touch $(STAMP)

install: $(STAMP)

# The main job on the embedded default: SQLite file in var/, no server to install. The whole service: the
# database, the example, a demo login (printed), the web app on http://127.0.0.1:8000 and the Prefect schedules.
# `make run PORT=8080 PREFECT_PORT=4300` moves them. `exec`: SIGTERM to make reaches samverkan, which stops it all.
run: $(STAMP)
	mkdir -p var
	exec env SAMVERKAN_DATABASE_URL=$(DB_URL) $(BIN)/samverkan run --host $(HOST) --port $(PORT) \
	  --prefect-port $(PREFECT_PORT) $(EXAMPLE)

# The browser tests drive Debian's Chromium (never a browser downloaded by Playwright).
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser:
	@[ -x $(CHROMIUM) ] || { echo "Installerar Debians chromium för webbläsartesterna …"; \
	  $(SUDO) apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q chromium >/dev/null; }; }
	@[ -x $(CHROMIUM) ] || { echo "chromium saknas och kunde inte installeras"; exit 1; }
	@# The document tests render PDF pages to PNG with poppler's pdftoppm.
	@command -v pdftoppm >/dev/null || { echo "Installerar poppler-utils för dokumenttesterna …"; \
	  $(SUDO) apt-get install -y -q poppler-utils >/dev/null 2>&1 || \
	  { $(SUDO) apt-get update -q >/dev/null && $(SUDO) apt-get install -y -q poppler-utils >/dev/null; }; }

# One pytest process per core (`make test TEST_WORKERS=1` runs them one after another); tests are handed out one
# by one, except a file marked xdist_group (a shared module fixture), which stays in one process. The 25 slowest
# steps are printed at the end.
TEST_WORKERS ?= $(shell nproc 2>/dev/null || echo 2)
test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(MAKE) --no-print-directory typecheck
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadgroup --durations=25 $(PYTEST_ARGS)

# mypy --strict over the package as it is installed: each folder is samverkan.<folder>, so a tree of links
# in .typecheck/ gives mypy that layout.
PACKAGES := core templates models database roles process orgconfig scheduling notifications services flows web cli
typecheck: $(STAMP)
	@mkdir -p .typecheck/samverkan
	@for p in $(PACKAGES); do ln -sfn ../../$$p .typecheck/samverkan/$$p; done
	cd .typecheck && ../$(BIN)/mypy --config-file ../pyproject.toml --cache-dir ../.mypy_cache -p samverkan

# Every benchmark (issue 19), each printing the machine's load and ratios against a floor measured in the same run,
# each removing its temporary folders. BENCH_PG=postgresql+psycopg://... adds the web load and the nationwide year
# on PostgreSQL.
BENCH_PG ?=
bench: $(STAMP)
	$(BIN)/python benchmarks/cli_latency.py
	$(BIN)/python benchmarks/web_load.py
	$(BIN)/python benchmarks/web_load.py --workers 2 --case shipped
	$(if $(BENCH_PG),$(BIN)/python benchmarks/web_load.py --database $(BENCH_PG))
	$(if $(BENCH_PG),$(BIN)/python benchmarks/web_load.py --database $(BENCH_PG) --workers 2)
	$(BIN)/python benchmarks/nationwide_year.py
	$(if $(BENCH_PG),$(BIN)/python benchmarks/nationwide_year.py --no-prefect --database $(BENCH_PG))
	$(BIN)/python benchmarks/delivery.py
	$(BIN)/python benchmarks/documents.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) var .pytest_cache test-output .typecheck .mypy_cache
