"""The speaker: fallback chain, cache use, failure logging, and real offline voice."""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path

import pytest

from bot.speech import Clip, Speaker
from bot.speech.cache import VoiceCache
from bot.speech.rate import DEFAULT_RATE, MAX_RATE
from tests.test_speech_support import FakeEngine, ffprobe

EN_MN = {"en": "en-x", "mn": "mn-x"}


def _speaker(tmp_path: Path, *engines: FakeEngine, clock=None) -> Speaker:
    kwargs = {"clock": clock} if clock else {}
    return Speaker(list(engines), VoiceCache(tmp_path, 50 * 1024 * 1024), **kwargs)


def test_first_working_engine_speaks(tmp_path: Path) -> None:
    first, second = FakeEngine("first", EN_MN, fail=True), FakeEngine("second", EN_MN)
    clip = asyncio.run(_speaker(tmp_path, first, second).speak("Hello there.", "en"))
    assert isinstance(clip, Clip) and clip.engine == "second"
    assert clip.path.suffix == ".ogg" and clip.path.parent == tmp_path
    assert clip.duration == pytest.approx(0.5, abs=0.05)
    assert len(first.calls) == 1 and len(second.calls) == 1


def test_engine_without_the_language_is_skipped(tmp_path: Path) -> None:
    english_only, both = FakeEngine("en-only", {"en": "e"}), FakeEngine("both", EN_MN)
    clip = asyncio.run(_speaker(tmp_path, english_only, both).speak("Сайн уу.", "mn"))
    assert clip is not None and clip.engine == "both" and not english_only.calls


def test_second_request_is_served_from_cache(tmp_path: Path) -> None:
    engine = FakeEngine("e", EN_MN)
    speaker = _speaker(tmp_path, engine)
    first = asyncio.run(speaker.speak("Block your card.", "en"))
    second = asyncio.run(speaker.speak("Block your card.", "en"))
    assert first is not None and second == first
    assert len(engine.calls) == 1


def test_cache_survives_a_restart(tmp_path: Path) -> None:
    asyncio.run(_speaker(tmp_path, FakeEngine("e", EN_MN)).speak("Block your card.", "en"))
    engine = FakeEngine("e", EN_MN)
    clip = asyncio.run(_speaker(tmp_path, engine).speak("Block your card.", "en"))
    assert clip is not None and not engine.calls


def test_each_rate_is_its_own_clip(tmp_path: Path) -> None:
    engine = FakeEngine("e", EN_MN)
    speaker = _speaker(tmp_path, engine)
    asyncio.run(speaker.speak("Block your card.", "en", rate=DEFAULT_RATE))
    asyncio.run(speaker.speak("Block your card.", "en", rate=10_000))
    assert [call[2] for call in engine.calls] == [DEFAULT_RATE, MAX_RATE]


def test_same_answer_asked_at_once_is_made_once(tmp_path: Path) -> None:
    engine = FakeEngine("e", EN_MN)
    speaker = _speaker(tmp_path, engine)

    async def many() -> list[Clip | None]:
        return await asyncio.gather(*(speaker.speak("Block your card.", "en") for _ in range(4)))

    clips = asyncio.run(many())
    assert all(c is not None for c in clips)
    assert len(engine.calls) == 1


def test_nothing_to_say_or_unknown_language_gives_none(tmp_path: Path) -> None:
    engine = FakeEngine("e", EN_MN)
    speaker = _speaker(tmp_path, engine)
    assert asyncio.run(speaker.speak("😀👍", "en")) is None
    assert asyncio.run(speaker.speak("", "mn")) is None
    assert asyncio.run(speaker.speak("Bonjour", "fr")) is None
    assert not engine.calls


def test_all_engines_failing_is_logged_once_until_voice_works_again(tmp_path: Path, caplog) -> None:
    engine = FakeEngine("e", EN_MN, fail=True)
    speaker = _speaker(tmp_path, engine)
    caplog.set_level(logging.INFO, logger="bot.speech")

    def errors() -> int:
        return sum(1 for r in caplog.records if r.levelno >= logging.ERROR)

    for i in range(5):
        assert asyncio.run(speaker.speak(f"Answer {i}.", "en")) is None
    assert errors() == 1
    engine.fail = False
    assert asyncio.run(speaker.speak("Answer ok.", "en")) is not None
    assert any("work again" in r.getMessage() for r in caplog.records)
    engine.fail = True
    assert asyncio.run(speaker.speak("Answer later.", "en")) is None
    assert errors() == 2


def test_failing_online_engine_cools_down(tmp_path: Path) -> None:
    now = [1000.0]
    online = FakeEngine("online", {"en": "e"}, fail=True, cooldown_s=60)
    offline = FakeEngine("offline", {"en": "e"})
    speaker = _speaker(tmp_path, online, offline, clock=lambda: now[0])
    for i in range(3):
        assert asyncio.run(speaker.speak(f"Answer {i}.", "en")).engine == "offline"
    assert len(online.calls) == 1
    now[0] += 61
    online.fail = False
    assert asyncio.run(speaker.speak("Answer 9.", "en")).engine == "online"


def test_cached_clip_of_a_better_engine_is_used_while_it_is_down(tmp_path: Path) -> None:
    now = [1000.0]
    online = FakeEngine("online", {"en": "e"}, cooldown_s=60)
    offline = FakeEngine("offline", {"en": "e"})
    speaker = _speaker(tmp_path, online, offline, clock=lambda: now[0])
    asyncio.run(speaker.speak("Frequent answer.", "en"))
    online.fail = True
    asyncio.run(speaker.speak("Something new.", "en"))  # online fails, cools down
    clip = asyncio.run(speaker.speak("Frequent answer.", "en"))
    assert clip is not None and clip.engine == "online"
    assert len(online.calls) == 2


# --- the real default chain, offline -----------------------------------------------


@pytest.fixture(scope="module")
def offline(tmp_path_factory: pytest.TempPathFactory) -> Speaker:
    return Speaker.default(cache_dir=tmp_path_factory.mktemp("voice"), online=False)


def test_default_chain_speaks_both_languages_and_never_russian(offline: Speaker) -> None:
    assert offline.languages() == {"en", "mn"}
    for engine in offline.engines:
        voice = engine.voice_for("mn")
        assert voice is None or not voice.startswith("ru")


@pytest.mark.parametrize(
    ("lang", "text", "engine"),
    [
        ("mn", "1. Картаа яаралтай хаалгаарай.\n2. Банкандаа 1800-1917 дугаарт залгаарай.", "espeak-ng"),
        ("en", "1. Block your card now.\n2. Call your bank on 1800-1917.", "piper"),
    ],
)
def test_real_voice_is_a_telegram_voice_message(offline: Speaker, lang: str, text: str, engine: str) -> None:
    clip = asyncio.run(offline.speak(text, lang))
    assert clip is not None and clip.engine == engine
    info = ffprobe(clip.path)
    assert (info["codec"], info["channels"], info["format"], info["sample_rate"]) == ("opus", "1", "ogg", "48000")
    assert float(info["duration"]) == pytest.approx(clip.duration, abs=0.05)
    from bot.speech.normalise import prepare

    words = len(prepare(text, lang).split())
    assert 0.2 * words <= clip.duration <= 1.0 * words


def test_slower_rate_gives_longer_audio(offline: Speaker) -> None:
    text = "Картаа яаралтай хаалгаарай."
    slow = asyncio.run(offline.speak(text, "mn", rate=100))
    fast = asyncio.run(offline.speak(text, "mn", rate=260))
    assert slow and fast and fast.duration < slow.duration * 0.7


def test_mongolian_reply_runs_espeak_with_the_mn_voice(offline: Speaker, monkeypatch: pytest.MonkeyPatch) -> None:
    # Spy on the commands really executed while the speaker voices a reply.
    import subprocess

    from bot.speech.engines import espeak

    real_run = subprocess.run
    commands: list[list[str]] = []

    def spy(cmd, *args, **kwargs):
        commands.append(list(cmd))
        return real_run(cmd, *args, **kwargs)

    monkeypatch.setattr(espeak.subprocess, "run", spy)
    clip = asyncio.run(offline.speak("Өнөөдөр үйлчилгээ хаалттай байна.", "mn"))
    assert clip is not None
    espeak_runs = [c for c in commands if Path(c[0]).name == "espeak-ng"]
    assert len(espeak_runs) == 1
    voice = espeak_runs[0][espeak_runs[0].index("-v") + 1]
    assert voice == "mn"


def test_personal_clip_is_never_kept_in_the_cache(tmp_path: Path) -> None:
    cache = tmp_path / "voice"
    speaker = _speaker(cache, FakeEngine("e", EN_MN))
    clip = asyncio.run(speaker.speak("A volunteer answers your question 12.", "en", keep=False))
    assert clip is not None and clip.temporary and clip.path.exists()
    assert not cache.exists() or not any(cache.iterdir())
    clip.discard()  # once sent
    assert not clip.path.exists()


def test_personal_reply_may_use_a_clip_already_cached(tmp_path: Path) -> None:
    engine = FakeEngine("e", EN_MN)
    speaker = _speaker(tmp_path, engine)
    shared = asyncio.run(speaker.speak("Block your card.", "en"))
    again = asyncio.run(speaker.speak("Block your card.", "en", keep=False))
    assert again == shared and not again.temporary and len(engine.calls) == 1
    again.discard()
    assert shared.path.exists()  # a cached clip stays for everyone else
