# Two-command set-up: `make demo` and `make test` work on a fresh clone where only python3 exists.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
TSTAMP := $(VENV)/.installed-test

.PHONY: demo test bench lint typecheck clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(TSTAMP): pyproject.toml $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(STAMP)
	$(BIN)/python samples/demo.py --strict

test: $(TSTAMP)
	$(BIN)/python -m pytest -n 2 -q

bench: $(TSTAMP)
	$(BIN)/python -m pip install --quiet -e '.[bench]' || true
	$(BIN)/python tests/benchmarks/run_all.py

lint: $(TSTAMP)
	$(BIN)/python -m pytest -q tests/test_static.py

clean:
	rm -rf demo-output build *.egg-info
