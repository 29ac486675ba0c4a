# The two commands of the README: `make lab` and `make test`. Both set up .venv first;
# the install reruns only when pyproject.toml changes (the stamp file is newer otherwise).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup lab test test-second-isa lint unit notebooks browser-setup benchmarks site clean

setup: $(STAMP)

# TensorFlow: where the Python we start from already has it (a GPU box, Colab, a lab
# image), the venv sees that build and installs none; elsewhere it gets the CPU build.
# `make setup TF_EXTRA=gpu` asks for PyPI's CUDA build instead.
HAS_TF := $(shell $(PYTHON) -c "import importlib.util as u; print(u.find_spec('tensorflow') is not None)" 2>/dev/null)
ifeq ($(HAS_TF),True)
TF_EXTRA ?=
VENV_FLAGS := --system-site-packages
else
TF_EXTRA ?= cpu
VENV_FLAGS :=
endif
comma := ,
EXTRAS := $(if $(TF_EXTRA),$(TF_EXTRA)$(comma))dev

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV_FLAGS) $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[$(EXTRAS)]"
	touch $(STAMP)

# Jupyter refuses to run as root unless told; containers and CI machines often are root.
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $$([ "$$(id -u)" = 0 ] && echo --allow-root)

NBVAL := --nbval notebooks --nbval-sanitize-with notebooks/nbval_sanitize.cfg

# A second numeric configuration: oneDNN capped at another instruction set, so that other
# convolution and matmul kernels add the same sums in another order, and lessons 04-06 take
# the float32 path a CPU without bfloat16 takes. AVX2 where the CPU has AVX-512 (a
# learner's AVX2 laptop); AVX (no FMA: other roundings) where AVX2 is already the top.
SECOND_ISA ?= $(shell grep -qw avx512f /proc/cpuinfo 2>/dev/null && echo AVX2 || echo AVX)

# Everything CI checks: lint, unit tests (browser tests included), every shipped network
# against its recorded test accuracy, strict nbval, then all but lint once more under the
# second configuration.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	VIZCNN_QUICK=1 $(BIN)/pytest -p no:cacheprovider tests
	$(BIN)/python -m vizcnn.course.runs verify
	VIZCNN_QUICK=1 $(BIN)/pytest -p no:cacheprovider $(NBVAL)
	$(MAKE) --no-print-directory test-second-isa

# The browser tests check widgets and the keras.applications tests graphs, not numbers:
# they run once, above.
test-second-isa: $(STAMP)
	@echo "second numeric configuration: ONEDNN_MAX_CPU_ISA=$(SECOND_ISA)"
	ONEDNN_MAX_CPU_ISA=$(SECOND_ISA) VIZCNN_QUICK=1 $(BIN)/pytest -p no:cacheprovider \
		-m "not browser and not applications" tests
	ONEDNN_MAX_CPU_ISA=$(SECOND_ISA) $(BIN)/python -m vizcnn.course.runs verify
	ONEDNN_MAX_CPU_ISA=$(SECOND_ISA) VIZCNN_QUICK=1 $(BIN)/pytest -p no:cacheprovider $(NBVAL)

# The course website from the stored notebooks (no execution, no network): build/site/.
# make test builds it too (tests/test_site_build.py, tests/browser/test_site_in_browser.py).
site: $(STAMP)
	$(BIN)/python docs/site/build_site.py

benchmarks: $(STAMP)
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
