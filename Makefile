# broadcast — the two commands of the README:
#   make demo   set everything up and make next month's programme for the example station
#   make test   set everything up and run the tests
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin

.PHONY: demo test setup setup-test setup-lint system lint bench clean

demo: setup
	$(BIN)/broadcast make --auto-approve

test: setup-test
	$(BIN)/python -m pytest -q -p no:cacheprovider

setup: system $(VENV)/.installed
setup-test: system $(VENV)/.installed-test

system:
	@bash tools/setup-system.sh

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[test]'
	@touch $@

setup-lint: $(VENV)/.installed-lint
$(VENV)/.installed-lint: pyproject.toml $(VENV)/.installed
	$(BIN)/python -m pip install -q -e '.[lint]'
	@touch $@

# Lint and types: ruff (rules in pyproject.toml), the formatter's check, mypy on the package.
lint: setup-lint
	$(BIN)/ruff check broadcast tests benchmarks tools
	$(BIN)/ruff format --check broadcast tests benchmarks tools
	$(BIN)/mypy

bench: setup-test
	$(BIN)/python benchmarks/bench_normalize.py
	$(BIN)/python benchmarks/spoken_corpus_report.py
	$(BIN)/python benchmarks/bench_voice.py
	$(BIN)/python benchmarks/bench_production.py
	$(BIN)/python benchmarks/content_overlap.py

clean:
	rm -rf $(VENV) .broadcast
