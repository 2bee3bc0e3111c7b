# Two entry points: `make serve` and `make test`. Both install first.
VENV := .venv
STAMP := $(VENV)/.installed

.PHONY: install serve test test-fast bench check clean

install: $(STAMP)

$(STAMP): pyproject.toml scripts/install.sh
	bash scripts/install.sh
	touch $(STAMP)

serve: install
	$(VENV)/bin/edgewise serve

test: install
	$(VENV)/bin/python -m pytest -q

test-fast: install
	$(VENV)/bin/python -m pytest -q -m "not slow"

bench: install
	$(VENV)/bin/python benchmarks/bench_node.py

# Lint (pyflakes and pycodestyle errors, see [tool.ruff.lint]) and strict type checks; either failing fails.
check: install
	$(VENV)/bin/python -m ruff check src tests benchmarks
	$(VENV)/bin/python -m mypy src

clean:
	rm -rf $(VENV) build dist .pytest_cache
