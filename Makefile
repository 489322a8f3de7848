# Two commands do all the set-up on a fresh clone: `make test` and `make run` (see README.md).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
NOTEBOOKS := $(sort $(wildcard notebooks/0*.ipynb)) $(wildcard notebooks/A*.ipynb) $(wildcard notebooks/Task_2.ipynb)
NBVAL := --nbval --nbval-current-env --nbval-sanitize-with notebooks/sanitize.cfg

.PHONY: test lint unit notebooks browser-test run studies sweep lab data fsdd clean

$(STAMP): requirements.txt pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

test: lint unit notebooks  ## lint, unit tests, then every notebook in the smoke profile under nbval

lint: $(STAMP)  ## ruff's linter and formatter (check only), and each notebook against its source
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) tools/sync_notebooks.py --check

unit: $(STAMP)
	$(PY) -m pytest tests -q

notebooks: $(STAMP)
	AUDIOGAN_PROFILE=smoke $(PY) -m pytest $(NBVAL) notebooks -q

browser-test: $(STAMP)  ## Task_2 and 06 run in JupyterLab in headless Chromium (/usr/bin/chromium), explorer slider moved
	$(PY) -m pytest tests/browser -m browser -q

run: $(STAMP)  ## fetch FSDD if data/ is empty (FSDD_SOURCE=a local copy), then execute every notebook in place, timed
	$(if $(FSDD_SOURCE),FSDD_SOURCE=$(FSDD_SOURCE)) $(PY) -c "from helpers.config import profile; from helpers.data import ensure_data; ensure_data(profile())"
	$(PY) tools/run_notebooks.py $(NOTEBOOKS)

studies: $(STAMP)  ## retrain every study the notebooks read from results/ (hours), and rewrite results/
	$(PY) -m helpers.studies make

sweep: $(STAMP)  ## notebook 07's runs from a terminal, two at a time; an interrupted sweep resumes
	$(PY) -m helpers.sweep

lab: $(STAMP)
	$(VENV)/bin/jupyter lab

fsdd: $(STAMP)  ## the real recordings (network, or FSDD_SOURCE=path to a local copy)
	$(PY) -m helpers.data fsdd $(if $(FSDD_SOURCE),--source $(FSDD_SOURCE))

clean:
	rm -rf runs
