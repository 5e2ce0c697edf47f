# Two commands: `make run` serves the app, `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test install install-test browser lint lock bench clean

# Installs come from the lock files (exact versions, made by `make lock`); pyproject.toml keeps
# the ranges. pip and setuptools are brought up to date first.
$(VENV)/.installed: pyproject.toml requirements.lock
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip setuptools
	$(PY) -m pip install -q -r requirements.lock
	$(PY) -m pip install -q --no-deps -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed requirements-test.lock
	$(PY) -m pip install -q -r requirements-test.lock
	touch $@

# Refresh the lock files: the newest versions within pyproject.toml's ranges (for Python
# 3.11 on this platform); the app's lock is the test lock's subset. Review, test, commit.
lock:
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade uv
	$(VENV)/bin/uv pip compile pyproject.toml --extra test --python-version 3.11 --upgrade \
	  -o requirements-test.lock
	$(VENV)/bin/uv pip compile pyproject.toml --python-version 3.11 -c requirements-test.lock \
	  -o requirements.lock

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

run: install
	$(PY) -m streamlit run app.py --server.address localhost --server.port $(PORT)

# Debian's Chromium for the browser test (skipped by the install only if already present).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; fi; }

# Code health (issue 7): lint everywhere; formatting and types enforced on model/.
lint: install-test
	$(VENV)/bin/ruff check model tests ui app.py benchmarks
	$(VENV)/bin/ruff format --check model
	$(VENV)/bin/mypy model

test: install-test browser lint
	$(PY) -m pytest

bench: install-test
	$(PY) benchmarks/bench_inference.py

clean:
	rm -rf $(VENV) .pytest_cache
