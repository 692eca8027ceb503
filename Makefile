# Two entry points for a fresh clone: `make run` and `make test`.
# Both create .venv and install the project into it on first use.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed

.PHONY: setup run test quick lint typecheck unit bench clean

$(INSTALLED): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(INSTALLED)

setup: $(INSTALLED)

run: $(INSTALLED)
	$(BIN)/ocrbot run $(ARGS)

lint: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(INSTALLED)
	$(BIN)/mypy

unit: $(INSTALLED)
	$(BIN)/pytest

test: lint typecheck unit

# The quick loop while changing code: everything but the tests marked slow.
quick: $(INSTALLED)
	$(BIN)/ruff check .
	$(BIN)/pytest -m 'not slow' -x -q

# Not part of `test`: about five minutes of load against the fakes; writes bench/results.md.
bench: $(INSTALLED)
	$(BIN)/python -m bench $(ARGS)

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
