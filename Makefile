# Two commands: `make run` (the whole study -> report/) and `make test` (the suite).
# Both build .venv from the pinned, hashed lock file the first time and whenever it changes.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test lint typecheck layers kernel bench results-table lock clean

run: $(STAMP)
	$(BIN)/fashionlab run

test: $(STAMP) lint typecheck layers
	$(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks docs
	$(BIN)/ruff format --check src tests benchmarks docs

typecheck: $(STAMP)
	$(BIN)/mypy src benchmarks docs

# The import layers of pyproject.toml's [tool.importlinter]: imports only go down
layers: $(STAMP)
	$(BIN)/lint-imports

# Register this venv as the Jupyter kernel "fashionlab", which notebooks/assignment.ipynb names,
# in the venv's own share/jupyter (KERNEL_PREFIX=DIR registers it under DIR, as the suite does)
KERNEL_PREFIX ?= $(VENV)
kernel: $(STAMP)
	$(BIN)/python -m ipykernel install --prefix $(KERNEL_PREFIX) --name fashionlab --display-name "Python (fashionlab)"

bench: $(STAMP)
	$(BIN)/python benchmarks/bench_logistic.py
	$(BIN)/python benchmarks/bench_tsne.py
	$(BIN)/python benchmarks/bench_network.py
	$(BIN)/python benchmarks/bench_run.py
	$(BIN)/python benchmarks/bench_atlas.py

# The README's results table, from the last `make run`
results-table: $(STAMP)
	$(BIN)/python -m fashionlab.cli.results_table report/results.json

$(STAMP): requirements.lock pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Maintainers only: re-resolve the lock (needs uv). Pins exact versions with hashes, no index URLs.
lock:
	uv pip compile pyproject.toml --extra dev --universal --python-version 3.10 \
		--generate-hashes --no-header -o requirements.lock

# report/ and explore/ go only if fashionlab wrote all they hold (their manifests say so)
clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	PYTHONPATH=src $(PYTHON) -m fashionlab.files.clean report explore
