#!/usr/bin/env bash
# Trains the Rasa model only when its inputs changed since the last training.
# A content hash, not file times: a fresh clone has new times but the same data.
set -euo pipefail
cd "$(dirname "$0")/.."
# rasa_side/ holds the custom classifier's code, core/script.py the key its
# features are built from, and core/privacy.py finds the numbers its reading
# types (question_reading.py): a change to any changes the features a trained
# model expects. Its server start-up, speed layers and tracker store do not,
# so they are left out of the hash.
hash=$(cat config.yml domain.yml $(find nlu_data -name '*.yml' | sort) \
  $(find rasa_side -name '*.py' ! -name server.py ! -name speed.py ! -name tracker_store.py ! -name events_table.py | sort) \
  core/script.py core/privacy.py | sha256sum | cut -d' ' -f1)
if [ -f models/khotoch.tar.gz ] && [ "$(cat models/.train-hash 2>/dev/null)" = "$hash" ]; then
  exit 0
fi
echo "training the Rasa model (training data changed) ..."
start=$(date +%s)
SQLALCHEMY_SILENCE_UBER_WARNING=1 .venv-rasa/bin/rasa train --data nlu_data --config config.yml \
  --domain domain.yml --out models --fixed-model-name khotoch --quiet
echo "$hash" > models/.train-hash
echo "trained in $(( $(date +%s) - start )) s"
