"""Rasa's SQL tracker store, masking every event it writes and able to delete.

The bot already masks what users write before Rasa sees it (docs/privacy.md);
this store masks again, as defence in depth: whatever reaches an event (a
user's text, the parse data, message metadata, a bot reply, a slot) is
written with card, account, register and phone numbers, codes and e-mail
addresses masked (core/privacy.py, the same rules the bot uses). The
events Rasa keeps in memory for the running conversation are not changed.

Deletion: Rasa 3.6's HTTP API replaces a conversation's events with
`PUT /conversations/<id>/tracker/events`, but its SQL store only ever
appends. Here a conversation saved with no events at all (what that call
makes of an empty list) is deleted, rows and all, under Rasa's lock for the
conversation; the bot uses it for /forget, and `ask` and the warm-up for
their throw-away conversations. A brand-new conversation is also saved
empty once, where the delete finds nothing. The bot deletes the same rows
directly as well (rasa_side/events_table.py), so /forget and the
retention job work while Rasa is down.

Same arguments as SQLTrackerStore: SQLite and PostgreSQL alike
(endpoints.yml, deploy/endpoints.scale.yml).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

from rasa.core.tracker_store import SQLTrackerStore

from core.privacy import mask_deep
from rasa_side.events_table import delete_conversation, flush_deleted, secure_delete_sqlite

log = logging.getLogger(__name__)

secure_delete_sqlite()  # before Rasa opens the store's first connection

# Identifiers in an event's JSON, never personal data, written as they are:
# a message id is hex and may hold a run of digits that reads as an account
# number; intents come from the domain (and masking the ten-entry ranking
# of every message was most of the cost of a save).
KEEP = frozenset({"event", "message_id", "name", "policy", "input_channel", "timestamp", "intent",
                  "intent_ranking"})


class _MaskedEvent:
    """An event as the store writes it: same type, its JSON with every text masked."""

    __slots__ = ("_event", "type_name")

    def __init__(self, event: Any) -> None:
        self._event = event
        self.type_name = event.type_name

    def as_dict(self) -> dict[str, Any]:
        return mask_deep(self._event.as_dict(), KEEP)


class MaskedSQLTrackerStore(SQLTrackerStore):
    """SQLTrackerStore that writes events masked and deletes emptied conversations."""

    def _additional_events(self, session: Any, tracker: Any) -> Iterator[Any]:
        # Both Rasa's save and rasa_side/speed.py's one-INSERT save write exactly these
        # events, using only type_name and as_dict().
        for event in super()._additional_events(session, tracker):
            yield _MaskedEvent(event)

    async def save(self, tracker: Any) -> None:
        if not tracker.events:
            deleted = self.delete(tracker.sender_id)
            if deleted:
                log.info("tracker store: deleted a conversation (%d events)", deleted)
        await super().save(tracker)

    def delete(self, sender_id: str) -> int:
        """Deletes every stored event of one conversation; returns how many."""
        with self.engine.begin() as conn:
            deleted = delete_conversation(conn, sender_id)
        if deleted:
            flush_deleted(self.engine)
        return deleted
