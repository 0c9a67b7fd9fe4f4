# gongzhi — two commands: `make demo` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := gongzhi.settings

.PHONY: demo test test-sqlite test-postgres bench lint format static venv clean lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip uv==0.13.8

# The environment is rebuilt when the lock file changes.
$(VENV)/.installed: requirements.lock pyproject.toml | $(BIN)/python
	$(BIN)/uv pip install -q -p $(BIN)/python -r requirements.lock
	$(BIN)/uv pip install -q -p $(BIN)/python --no-deps -e .
	touch $@

venv: $(VENV)/.installed

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund

gongzhi/static/vendor/.built: node_modules/.package-lock.json scripts/build-static.mjs
	node scripts/build-static.mjs
	touch $@

static: gongzhi/static/vendor/.built

lock:
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

demo: venv static
	$(BIN)/gongzhi migrate --noinput
	$(BIN)/gongzhi demo --if-empty
	$(BIN)/gongzhi sweep
	$(BIN)/gongzhi runserver 127.0.0.1:$(PORT)

test: venv static
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/gongzhi makemigrations --check --dry-run
	$(BIN)/pytest

bench: venv static
	$(BIN)/python -m bench

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) node_modules gongzhi/static/vendor var
