# Two commands do everything on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: setup demo test test-fast lint bench clean graphviz

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The graphviz Python package needs the `dot` program from the system package.
graphviz:
	@if ! command -v dot >/dev/null 2>&1; then \
	  if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing the system graphviz package (dot)"; \
	    (apt-get install -y -q graphviz >/dev/null 2>&1 || \
	     (apt-get update -q >/dev/null 2>&1 && apt-get install -y -q graphviz >/dev/null)); \
	  else \
	    echo "graphviz's 'dot' is missing: run 'sudo apt-get install graphviz'" \
	         "(or 'brew install graphviz' on macOS), then run make again"; exit 1; \
	  fi; \
	fi

setup: $(STAMP) graphviz

demo: setup
	$(PY) -m autograd_app demo

# One BLAS thread: on a small shared machine, threaded OpenBLAS makes small linear algebra
# (the ELM's pseudo-inverse, notebook cells) many times slower, not faster.
test: setup lint
	OPENBLAS_NUM_THREADS=1 $(PY) -m pytest

# The inner loop: everything but the notebooks (which take a minute or two to execute).
test-fast: setup
	OPENBLAS_NUM_THREADS=1 $(PY) -m pytest --deselect tests/test_notebooks.py

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: setup
	$(PY) benchmarks/run.py

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .hypothesis out
