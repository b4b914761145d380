# Two commands for a fresh machine: `make demo` and `make test`.
# Both create .venv when it is missing and install the project (editable) with its pins.

PYTHON ?= python3
export TF_CPP_MIN_LOG_LEVEL ?= 2
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DIR ?= data/demo
DEMO_PIXELS ?= 20000
DEMO_EPOCHS ?= 10
# The Databricks serverless environment the job runs in (databricks.yml): every package it ships is
# installed here at its version, so the tests run the versions serverless runs. Its published
# constraints read `name~=version`; PINS is that as installed: `==version` (`==major.minor.*` for
# a major.minor pin).
SERVERLESS_CONSTRAINTS := tests/environments/serverless-v5-constraints.txt
PINS := $(VENV)/serverless-pins.txt
# The manual's toolchain has a virtualenv of its own (docs/requirements.txt): it is not pinned
# to Databricks serverless, and needs none of the project's dependencies.
DOCS_VENV := .venv-docs
DOCS_STAMP := $(DOCS_VENV)/.installed

.PHONY: demo test docs bench clean java

$(PINS): $(SERVERLESS_CONSTRAINTS)
	mkdir -p $(VENV)
	sed -E '/^[A-Za-z]/{s/~=/==/; /==[0-9]+\.[0-9]+$$/s/$$/.*/;}' $< > $@

$(STAMP): pyproject.toml $(PINS)
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || \
		{ echo "cropseries needs Python 3.11 or newer (found $$($(PYTHON) --version))."; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]' -c $(PINS)
	touch $(STAMP)

$(DOCS_STAMP): docs/requirements.txt
	test -x $(DOCS_VENV)/bin/python || $(PYTHON) -m venv $(DOCS_VENV)
	$(DOCS_VENV)/bin/python -m pip install --quiet -r docs/requirements.txt
	touch $(DOCS_STAMP)

# The manual, into site/; warnings (a broken link or anchor, a page outside the contents) fail.
docs: $(DOCS_STAMP)
	$(DOCS_VENV)/bin/sphinx-build -W --keep-going -q -b html docs site

java:
	@v=$$(java -version 2>&1 | sed -n 's/.*version "\([0-9]*\).*/\1/p' | head -n 1); \
	if [ -z "$$v" ] || [ "$$v" -lt 17 ]; then \
		echo "Spark needs Java 17 or newer (found: $${v:-none})."; \
		echo "Install it with: sudo apt-get install -y openjdk-17-jre-headless  (macOS: brew install openjdk@17)"; \
		exit 1; \
	fi

demo: $(STAMP) java
	$(PY) -m cropseries synth --out $(DEMO_DIR)/course --pixels $(DEMO_PIXELS) --years 2019 2020 2021 --seed 7 --overwrite
	$(PY) -m cropseries validate $(DEMO_DIR)/course
	$(PY) -m cropseries synth --report $(DEMO_DIR)/course
	$(PY) -m cropseries split --input $(DEMO_DIR)/course --output $(DEMO_DIR)/splits --strategy year --seed 7
	$(PY) -m cropseries stats --splits $(DEMO_DIR)/splits --indices --medians
	$(PY) -m cropseries loader-throughput --splits $(DEMO_DIR)/splits --epochs 2
	$(PY) -m cropseries train --splits $(DEMO_DIR)/splits --out $(DEMO_DIR)/train --epochs $(DEMO_EPOCHS) --seed 7
	$(PY) -m cropseries evaluate --splits $(DEMO_DIR)/splits --model $(DEMO_DIR)/train/model.keras --out $(DEMO_DIR)/train
	$(PY) -m cropseries report --splits $(DEMO_DIR)/splits --train $(DEMO_DIR)/train --out $(DEMO_DIR)/report.html
	@echo "The run in MLflow's UI: mlflow ui --backend-store-uri $(DEMO_DIR)/train/mlruns (docs/stages/train.md)"
	@echo "The run's report, to open in any browser: $(DEMO_DIR)/report.html (docs/report.md)"

test: $(STAMP) java docs
	$(PY) -m ruff check src tests bench notebooks
	$(PY) -m ruff format --check src tests bench notebooks
	$(PY) -m pytest

# Every benchmark, one after another (they generate their data once under data/bench/).
bench: $(STAMP) java
	$(PY) bench/synth.py
	$(PY) bench/validate.py
	$(PY) bench/loader.py
	$(PY) bench/loader_profile.py
	$(PY) bench/split.py
	$(PY) bench/stats.py
	$(PY) bench/train_input.py

clean:
	rm -rf $(VENV) $(DOCS_VENV) site data .pytest_cache .hypothesis
