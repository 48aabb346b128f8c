"""`python -m bot ask`: what the bot would answer, as JSON, through the real stack.

Maintainers use it before publishing FAQ changes; tests and evaluations use
it to drive the same pipeline as Telegram. It runs the Assistant in dry-run
mode (no tickets, no queued questions) as a fresh user per question, and
leaves nothing behind: the bot's tables are in memory and each question's
conversation is deleted from Rasa's store.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
from collections.abc import Iterable, Iterator
from typing import Any

from bot.assistant import Assistant, Chat
from bot.config import Config
from bot.rasa_client import RasaClient, RasaUnavailable
from bot.rasa_store import RasaStore
from bot.storage import Database


def read_inputs(args: argparse.Namespace) -> Iterator[tuple[str, bool]]:
    if args.jsonl:
        for line in sys.stdin:
            line = line.strip()
            if not line:
                continue
            if line.startswith("{"):
                item = json.loads(line)
                yield str(item.get("text", "")), bool(item.get("forwarded", args.forwarded))
            else:
                yield line, args.forwarded
    else:
        yield " ".join(args.text), args.forwarded


async def ask_one(assistant: Assistant, text: str, forwarded: bool, lang: str | None) -> dict[str, Any]:
    user_id = random.randint(10**12, 10**13)
    chat = Chat(user_id, user_id)
    if lang:
        assistant.db.update_settings(user_id, language=lang, language_chosen=True)
    try:
        outcome = await assistant.text(chat, text, forwarded=forwarded)
        meta = outcome.meta
        intent, confidence = meta.get("intent"), meta.get("intent_confidence")
        if outcome.error is None:
            try:
                latest = await assistant.rasa.latest_message(str(user_id))
                intent = (latest.get("intent") or {}).get("name", intent)
                confidence = (latest.get("intent") or {}).get("confidence", confidence)
            except RasaUnavailable:
                pass
    finally:
        # A look at an answer is not a conversation: none is left in Rasa's store.
        await assistant.forget(user_id)
    handoff = meta.get("handoff")
    return {
        "text": text,
        "language": outcome.language,
        "intent": intent,
        "intent_confidence": round(confidence, 4) if isinstance(confidence, float) else confidence,
        "topic": meta.get("topic"),
        "faq_id": meta.get("faq_id"),
        "faq_score": meta.get("faq_score"),
        "runners_up": meta.get("runners_up", []),
        "scam": meta.get("scam"),
        "handoff": {"reason": handoff.get("reason"), "topic": handoff.get("topic")} if handoff else None,
        "replies": [r.as_dict() for r in outcome.replies],
        "error": outcome.error,
    }


async def ask_all(config: Config, inputs: Iterable[tuple[str, bool]], lang: str | None) -> int:
    rasa = RasaClient(config.rasa_url, timeout=max(config.rasa_timeout, 30.0), token=config.rasa_auth_token())
    # The bot's tables in memory; Rasa's conversation is deleted after each question.
    assistant = Assistant(config, Database("sqlite://"), rasa, desk=None, dry_run=True,
                          conversations=RasaStore(config.rasa_tracker_url))
    failures = 0
    try:
        for text, forwarded in inputs:
            result = await ask_one(assistant, text, forwarded, lang)
            failures += result["error"] is not None
            print(json.dumps(result, ensure_ascii=False), flush=True)
    finally:
        await rasa.close()
    return 1 if failures else 0


def main(args: argparse.Namespace, config: Config) -> int:
    if not args.jsonl and not args.text:
        print("ask: give a text, or --jsonl to read lines from standard input", file=sys.stderr)
        return 2
    return asyncio.run(ask_all(config, read_inputs(args), args.lang))
