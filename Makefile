# Two commands: `make book` builds the website, `make test` runs every test.
# Both create .venv from the pinned requirements.txt first if it is missing or stale.

PYTHON ?= python3.11
VENV := .venv
BIN := $(abspath $(VENV))/bin
STAMP := $(VENV)/.installed
export PATH := $(BIN):$(PATH)
# Development and CI read the course data from the shared folder beside the checkout.
ifeq ($(CNN_COURSE_DATA),)
ifneq ($(wildcard ../shared/data/SHA256SUMS),)
export CNN_COURSE_DATA := $(abspath ../shared/data)
endif
endif
export TF_CPP_MIN_LOG_LEVEL ?= 2
export PYTHONHASHSEED ?= 0
PYTEST := $(BIN)/python -m pytest
MATHJAX := _vendor/mathjax/tex-mml-chtml.js

.PHONY: book test test-fast lint bench release demo setup clean data-release setup-cells publish
.DEFAULT_GOAL := book

setup: $(STAMP)

$(STAMP): requirements.txt pyproject.toml scripts/install-system-deps
	scripts/install-system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (cnn-course)"
	touch $@

$(MATHJAX): scripts/fetch-mathjax
	scripts/fetch-mathjax

book: $(STAMP) $(MATHJAX)
	$(BIN)/jupyter-book build --warningiserror --keep-going .
	@echo "Site: $(abspath _build/html/index.html)"

# One pytest run, one closing summary: the test suite plus nbval over every chapter, on TEST_WORKERS
# pytest-xdist workers that each take whole files (a notebook's cells share one kernel); 0: no workers.
TEST_WORKERS ?= 2
test: $(STAMP) $(MATHJAX)
	$(PYTEST) -n $(TEST_WORKERS) --dist loadfile --nbval-lax --nbval-current-env --nbval-cell-timeout=900 tests book

test-fast: $(STAMP)
	$(PYTEST) tests -m "not slow and not site"

lint: $(STAMP)
	$(BIN)/ruff check .

release: $(STAMP)
	$(BIN)/python -m autograder release --all

# The data release to upload as the assets of the repository's release data-<version> (README,
# "Running the course elsewhere"): archive, its SHA-256 and a manifest, from $(CNN_COURSE_DATA).
data-release: $(STAMP)
	$(BIN)/python -m cnn_course.data_release build --output _build/data-release

# Rewrite the setup cell of every chapter and assignment source from cnn_course/locations.py;
# run `make release` after it.
setup-cells: $(STAMP)
	$(BIN)/python -m cnn_course.setup_cell

# The student-facing tree for the public repository (REPOSITORY_URL in cnn_course/locations.py): book,
# site if built, released assignments, cnn_course, binder/, README; no solutions/, autograder/ or tests/.
PUBLIC ?= _build/public
publish: $(STAMP)
	$(BIN)/python -m autograder publish --output $(PUBLIC)

demo: $(STAMP)
	$(BIN)/python -m autograder demo

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf _build .pytest_cache
