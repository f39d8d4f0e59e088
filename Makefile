# Two commands matter: `make demo` and `make test`. Everything else is a step they use.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: setup demo test lint format bench guide system-deps clean

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --upgrade pip
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

# Debian packages the browser and PDF tests drive (installed only when missing, as root).
system-deps:
	@if ! command -v chromium >/dev/null 2>&1 || ! command -v pdftotext >/dev/null 2>&1; then \
		if [ "$$(id -u)" = "0" ]; then \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium poppler-utils >/dev/null; \
		else \
			echo "Нужны пакеты chromium и poppler-utils: sudo apt-get install chromium poppler-utils"; \
		fi; \
	fi

demo: setup
	$(BIN)/ejournal demo

# The suite starts about 150 Python processes (two workers, servers, command-line runs):
# each would compile the project's modules from source again where the environment says not to
# keep bytecode (PYTHONDONTWRITEBYTECODE), so the tests keep it (__pycache__, ignored by git), and
# the modules are compiled once before the workers start.
PACKAGES := pipelines warehouse dashboards cli ejournal report_templates bench
test: setup system-deps
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m compileall -q -j 2 $(PACKAGES) > /dev/null
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n 2 --dist loadfile --durations=15 $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# The user guide's screenshots (docs/guide/img/), made by the browser test that opens every page
guide: setup system-deps
	EJOURNAL_GUIDE_SHOTS=$(CURDIR)/docs/guide/img $(BIN)/python -m pytest -q tests/dashboards/test_locale_browser.py

bench: setup
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
