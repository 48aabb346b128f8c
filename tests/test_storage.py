"""The bot's per-message storage: what a user would notice if it went wrong.

A new user must start with default settings; a reply must be remembered for
/repeat in its language; a user seen before must keep their choices; turns
must be kept, in order, for volunteers and statistics.
"""

from __future__ import annotations

import threading

import pytest

from bot.storage import Database


@pytest.fixture
def db(db_url: str) -> Database:
    return Database(db_url)


def test_first_contact_gets_default_settings_once(db: Database) -> None:
    first = db.settings(7)
    assert (first.language, first.language_chosen, first.voice) == (None, False, False)
    db.update_settings(7, language="mn", language_chosen=True, voice=True)
    again = db.settings(7)
    assert (again.language, again.language_chosen, again.voice) == ("mn", True, True)
    assert again.created_at == first.created_at


def test_a_choice_made_before_any_settings_exist_is_kept(db: Database) -> None:
    # e.g. `python -m bot ask --lang en` for a user never seen before.
    db.update_settings(8, language="en", language_chosen=True)
    chosen = db.settings(8)
    assert (chosen.language, chosen.language_chosen, chosen.voice) == ("en", True, False)


def test_reply_is_remembered_for_repeat_even_for_an_unknown_user(db: Database) -> None:
    db.settings(1)
    db.add_bot_turns(1, ["one", "two"], {"last_answer": "one\n\ntwo", "last_answer_lang": "en"},
                     language="en", intent="greet", topic=None, faq_id=None, answered=False)
    # A user whose settings row does not exist yet (e.g. a retried kept question).
    db.add_bot_turns(2, ["нэг"], {"last_answer": "нэг", "last_answer_lang": "mn"},
                     language="mn", intent=None, topic="banking", faq_id="b1", answered=True)
    assert (db.settings(1).last_answer, db.settings(1).last_answer_lang) == ("one\n\ntwo", "en")
    assert (db.settings(2).last_answer, db.settings(2).last_answer_lang) == ("нэг", "mn")
    # Other settings are left alone.
    db.update_settings(1, voice=True)
    db.add_bot_turns(1, ["three"], {"last_answer": "three", "last_answer_lang": "en"},
                     language="en", intent=None, topic=None, faq_id=None, answered=False)
    assert db.settings(1).voice is True


def test_turns_are_kept_in_order_with_their_labels(db: Database) -> None:
    db.add_turn(3, "user", "how do I block my card", language="en", intent="ask_banking")
    db.add_bot_turns(3, ["Call your bank."], {"last_answer": "Call your bank.", "last_answer_lang": "en"},
                     language="en", intent="ask_banking", topic="banking", faq_id="bank-block", answered=True)
    turns = db.recent_turns(3)
    assert [(t.role, t.text) for t in turns] == [("user", "how do I block my card"), ("bot", "Call your bank.")]
    assert turns[1].faq_id == "bank-block" and turns[1].answered is True
    assert all(t.created_at is not None for t in turns)


def test_two_replicas_meeting_a_new_user_at_once_both_go_on(db_url: str) -> None:
    # A message and a button press of a new user, handled by two bot replicas at the same moment.
    replicas = [Database(db_url), Database(db_url)]
    users = range(1000, 1040)
    start = threading.Barrier(2)
    failures: list[BaseException] = []

    def replica(db: Database, language: str) -> None:
        start.wait()
        for user in users:
            try:
                db.update_settings(user, language=language)
                db.settings(user)
            except BaseException as exc:  # noqa: BLE001 - reported below
                failures.append(exc)

    threads = [threading.Thread(target=replica, args=(db, lang)) for db, lang in zip(replicas, ("mn", "en"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert failures == []
    assert all(replicas[0].settings(user).language in ("mn", "en") for user in users)
