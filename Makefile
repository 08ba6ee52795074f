# pilkada — two commands for a new user: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
VOTERS ?= 50000
SEED   ?= 2024
HOST   ?= 127.0.0.1
PORT   ?= 8000
# The demo election runs on a fixed clock inside the coklit stage, so every screen has work.
DEMO_TODAY ?= 2024-07-01

export PILKADA_DATA_DIR ?= $(CURDIR)/var

PO_FILES := $(wildcard src/pilkada/locale/*/LC_MESSAGES/django.po src/pilkada/*/locale/*/LC_MESSAGES/django.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: run test install lint format messages translations bench clean lock

$(BIN)/pilkada: pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e '.[dev]'
	touch $@

%.mo: %.po
	msgfmt --check -o $@ $<

messages: $(MO_FILES)

# Refresh the English catalogues after changing Indonesian strings; then translate the new
# empty msgstr entries (tests/core/test_core_translations.py lists what is missing).
translations: install
	for app in $(dir $(wildcard src/pilkada/*/apps.py)); do \
	  (cd $$app && mkdir -p locale && $(CURDIR)/$(BIN)/pilkada makemessages -l en \
	     --no-obsolete >/dev/null); done

install: $(BIN)/pilkada messages

run: install
	PILKADA_TODAY=$(DEMO_TODAY) $(BIN)/pilkada setup
	PILKADA_TODAY=$(DEMO_TODAY) $(BIN)/pilkada demo --voters $(VOTERS) --seed $(SEED)
	PILKADA_TODAY=$(DEMO_TODAY) PILKADA_HTTPS=0 $(BIN)/pilkada serve --host $(HOST) --port $(PORT)

lint: install
	$(BIN)/ruff check src tests bench

format: install
	$(BIN)/ruff format src tests bench
	$(BIN)/ruff check --fix src tests bench

# The whole suite: lint, then every test (browser tests included) on the database that
# DATABASE_URL names (SQLite by default).
test: lint
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install
	$(BIN)/python bench/synth_population.py

# Regenerate the lock (constraints.txt) from a fresh resolve of pyproject.toml's ranges.
lock:
	rm -rf .venv-lock && $(PYTHON) -m venv .venv-lock
	.venv-lock/bin/python -m pip install --quiet --upgrade "pip>=24"
	.venv-lock/bin/python -m pip install --quiet '.[dev]'
	{ echo "# Lock file: the exact versions CI and make install (pip install -c constraints.txt)."; \
	  echo "# Regenerate after changing pyproject.toml: make lock"; \
	  .venv-lock/bin/python -m pip freeze --exclude pilkada; } > constraints.txt
	rm -rf .venv-lock

clean:
	rm -rf $(VENV) var build dist src/*.egg-info $(MO_FILES)
