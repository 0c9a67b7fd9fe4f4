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

# The platform as production runs it, on SQLite with demo data: gunicorn (DEBUG off, static files
# by whitenoise), the task worker and the scheduler, started and stopped together by `gongzhi
# serve` (Ctrl-C stops all three). The keys below are THE DEMO'S: public, fixed, for this machine's
# demo database only; a deployment sets its own in /etc/gongzhi/gongzhi.env (docs/deploy.md).
# GONGZHI_DEMO_MODE=1 says so explicitly: with DEBUG off, the production checks refuse demo keys
# unless demo mode is on.
# Plain HTTP on 127.0.0.1, so no HTTPS redirect and no secure-only cookies.
demo: venv static
	GONGZHI_DEBUG=0 GONGZHI_HTTPS=0 GONGZHI_SECURE_COOKIES=0 \
	GONGZHI_DEMO_MODE=1 \
	GONGZHI_SECRET_KEY=gongzhi-demo-insecure-key-change-me-in-production-0123456789 \
	GONGZHI_FIELD_KEYS=demo1:aes:A7lhx7s0D2jjzsmN6P5dzxFMur3SsG7/wVaY3qPiqfo= \
	GONGZHI_BLIND_INDEX_KEY=iK8VIU1faXxal2TVoXcJAZP1NjpWUuA0mWN3+hsXCP8= \
	$(BIN)/gongzhi serve --demo --port $(PORT)

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
