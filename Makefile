# rnnkit: `make demo` runs the main job, `make test` runs the tests; each sets up .venv by itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test native lint docs docs-check bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[dev,docs]'
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
	$(BIN)/ruff check src tests benchmarks examples docs
	$(BIN)/mypy src
	$(BIN)/lint-imports --no-cache

# the documentation site, from docs/ into site/ (open site/index.html); --strict: any warning fails the build
docs: $(STAMP)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --quiet

# the built site in headless Chromium (Debian's package, installed here when missing): home page, a guide,
# navigation, search, the API reference; screenshots in build/docs-check/ (see docs/check_site.py)
docs-check: docs
	@command -v chromium >/dev/null || (command -v apt-get >/dev/null \
		&& (apt-get update -q && apt-get install -y -q chromium) >/dev/null 2>&1) || true
	@if command -v chromium >/dev/null; then CHROMIUM="$$(command -v chromium)" $(BIN)/python docs/check_site.py; \
	elif [ -n "$$CI" ]; then echo "docs-check: Chromium could not be installed (apt-get install chromium)" >&2; exit 1; \
	else echo "note: no Chromium here (apt-get install chromium): the browser check of the site was skipped"; fi

test: $(STAMP) native lint docs docs-check
	$(BIN)/python -m pytest -q src tests

bench: $(STAMP) native
	$(BIN)/python benchmarks/seed_workload.py
	$(BIN)/python benchmarks/speed.py

clean:
	rm -rf $(VENV) build site *.egg-info src/*.egg-info
