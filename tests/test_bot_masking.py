"""The bot masks what people write before Rasa, or any store, gets it; /forget reaches Rasa too.

Rasa is a recording stand-in here: what it is sent is exactly what Rasa's
tracker store would keep.
"""

from __future__ import annotations

import asyncio
from typing import Any

from bot.assistant import Assistant, Chat
from bot.config import Config
from bot.delivery import parts_of
from bot.rasa_client import RasaUnavailable
from bot.storage import Database, PendingQuestion

CARD, PHONE, CODE = "4000 1234 5678 9010", "+976 99112233", "482913"
TEXT = f"my card {CARD} and phone {PHONE}, the code is {CODE}"


class RecordingRasa:
    def __init__(self, up: bool = True) -> None:
        self.up = up
        self.sent: list[tuple[str, str, dict[str, Any]]] = []
        self.forgotten: list[str] = []

    async def send(self, sender: str, message: str, metadata: dict[str, Any]) -> list[dict[str, Any]]:
        if not self.up:
            raise RasaUnavailable("down")
        self.sent.append((sender, message, metadata))
        return [{"text": "Call your bank."}]

    async def healthy(self) -> bool:
        return self.up

    async def forget(self, sender: str) -> bool:
        self.forgotten.append(sender)
        return self.up


class RecordingStore:
    def __init__(self) -> None:
        self.forgotten: list[str] = []

    def forget(self, sender: str) -> int:
        self.forgotten.append(sender)
        return 3


def assistant(rasa: RecordingRasa, store: RecordingStore | None = None) -> Assistant:
    return Assistant(Config(), Database("sqlite://"), rasa, conversations=store)


def test_rasa_never_gets_the_raw_numbers_of_a_question() -> None:
    rasa = RecordingRasa()
    asyncio.run(assistant(rasa).text(Chat(5, 5), TEXT))
    (_, message, metadata), = rasa.sent
    assert CARD not in message and "99112233" not in message and CODE not in message
    assert "4000 **** **** 9010" in message and "[phone]" in message and "[code]" in message


def test_a_forwarded_message_reaches_the_scam_check_masked() -> None:
    rasa = RecordingRasa()
    asyncio.run(assistant(rasa).text(Chat(5, 5), TEXT, forwarded=True))
    (_, message, metadata), = rasa.sent
    assert message == "/check_message" and metadata["forwarded"] is True
    assert CARD not in metadata["forwarded_text"] and "[code]" in metadata["forwarded_text"]


def test_a_kept_question_is_masked_and_loses_its_text_once_answered() -> None:
    rasa = RecordingRasa(up=False)
    bot = assistant(rasa)
    asyncio.run(bot.text(Chat(5, 5), TEXT))
    (kept,) = bot.db.open_pending()
    assert CARD not in kept.text and "[phone]" in kept.text
    rasa.up = True
    ((question, outcome),) = asyncio.run(bot.retry_pending())
    assert CARD not in outcome.spoken_text
    # Done only once Telegram took the answer (bot/delivery.py): then the text goes.
    answer_id = bot.db.keep_answer(user_id=5, chat_id=5, language=outcome.language,
                                   parts=parts_of(outcome.replies), pending_id=question.id)
    bot.db.answer_delivered(answer_id)
    with bot.db.session() as s:
        row = s.get(PendingQuestion, kept.id)
    assert row.answered_at is not None and row.text == ""


def test_forget_deletes_the_conversation_in_rasa_too() -> None:
    rasa, store = RecordingRasa(), RecordingStore()
    bot = assistant(rasa, store)
    asyncio.run(bot.text(Chat(5, 5), TEXT))
    asyncio.run(bot.command(Chat(5, 5), "forget"))
    assert store.forgotten == ["5"] and rasa.forgotten == ["5"]
    assert bot.db.recent_turns(5) == []
