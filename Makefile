# mlgate: `make demo` runs the template end to end, `make test` runs the test suite.
# Both create and reuse .venv (Python 3.11+) and install what they need into it.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
export PATH := $(abspath $(BIN)):$(PATH)
export DVC_NO_ANALYTICS := 1
export GX_ANALYTICS_ENABLED := false
# one ruff cache at the root: the template folder has its own ruff.toml and must stay clean
export RUFF_CACHE_DIR := $(abspath .ruff_cache)

.DEFAULT_GOAL := help
.PHONY: help venv lock demo test lint format bench docs suites dist publish clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-7s %s\n", $$1, $$2}'

venv: $(STAMP) ## create .venv with mlgate (editable) and the dev tools, as uv.lock pins them

# uv installs what uv.lock pins (pip would resolve anew: other versions, and ~2.5 minutes
# instead of ~10 s). uv itself comes from pip into the venv; the lock then keeps it.
$(BIN)/uv:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet "uv==0.13.9"

$(STAMP): pyproject.toml uv.lock | $(BIN)/uv
	UV_PROJECT_ENVIRONMENT=$(VENV) $(BIN)/uv sync --quiet --locked --extra dev
	touch $@

lock: | $(BIN)/uv ## after editing pyproject.toml's dependencies: resolve uv.lock anew (commit it)
	$(BIN)/uv lock

demo: $(STAMP) ## render the default project into ./demo: pipeline, gate, drift, serve + verify, check
	$(BIN)/python tools/demo.py

# uv installs no bytecode: the tests write it as they import (PYTHONDONTWRITEBYTECODE, if the
# machine sets it, would make every process compile GX and scikit-learn from source again).
test: $(STAMP) ## run the whole test suite (one process per core, see tests/conftest.py)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -n auto --dist loadscope

lint: $(STAMP) ## ruff on mlgate, the hooks, the tests and the template's Python files
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP) ## format mlgate and the template's Python files
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .
	$(BIN)/ruff format --isolated --line-length 100 "{{cookiecutter.project_slug}}"

bench: $(STAMP) ## time to green; CLI start-up and gate latency; drift at scale (~3 GB in /tmp); mlgate check; the service under load; the image (podman)
	$(BIN)/python bench/time_to_green.py
	$(BIN)/python bench/cli_startup.py
	$(BIN)/python bench/drift.py
	$(BIN)/python bench/check.py
	$(BIN)/python bench/serve.py
	$(BIN)/python bench/image.py

docs: $(STAMP) ## regenerate docs/rules.md from the checker's rule classes
	$(BIN)/python -m mlgate.check.docs docs/rules.md

suites: $(STAMP) ## regenerate the sample data sets' GX suites (review the diff!)
	$(BIN)/python tools/make_suites.py

# A release (.github/workflows/release.yml) runs these on the tag; they work on a laptop too.
# The version comes from the git tag (hatch-vcs); RELEASE_TAG=vX.Y.Z makes check_dist insist
# on it. The shell, not make, expands it: a tag name may hold `$`, `;` or backquotes.
export RELEASE_TAG
dist: | $(BIN)/uv ## build the sdist and wheel into dist/ and check them (RELEASE_TAG=vX.Y.Z: of that version)
	rm -rf dist
	$(BIN)/uv build --quiet --out-dir dist
	$(BIN)/python tools/check_dist.py dist $${RELEASE_TAG:+--tag "$$RELEASE_TAG"}

publish: | $(BIN)/uv ## upload dist/ to PyPI (from the release workflow: trusted publishing, no token)
	$(BIN)/uv publish --trusted-publishing automatic dist/*

clean: ## remove the virtual environment, the demo and caches
	rm -rf $(VENV) demo .pytest_cache .ruff_cache
