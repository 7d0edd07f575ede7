# Two commands matter: `make run` and `make test`. Both create/refresh .venv first.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck unit clean bench redis-server

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/cx-tui

test: $(STAMP) redis-server lint typecheck unit

# The team tests (tests/team/) start a real redis-server on a free loopback port; a fresh
# machine gets Debian's package (sudo only when not root).
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
redis-server:
	@command -v redis-server >/dev/null || ( \
		DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y redis-server || \
		( $(SUDO) apt-get update && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y redis-server ) )

lint: $(STAMP)
	$(BIN)/ruff check cx_tui tests scripts
	$(BIN)/ruff format --check cx_tui tests scripts
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# Two pytest workers per core: the UI tests spend about a third of their time waiting (Textual's
# pilot waits for the app to go idle after each key), so on 2 cores 2 workers kept only 0.7 of
# a core busy (245 s wall, 175 s CPU) and 4 workers finish in 147 s (issue 16).
WORKERS ?= $(shell echo $$(( 2 * $$(nproc 2>/dev/null || echo 1) )))
unit: $(STAMP) redis-server
	$(BIN)/python -m pytest -q -n $(WORKERS)

# Performance figures (not part of `make test`): about 3 minutes; writes bench/results/latest.md
bench: $(STAMP) redis-server
	$(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
