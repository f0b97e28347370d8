# rnnkit: `make demo` runs the main job, `make test` runs the tests; each sets up .venv by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test native lint bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev]'
	@command -v espeak-ng >/dev/null || (command -v apt-get >/dev/null && apt-get install -y -q espeak-ng >/dev/null 2>&1) \
		|| echo "note: espeak-ng is not installed (speech synthesis tests will skip)"
	touch $(STAMP)

# rnnkit's C++ kernels, compiled once per machine (PyTorch's kernels run when this fails)
native: $(STAMP)
	@$(BIN)/rnnkit native build || echo "note: the native kernels were not built; PyTorch's kernels run instead"

demo: $(STAMP) native
	$(BIN)/rnnkit demo

# style, types, and the import contracts of pyproject.toml (imports run one way: docs/architecture.md)
lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/mypy src
	$(BIN)/lint-imports --no-cache

test: $(STAMP) native lint
	$(BIN)/python -m pytest -q src tests

bench: $(STAMP) native
	$(BIN)/python benchmarks/seed_workload.py
	$(BIN)/python benchmarks/speed.py

clean:
	rm -rf $(VENV) build *.egg-info src/*.egg-info
