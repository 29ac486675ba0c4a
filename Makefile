# The two commands of the README: `make lab` and `make test`. Both set up .venv first;
# the install reruns only when pyproject.toml changes (the stamp file is newer otherwise).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup lab test lint unit notebooks browser-setup benchmarks clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	touch $(STAMP)

# Jupyter refuses to run as root unless told; containers and CI machines often are root.
lab: $(STAMP)
	$(BIN)/jupyter lab notebooks/ $$([ "$$(id -u)" = 0 ] && echo --allow-root)

# Everything CI checks: lint, unit tests (browser tests included), strict nbval.
test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	VIZCNN_QUICK=1 $(BIN)/pytest -p no:cacheprovider tests
	VIZCNN_QUICK=1 $(BIN)/pytest -p no:cacheprovider --nbval notebooks \
		--nbval-sanitize-with notebooks/nbval_sanitize.cfg

benchmarks: $(STAMP)
	for script in benchmarks/*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache
