# Two commands do all set-up on a fresh machine (see README):
#   make suite   — create .venv, install the pinned environment, run every task: register, sweep, notebooks (raw data → outputs)
#   make test    — create .venv if needed, run the unit tests, notebook tests and nbval on the committed notebooks
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
RUN    := PATH="$(CURDIR)/$(BIN):$$PATH" PYTHONHASHSEED=0

.PHONY: setup suite test verify report sweep bench clean

setup: $(VENV)/.installed

$(VENV)/.installed: requirements.txt constraints.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.txt -c constraints.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (peru-protests)" >/dev/null
	touch $@

suite: setup
	$(RUN) $(BIN)/python -m analysis run --params params/default.yaml

test: setup
	$(RUN) $(BIN)/python -m pytest -q tests
	$(RUN) $(BIN)/python -m pytest -q --nbval notebooks --nbval-sanitize-with tests/nbval_sanitize.cfg -p no:cacheprovider

verify: setup
	$(RUN) $(BIN)/python -m analysis verify

report: setup
	$(RUN) $(BIN)/python -m analysis report

sweep: setup
	$(RUN) $(BIN)/python -m analysis sweep

bench: setup
	$(RUN) $(BIN)/python benchmarks/run_benchmark.py

clean:
	rm -rf $(VENV) .cache
