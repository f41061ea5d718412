# Two commands: `make book` builds the website, `make test` runs every test.
# Both create .venv from the development lock requirements/dev.txt first if it is missing or stale.

# The interpreter that creates .venv: the first of these that runs Python 3.11 to 3.13 (the versions the
# course supports, pyproject.toml's requires-python). `make PYTHON=/path/to/python` overrides it.
PYTHON_CANDIDATES := python3.13 python3.12 python3.11 python3
SUPPORTED_PYTHON := import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 13))
PYTHON ?= $(firstword $(foreach candidate,$(PYTHON_CANDIDATES),$(shell $(candidate) -c '$(SUPPORTED_PYTHON)' >/dev/null 2>&1 && echo $(candidate))))
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

.PHONY: book test test-fast test-platforms lint lock bench release demo setup clean data-release setup-cells publish
.DEFAULT_GOAL := book

setup: $(STAMP)

$(STAMP): requirements/dev.txt pyproject.toml scripts/install-system-deps
	@test -n "$(PYTHON)" && $(PYTHON) -c '$(SUPPORTED_PYTHON)' || { echo "error: no Python 3.11 to 3.13 found \
	(tried $(or $(PYTHON),$(PYTHON_CANDIDATES))): install one (e.g. apt-get install python3 python3-venv) or run make PYTHON=/path/to/python3.X" >&2; exit 1; }
	scripts/install-system-deps
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -r requirements/dev.txt
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
	$(PYTEST) -n $(TEST_WORKERS) --dist loadfile --durations=15 -m "not platforms" --nbval-lax --nbval-current-env --nbval-cell-timeout=900 tests book

test-fast: $(STAMP)
	$(PYTEST) tests -m "not slow and not site and not platforms"

# Other platforms, made on this machine (tests/portability, marker `platforms`): a Debian 13 root with
# Python 3.13 runs the README's commands, fresh virtual environments install the grader and a Colab-like
# runtime. Slow (downloads TensorFlow, builds a Debian root once, cached in ~/.cache/cnn-course-platforms).
test-platforms: $(STAMP)
	$(PYTEST) -n 0 -m platforms tests/portability

# One lock per role, universal (every platform, Python 3.11 to 3.13) and hashed, from pyproject.toml's extras
# and cnn_course/pyproject.toml: keeps the locked versions where they still fit; `make lock UPGRADE=1` takes the newest.
UV_COMPILE = $(BIN)/uv pip compile --universal --generate-hashes --python-version 3.11 --quiet \
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)
lock: $(STAMP)
	$(UV_COMPILE) pyproject.toml --extra dev -o requirements/dev.txt
	$(UV_COMPILE) pyproject.toml --extra grader -o requirements/grader.txt
	$(UV_COMPILE) pyproject.toml --extra book -o requirements/book.txt
	$(UV_COMPILE) cnn_course/pyproject.toml --extra tensorflow -o requirements/course.txt

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

# A sample class's term in demo-course/, from the LMS's submission zip (LMS=moodle or canvas) to grades,
# feedback and the class report (README, "Grading with it").
LMS ?= moodle
demo: $(STAMP)
	$(BIN)/python -m autograder demo --lms $(LMS)

bench: $(STAMP)
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf _build .pytest_cache
