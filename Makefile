# kampmo: two commands on a fresh machine -- `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
KAMPMO_TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
export KAMPMO_TEST_POSTGRES_URL

.PHONY: run install install-runtime mpp-extra system-deps bench-deps test lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The runtime alone (make run): kampmo and its dependencies.
$(VENV)/.runtime-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	$(MAKE) --no-print-directory mpp-extra
	touch $@

# kampmo with its dev extras (make install / make test / make bench).
$(VENV)/.dev-installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev]'
	$(MAKE) --no-print-directory mpp-extra
	touch $@ $(VENV)/.runtime-installed

# .mpp/.xer import through MPXJ: installed when a Java runtime is present (java -version).
mpp-extra: | $(BIN)/python
	@if command -v java >/dev/null 2>&1; then $(BIN)/pip install --quiet -e '.[mpp]'; \
	else echo "no java: .mpp/.xer import stays off (apt-get install default-jre-headless)"; fi

install-runtime: $(VENV)/.runtime-installed
install: $(VENV)/.dev-installed

# Debian packages the browser tests and Gantt pages need: Chromium and a CJK font; and a
# Java runtime for MPXJ, the independent reader of the MS Project conformance tests.
system-deps:
	@if ! command -v java >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq default-jre-headless >/dev/null; \
		$(MAKE) --no-print-directory mpp-extra; \
	fi
	@if ! command -v chromium >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-noto-cjk >/dev/null; \
	fi

# The demo's output (its last line: the API tokens) is kept in .venv/demo-output.txt; once the
# server answers, app.welcome prints the URL, the demo users, their password and the tokens.
run: install-runtime
	$(BIN)/kampmo db upgrade
	$(BIN)/kampmo demo > $(VENV)/demo-output.txt
	$(BIN)/python -m app.welcome $(VENV)/demo-output.txt http://$(HOST):$(PORT) & \
	exec $(BIN)/kampmo serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check app wbs gantt tests alembic
	$(BIN)/ruff format --check app wbs gantt tests alembic
	$(BIN)/mypy

test: install system-deps lint
	$(BIN)/pytest -m "not bench" $(PYTEST_ARGS)

# TaskJuggler (Debian's tj3), the reference of the schedule benchmark.
bench-deps:
	@if ! command -v tj3 >/dev/null 2>&1; then \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq tj3 >/dev/null; \
	fi

bench: install system-deps bench-deps
	$(BIN)/python -m tests.benchmarks

clean:
	rm -rf $(VENV) kampmo.db kampmo.db-wal kampmo.db-shm .pytest_cache .mypy_cache .ruff_cache
