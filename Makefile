# Works on a fresh machine with only python3, make and git: without uv on PATH, `setup`
# installs it into .tools/ first. Every target that runs code depends on `setup`.
UV := $(shell command -v uv 2>/dev/null || echo .tools/bin/uv)
# --frozen: install exactly what uv.lock says, never re-resolve it (fastapi <0.151 on purpose).
RUN := $(UV) run --frozen

# Prefect state of `make demo` stays in the project (.prefect/, ignored by git), not ~/.prefect.
export PREFECT_HOME ?= $(CURDIR)/.prefect
# Other Prefect settings (start-up timeout, analytics) are in prefect.toml.

.PHONY: setup browsers demo test bench lint fmt clean

setup: $(UV)
	$(UV) sync --frozen

.tools/bin/uv:
	python3 -m venv .tools
	.tools/bin/pip install --quiet uv

# Headless Chromium and CJK fonts (Debian packages) for the test that screenshots an e-mail digest.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
browsers:
	@command -v chromium >/dev/null && dpkg -s fonts-noto-cjk >/dev/null 2>&1 || \
	if command -v apt-get >/dev/null; then \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium fonts-noto-cjk; \
	else echo "browsers: no apt-get; install Chromium yourself (the screenshot test skips without it)"; fi

demo: setup
	$(RUN) dealer-warnings demo-data --out data/demo
	DEALER_WARNINGS_NOTIFY__ROUTING_FILE=routing.example.yaml \
		$(RUN) python flows/nightly.py --input data/demo --db data/warehouse.duckdb

# pytest exits 5 when it collects no test: make fails on it like on any non-zero exit.
# Two workers (pytest-xdist), one test file each at a time: 6 minutes instead of 10 on 2 cores.
test: setup browsers
	$(RUN) pytest -n 2 --dist loadfile

# Pipeline vs. a plain DuckDB scan vs. naive pandas on 3,000 dealers; BENCH_ARGS="--dealers 30000".
bench: setup
	$(RUN) dealer-warnings bench $(BENCH_ARGS)

lint: setup
	$(RUN) ruff check .
	$(RUN) ruff format --check .

fmt: setup
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

clean:
	rm -rf data/demo data/outbox data/warehouse.duckdb data/warehouse.duckdb.wal
	rm -rf data/report data/warehouse.published.duckdb data/warehouse.published.duckdb.new
	rm -rf .prefect .pytest_cache .ruff_cache test-artifacts
	find . -name __pycache__ -type d -not -path './.venv/*' -not -path './.tools/*' -prune -exec rm -rf {} +
