"""The "typing..." indicator: shown during a noticeable wait, never after the answer."""

from __future__ import annotations

import asyncio

import pytest

from bot.telegram_app import TelegramFrontend


class Front(TelegramFrontend):
    def __init__(self, typing_after: float) -> None:
        super().__init__(assistant=None, speaker=None, typing_after=typing_after)  # type: ignore[arg-type]
        self.events: list[str] = []

    async def typing(self, update: object) -> None:
        self.events.append("typing sent")
        await asyncio.sleep(0.05)  # a Bot API round trip
        self.events.append("typing done")


async def answer_after(front: Front, seconds: float) -> str:
    await asyncio.sleep(seconds)
    front.events.append("answer")
    return "answer"


def test_a_quick_answer_has_no_indicator() -> None:
    async def run() -> list[str]:
        front = Front(typing_after=0.3)
        assert await front._typing_while(None, answer_after(front, 0.01)) == "answer"
        await asyncio.sleep(0.4)  # a cancelled indicator must not go out later either
        return front.events
    assert asyncio.run(run()) == ["answer"]


def test_a_slow_answer_shows_typing_first_and_waits_for_it() -> None:
    async def run() -> list[str]:
        front = Front(typing_after=0.02)
        await front._typing_while(None, answer_after(front, 0.03))
        return front.events
    # The answer came while the indicator was on its way: the indicator is
    # finished before the caller sends the answer.
    assert asyncio.run(run()) == ["typing sent", "answer", "typing done"]


def test_a_failing_answer_cancels_the_indicator() -> None:
    async def fail() -> str:
        raise RuntimeError("rasa exploded")

    async def run() -> list[str]:
        front = Front(typing_after=0.2)
        with pytest.raises(RuntimeError):
            await front._typing_while(None, fail())
        await asyncio.sleep(0.3)
        return front.events
    assert asyncio.run(run()) == []
