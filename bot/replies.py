"""What the bot says, independent of where it is shown.

Telegram renders a Reply as a message with an inline keyboard; the terminal
chat renders the same Reply with numbered choices. Keeping one shape for both
is what makes the terminal chat a faithful test of the Telegram bot.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from core.metadata import ActionOutcome, read_outcome

TELEGRAM_TEXT_LIMIT = 4096


@dataclass(frozen=True)
class Button:
    title: str
    data: str  # callback data: a Rasa payload ("/intent{...}") or a bot action ("lang:mn")


@dataclass
class Reply:
    text: str
    buttons: list[Button] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "buttons": [{"title": b.title, "payload": b.data} for b in self.buttons]}


def split_text(text: str, limit: int = TELEGRAM_TEXT_LIMIT) -> list[str]:
    """Splits a long text at paragraph, then line, then word boundaries."""
    if len(text) <= limit:
        return [text]
    chunks: list[str] = []
    rest = text
    while len(rest) > limit:
        cut = -1
        for sep in ("\n\n", "\n", " "):
            cut = rest.rfind(sep, 0, limit)
            if cut > 0:
                break
        if cut <= 0:
            cut = limit
        chunks.append(rest[:cut].rstrip())
        rest = rest[cut:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def from_rasa(messages: list[dict[str, Any]]) -> tuple[list[Reply], ActionOutcome]:
    """Rasa REST messages to Replies, plus the actions' merged metadata.

    Rasa's REST channel cuts every text at blank lines into separate
    messages; consecutive texts are joined again (up to the next buttons), so
    an answer arrives as one message with its buttons underneath, not as a
    burst of fragments a screen reader announces one by one.
    """
    replies: list[Reply] = []
    open_text = False
    meta: ActionOutcome = {}
    for msg in messages:
        outcome = read_outcome(msg.get("custom"))
        if outcome is not None:
            meta.update(outcome)
            continue
        text = msg.get("text") or ""
        buttons = [Button(str(b.get("title", "")), str(b.get("payload", "")))
                   for b in msg.get("buttons") or [] if b.get("payload")]
        if not (text or buttons):
            continue
        if open_text and replies:
            last = replies[-1]
            last.text = f"{last.text}\n\n{text}" if text else last.text
            last.buttons = buttons
        else:
            replies.append(Reply(text=text, buttons=buttons))
        open_text = not buttons
    return replies, meta
