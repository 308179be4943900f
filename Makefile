# The two commands of the README, and a few instructor shortcuts.
#   make lab    set up (once) and open the course in JupyterLab
#   make test   set up (once) and run the full test suite
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.nnkit-installed

.PHONY: setup lab instructor test test-browser build verify benchmark bench-browser clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[course,test]'
	touch $(STAMP)

# JupyterLab refuses to run as root unless told; containers and CI often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

# Students work in work/ (git-ignored copies of chapters/, never overwritten; see
# nnkit/course/student_copy.py), so a `git pull` of a new release cannot touch their answers.
# lab-config/ (first on JUPYTER_CONFIG_PATH) turns nbgrader's instructor tools off for this lab:
# no Formgrader, Create Assignment, course or assignment list; students keep Validate.
STUDENT_JUPYTER := JUPYTER_CONFIG_PATH=$(CURDIR)/lab-config$(if $(JUPYTER_CONFIG_PATH),:$(JUPYTER_CONFIG_PATH),)
lab: setup
	$(BIN)/python -m nnkit.course.student_copy work
	$(STUDENT_JUPYTER) $(BIN)/jupyter lab work/ $(ROOT_FLAG)

# The instructor's JupyterLab at the course root (the default term; see README "A term, step
# by step"): nbgrader's Formgrader, assignment and course tools are on.
instructor: setup
	$(BIN)/jupyter lab $(ROOT_FLAG)

test: setup
	$(BIN)/python -m pytest

test-browser: setup
	$(BIN)/python -m pytest tests/browser

build: setup
	$(BIN)/nnkit build

verify: setup
	$(BIN)/nnkit verify

benchmark: setup
	$(BIN)/python benchmarks/bench_epoch.py

bench-browser: setup
	NNKIT_E2E_MOVES=15 NNKIT_E2E_REDRAW_MD=benchmarks/browser_redraw.md $(BIN)/python -m pytest tests/browser -q -s

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
