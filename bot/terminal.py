"""A terminal chat through the same Assistant as Telegram.

Buttons are shown as numbered choices; typing the number presses the button.
`/forward TEXT` stands in for forwarding a message, which a terminal cannot do.
"""

from __future__ import annotations

import asyncio
import sys
from typing import Any, TextIO

from bot.assistant import Assistant, Chat, Outcome
from bot.replies import Button

HELP = ("Terminal chat. Type a question, a command such as /start or /menu, a number to press a "
        "button, /forward TEXT to check a message as if forwarded, /quit to leave.")


def render(outcome: Outcome, out: TextIO) -> list[Button]:
    shown: list[Button] = []
    for reply in outcome.replies:
        out.write(f"\nKhotoch: {reply.text}\n")
        for button in reply.buttons:
            shown.append(button)
            out.write(f"  {len(shown)}. {button.title}\n")
    out.flush()
    return shown


async def speak(outcome: Outcome, speaker: Any | None, assistant: Assistant, user_id: int,
                out: TextIO) -> None:
    if not (outcome.speak and speaker and outcome.spoken_text):
        return
    rate = assistant.db.settings(user_id).rate
    clip = await speaker.speak(outcome.spoken_text, lang=outcome.language, rate=rate)
    if clip is not None:
        out.write(f"  [voice message: {clip.path} ({clip.duration:.1f} s, {clip.engine})]\n")
        out.flush()


async def chat_loop(assistant: Assistant, speaker: Any | None = None, user_id: int = 1,
                    inp: TextIO = sys.stdin, out: TextIO = sys.stdout,
                    retry_interval: float = 30.0) -> None:
    chat = Chat(user_id=user_id, chat_id=user_id)
    loop = asyncio.get_running_loop()
    out.write(HELP + "\n")
    buttons = render(await assistant.command(chat, "start"), out)

    async def retry() -> None:
        while True:
            await asyncio.sleep(retry_interval)
            for question, outcome in await assistant.retry_pending():
                render(outcome, out)
                assistant.db.mark_pending(question.id, answered=True)

    retry_task = asyncio.create_task(retry())
    try:
        while True:
            out.write("\nYou: ")
            out.flush()
            line = await loop.run_in_executor(None, inp.readline)
            if not line:
                break
            line = line.strip()
            if line in ("/quit", "/exit"):
                break
            if line.isdigit() and 1 <= int(line) <= len(buttons):
                outcome = await assistant.press(chat, buttons[int(line) - 1].data)
            elif line.startswith("/forward"):
                outcome = await assistant.text(chat, line.removeprefix("/forward"), forwarded=True)
            elif line.startswith("/"):
                words = line[1:].split()
                outcome = await assistant.command(chat, words[0].lower() if words else "", " ".join(words[1:2]))
            else:
                outcome = await assistant.text(chat, line)
            buttons = render(outcome, out)
            await speak(outcome, speaker, assistant, user_id, out)
    finally:
        retry_task.cancel()
