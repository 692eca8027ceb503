# Two entry points for a fresh clone: `make run` and `make test`.
# Both create .venv on first use and install into it from the lock files in requirements/:
# `make run` only what the bot needs, `make test` the test tools too.
VENV ?= .venv
BIN := $(VENV)/bin
# python3 if it is 3.11 or newer, else the newest python3.1x on PATH, unless PYTHON names one.
PYTHON ?= $(shell for candidate in python3 python3.13 python3.12 python3.11; do \
	command -v $$candidate >/dev/null 2>&1 \
	&& $$candidate -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null \
	&& echo $$candidate && break; done)
# A venv made by another Python, or one whose Python is gone, is rebuilt, not used.
VENV_PYTHON := $(VENV)/.python
RUN_INSTALLED := $(VENV)/.installed-run
DEV_INSTALLED := $(VENV)/.installed-dev
WANT_PYTHON := $(if $(PYTHON),$(shell $(PYTHON) -c 'import sys; print(sys.executable, *sys.version_info[:2])'))
HAVE_PYTHON := $(shell $(BIN)/python -c 'pass' 2>/dev/null && cat $(VENV_PYTHON) 2>/dev/null)
ifneq ($(WANT_PYTHON),$(HAVE_PYTHON))
.PHONY: $(VENV_PYTHON)
endif

.PHONY: setup run demo test quick lint typecheck unit bench lock clean

$(VENV_PYTHON):
	@if [ -z "$(PYTHON)" ]; then \
		echo "ocrbot needs Python 3.11 or newer, and none was found on PATH." >&2; \
		echo "Install one, or name it: make $(MAKECMDGOALS) PYTHON=/path/to/python3.11" >&2; \
		exit 2; fi
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "ocrbot needs Python 3.11 or newer; $(PYTHON) is $(WANT_PYTHON)." >&2; exit 2; }
	@echo "Creating $(VENV) with $(WANT_PYTHON)"
	rm -rf $(VENV)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	echo "$(WANT_PYTHON)" > $@

$(RUN_INSTALLED): requirements/bot.txt pyproject.toml $(VENV_PYTHON)
	$(BIN)/python -m pip install --quiet -r requirements/bot.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

$(DEV_INSTALLED): requirements/dev.txt pyproject.toml $(VENV_PYTHON)
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@ $(RUN_INSTALLED)

setup: $(DEV_INSTALLED)

run: $(RUN_INSTALLED)
	$(BIN)/ocrbot run $(ARGS)

lint: $(DEV_INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports  # the layers contract in pyproject.toml

typecheck: $(DEV_INSTALLED)
	$(BIN)/mypy

unit: $(DEV_INSTALLED)
	$(BIN)/pytest

test: lint typecheck unit

# The quick loop while changing code: everything but the tests marked slow.
quick: $(DEV_INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/pytest -m 'not slow' -x -q

# The real bot against the project's fakes of Slack, NHN and the NTS: no credentials needed,
# nothing leaves the machine; prints what the bot answered in each thread.
demo: $(RUN_INSTALLED)
	$(BIN)/python -m demo

# Not part of `test`: a few minutes of load against the fakes; writes bench/results.md.
bench: $(DEV_INSTALLED)
	$(BIN)/python -m bench $(ARGS)

# Refresh the lock files after changing dependencies in pyproject.toml (then commit them).
lock: $(DEV_INSTALLED)
	$(BIN)/python -m pip install --quiet pip-tools
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		--output-file requirements/bot.txt pyproject.toml
	$(BIN)/pip-compile --quiet --strip-extras --no-emit-index-url --no-emit-find-links \
		--extra dev --output-file requirements/dev.txt pyproject.toml

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
