# tender-beacon developer entry points. Everything installs into .venv from
# this repository's own files (pyproject.toml); nothing relies on the caller's shell.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
DATA   ?= .beacon
HOST   ?= 127.0.0.1
PORT   ?= 8080
NPM    ?= npm
NODE   ?= node
WEB    := verifier-web

.PHONY: run test test-fast test-faults bench lint vectors notebooks clean install install-test web \
	constraints

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

# The stamp files record which extras are installed; pyproject.toml, constraints.txt or the
# version (verifier/__init__.py: the editable install's metadata holds it) re-install.
# constraints.txt pins every distribution at the version CI tested.
EXTRAS := test,notebooks,dev,server,postgres
$(VENV)/.installed: pyproject.toml constraints.txt verifier/__init__.py | $(BIN)/activate
	$(PY) -m pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: pyproject.toml constraints.txt verifier/__init__.py | $(BIN)/activate
	$(PY) -m pip install --quiet -c constraints.txt -e '.[$(EXTRAS)]'
	touch $@ $(VENV)/.installed

# Re-pin: the newest versions pyproject.toml allows, installed into a fresh venv (not .venv)
# and frozen into constraints.txt; then `make install-test` installs exactly those.
CVENV := build/constraints-venv
constraints:
	rm -rf $(CVENV)
	$(PYTHON) -m venv $(CVENV)
	$(CVENV)/bin/python -m pip install --quiet --upgrade pip
	$(CVENV)/bin/python -m pip install --quiet -e '.[$(EXTRAS)]'
	{ sed -n '/^#/p' constraints.txt; \
	  $(CVENV)/bin/python -m pip freeze --all --exclude-editable --disable-pip-version-check \
	    | grep -v -e '^pip==' -e '^#' | LC_ALL=C sort -f; } > constraints.txt.new
	mv constraints.txt.new constraints.txt
	rm -rf $(CVENV)

# The browser verifier (verifier-web/): npm ci when the lock file changes, then esbuild makes
# beacon/web/static/verify/ (served at /verify) and build/verify.html (the single file).
$(WEB)/node_modules/.installed: $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && $(NPM) ci --no-audit --no-fund
	touch $@

build/.web-built: $(WEB)/node_modules/.installed $(WEB)/build.mjs $(wildcard $(WEB)/src/*.js $(WEB)/page/*)
	cd $(WEB) && $(NODE) build.mjs
	touch $@

web: build/.web-built

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: $(VENV)/.installed build/.web-built
	$(BIN)/beacon serve --demo --pulse-period 2 --data-dir $(DATA) --host $(HOST) --port $(PORT)

test: $(VENV)/.installed-test build/.web-built
	cd $(WEB) && PYTHON=$(CURDIR)/$(PY) $(NODE) --test test/
	$(BIN)/pytest

test-fast: $(VENV)/.installed-test
	$(BIN)/pytest -m "not slow"

# kill -9 of web, pulser and worker during whole ceremonies, and a PostgreSQL outage;
# writes test-artifacts/faults.json (BEACON_FAULTS_SEED=N replays a run).
test-faults: $(VENV)/.installed-test
	$(BIN)/pytest -m faults tests/faults

bench: $(VENV)/.installed-test
	$(PY) -m bench --out bench/RESULTS.md

# ruff format --check: the tree is formatted by `ruff format` on the same paths. mypy checks
# beacon and verifier (pyproject.toml), then the two scripts outside them.
LINTED := beacon verifier tests bench notebooks/gallery.py .ci/lower_bounds.py
lint: $(VENV)/.installed-test
	$(BIN)/ruff check $(LINTED)
	$(BIN)/ruff format --check $(LINTED)
	$(BIN)/mypy
	$(BIN)/mypy notebooks/gallery.py .ci/lower_bounds.py

vectors: $(VENV)/.installed-test
	$(PY) -m tests.vectors.generate

# The audit notebooks at full size (docs/AUDIT.md §10): executed copies and one HTML page
# each (plots embedded) go to build/notebooks/; the figures the notebooks mark for the
# gallery go to docs/gallery/ (PNG, and its README.md). NOTEBOOK_SCALE=small: seconds.
NOTEBOOK_SCALE ?= full
notebooks: $(VENV)/.installed-test
	mkdir -p build/notebooks
	BEACON_NOTEBOOK_SCALE=$(NOTEBOOK_SCALE) $(BIN)/jupyter execute --timeout=-1 \
	    --output='$(CURDIR)/build/notebooks/{notebook_name}' notebooks/*.ipynb
	$(PY) notebooks/gallery.py --html build/notebooks --gallery docs/gallery \
	    $(patsubst notebooks/%,build/notebooks/%,$(wildcard notebooks/*.ipynb))

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache build *.egg-info $(WEB)/node_modules beacon/web/static/verify
