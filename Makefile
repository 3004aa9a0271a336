# Two commands for a fresh machine (README.md):  make run   |   make test
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint bench desktop mutate

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	# torch first and pinned: a bare requirement would pull a multi-GB CUDA build
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e '.[test,train]'
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/colorizer $(ARGS)

test: $(STAMP)
	QT_QPA_PLATFORM=offscreen $(PY) -m pytest -q -p no:cacheprovider
	$(VENV)/bin/ruff check .

lint: $(STAMP)
	$(VENV)/bin/ruff check .

bench: $(STAMP)
	for b in benchmarks/bench_*.py; do $(PY) $$b || exit 1; done

desktop: $(STAMP)
	$(PY) packaging/install_desktop_entry.py

# Mutation testing of the colour maths (model/lab/); one thread per mutant: forked OpenMP hangs
mutate: $(STAMP)
	$(PY) -m pip install -q mutmut
	rm -rf mutants
	OMP_NUM_THREADS=1 $(VENV)/bin/mutmut run --max-children 2 || true
	@echo "survived: $$($(VENV)/bin/mutmut results | grep -c survived) of $$($(VENV)/bin/mutmut results --all true | grep -c ': ')"
