# `make demo` and `make test` do every set-up step themselves on a fresh Debian, Ubuntu or
# Raspberry Pi OS machine: system packages where missing, a .venv, and the project in it.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.test-tools

.PHONY: demo test soak lint setup clean

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/system-packages.sh
	scripts/system-packages.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test,train]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/voicecoach demo --save demo-conversation.wav

# What only the tests need (a headless browser), kept out of what the coach itself installs.
$(TEST_STAMP): $(STAMP) scripts/system-packages.sh
	scripts/system-packages.sh --tests
	touch $(TEST_STAMP)

test: $(TEST_STAMP)
	$(BIN)/python -m pytest -q
	$(BIN)/ruff check voicecoach tests scripts
	$(BIN)/mypy

# Ten minutes of real time on the virtual microphone: memory, threads, every command obeyed.
soak: $(STAMP)
	$(BIN)/python scripts/soak --minutes 10 --json reliability-results/soak.json

lint: $(STAMP)
	$(BIN)/ruff check voicecoach tests scripts
	$(BIN)/mypy

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
