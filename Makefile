# Two commands for a newcomer: `make demo` (set up, then run govkit on the embedded demo
# estate) and `make test` (set up, then run the test suite).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
PYTEST_WORKERS ?= 2

.PHONY: setup demo test bench bench-checkov lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[demo,test,dev]'
	touch $(STAMP)

setup: $(STAMP)

demo: $(STAMP)
	$(BIN)/govkit demo --out govkit-demo

test: $(STAMP)
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS) --dist loadfile -q

bench: $(STAMP)
	$(BIN)/python benchmarks/scan_scale.py
	$(BIN)/python benchmarks/evaluate_throughput.py
	$(BIN)/python benchmarks/bundle_throughput.py
	$(BIN)/python benchmarks/people_scale.py
	$(BIN)/python benchmarks/report_formats.py
	$(BIN)/python benchmarks/gate_plan.py
	$(BIN)/python benchmarks/shard_scale.py

# checkov, for the gate benchmark's comparison, in its own environment (its pins clash with ours)
bench-checkov:
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/python -m pip install --quiet checkov==3.3.30

lint: $(STAMP)
	$(BIN)/ruff check govkit tests benchmarks
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .venv-checkov govkit-demo govkit-runs .pytest_cache
