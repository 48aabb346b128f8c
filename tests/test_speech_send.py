"""Voice messages go out in order, and a personal clip leaves no file behind, sent or not."""

from __future__ import annotations

import asyncio
from pathlib import Path

from telegram.error import NetworkError

from bot.speech.send import send_spoken
from bot.speech.speaker import Clip


class FakeSpeaker:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.made: list[Path] = []

    async def speak(self, text: str, lang: str, rate: int | None, keep: bool) -> Clip:
        path = self.folder / f"{len(self.made)}.ogg"
        path.write_bytes(b"OggS" + text.encode())
        self.made.append(path)
        return Clip(path, 1.0, "fake", temporary=not keep)


class FakeBot:
    def __init__(self, fail_after: int | None = None) -> None:
        self.sent: list[bytes] = []
        self.fail_after = fail_after

    async def send_voice(self, chat_id: int, voice, duration: int) -> None:
        if self.fail_after is not None and len(self.sent) >= self.fail_after:
            raise NetworkError("Telegram is unreachable")
        self.sent.append(voice.read())


def test_parts_go_out_in_order_and_personal_clips_are_deleted(tmp_path: Path) -> None:
    speaker, bot = FakeSpeaker(tmp_path), FakeBot()
    asyncio.run(send_spoken(bot, speaker, 5, ["first part", "the rest"], lang="en", rate=None, keep=False))
    assert bot.sent == [b"OggSfirst part", b"OggSthe rest"]
    assert not any(p.exists() for p in speaker.made)


def test_a_failed_send_stops_and_still_deletes_the_clips(tmp_path: Path) -> None:
    speaker, bot = FakeSpeaker(tmp_path), FakeBot(fail_after=0)
    asyncio.run(send_spoken(bot, speaker, 5, ["first", "second", "third"], lang="en", rate=None, keep=False))
    # The second part was already being voiced; it is deleted too, and the third never made.
    assert bot.sent == [] and len(speaker.made) == 2 and not any(p.exists() for p in speaker.made)


def test_the_next_part_is_voiced_while_the_one_before_is_uploaded(tmp_path: Path) -> None:
    speaker = FakeSpeaker(tmp_path)

    class SlowBot(FakeBot):
        async def send_voice(self, chat_id: int, voice, duration: int) -> None:
            made_before = len(speaker.made)
            await asyncio.sleep(0.05)  # the upload
            self.sent.append(voice.read())
            self.made_during_upload = getattr(self, "made_during_upload", []) + [len(speaker.made) - made_before]

    bot = SlowBot()
    asyncio.run(send_spoken(bot, speaker, 5, ["first", "second", "third"], lang="en", rate=None, keep=True))
    assert bot.sent == [b"OggSfirst", b"OggSsecond", b"OggSthird"]
    assert bot.made_during_upload == [1, 1, 0]


def test_a_cached_clip_stays_for_the_next_listener(tmp_path: Path) -> None:
    speaker, bot = FakeSpeaker(tmp_path), FakeBot()
    asyncio.run(send_spoken(bot, speaker, 5, ["public answer"], lang="en", rate=None, keep=True))
    assert bot.sent == [b"OggSpublic answer"] and speaker.made[0].exists()
