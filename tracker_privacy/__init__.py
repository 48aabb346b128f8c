"""Rasa's conversation store without personal data, and with deletion.

Runs inside Rasa's virtualenv (Python 3.10, SQLAlchemy 1.4) as
`type: tracker_privacy.store.MaskedSQLTrackerStore` in endpoints.yml;
`events_table` has no Rasa import, so the bot (SQLAlchemy 2) deletes
conversations with the very same statements. See docs/privacy.md.
"""
