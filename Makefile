# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-fast test-torch lint bench clean graphviz chromium

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e ".[dev,onnx]"
	touch $(STAMP)

# $(call system_package,PROGRAM,PACKAGE): when PROGRAM is missing, install the system
# PACKAGE with apt-get (as root), or say which command to run.
define system_package
	@if ! command -v $(1) >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing the system $(2) package ($(1))"; \
	    (apt-get install -y -q $(2) >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q $(2) >/dev/null)); \
	  else \
	    echo "$(1) is missing: run 'sudo apt-get install $(2)' (or install $(2) with" \
	         "your system's package manager), then run make again"; exit 1; \
	  fi; \
	fi
endef

# The graphviz Python package needs the `dot` program from the system package.
graphviz:
	$(call system_package,dot,graphviz)

# The step-through page's tests drive a real browser: Chromium, headless (or the Chromium or
# Chrome binary that $CHROMIUM names).
chromium:
ifeq ($(CHROMIUM),)
	$(call system_package,chromium,chromium)
endif

setup: $(STAMP) graphviz

demo: setup
	$(PY) -m autograd_app demo

# One BLAS thread: on a small shared machine, threaded OpenBLAS makes small linear algebra
# (the ELM's pseudo-inverse, notebook cells) many times slower, not faster.
# AUTOGRAD_CORE_REQUIRE_BROWSER: the browser tests fail, rather than skip, without Chromium.
test: setup chromium lint
	OPENBLAS_NUM_THREADS=1 AUTOGRAD_CORE_REQUIRE_BROWSER=1 $(PY) -m pytest

# The inner loop: everything but the notebooks (which take a minute or two to execute).
test-fast: setup
	OPENBLAS_NUM_THREADS=1 $(PY) -m pytest --deselect tests/test_notebooks.py

# The comparisons with PyTorch, which skip without it: torch 2.13.0's CPU build, then every
# test file that asks for it (with pytest.importorskip("torch")).
test-torch: setup
	$(PY) -m pip install --quiet torch==2.13.0
	OPENBLAS_NUM_THREADS=1 $(PY) -m pytest -rs $$(grep -l 'importorskip("torch")' tests/test_*.py)

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis out
