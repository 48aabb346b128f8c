"""End to end: questions asked by voice, through the real bot process.

Telegram is the loopback stand-in (it serves the recordings for download);
Rasa and the action server are real; the recordings are made in the test:
English with the Piper voice, Mongolian with espeak-ng's mn voice.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from bot.speech.audio import encode_ogg_opus
from bot.speech.engines.base import RawAudio
from bot.speech.engines.espeak import EspeakEngine
from bot.speech.engines.piper import VOICE_NAME, PiperEngine
from bot.speech.rate import DEFAULT_RATE
from tests.telegram_standin import BotApiStandIn

GROUP = -1001234599
VOLUNTEER = 880011
TICKET = re.compile(r"number is (\d+)")
# Whisper's first question includes loading the model on a busy machine.
LISTEN_WAIT = 90.0


def wait_until(found: Callable[[], list], timeout: float = 30.0) -> list:
    """What `found` returns once it is not empty (or empty after the timeout)."""
    deadline = time.monotonic() + timeout
    while not (result := found()) and time.monotonic() < deadline:
        time.sleep(0.1)
    return result


def settle(standin: BotApiStandIn, chat_id: int, quiet: float = 3.0, timeout: float = 60.0) -> None:
    """Waits until the bot has sent nothing to the chat for `quiet` seconds."""
    deadline = time.monotonic() + timeout
    count, since = -1, time.monotonic()
    while time.monotonic() < deadline:
        now = len(standin.messages_to(chat_id))
        if now != count:
            count, since = now, time.monotonic()
        elif time.monotonic() - since >= quiet:
            return
        time.sleep(0.2)


def _ogg(raw: RawAudio, path: Path) -> bytes:
    encode_ogg_opus(raw, path)
    return path.read_bytes()


@pytest.fixture(scope="module")
def english_question(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    engine = PiperEngine.detect()
    assert engine is not None, "the Piper voice is needed (make setup)"
    raw = engine.synthesize("How do I block my bank card if I lose it?", VOICE_NAME, DEFAULT_RATE)
    return _ogg(raw, tmp_path_factory.mktemp("clips") / "en.ogg")


@pytest.fixture(scope="module")
def mongolian_question(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    engine = EspeakEngine.detect()
    assert engine is not None and engine.voice_for("mn"), "espeak-ng with the mn voice is needed"
    raw = engine.synthesize("Банкны картаа алдсан бол яах вэ? Надад тусална уу.", "mn", DEFAULT_RATE)
    return _ogg(raw, tmp_path_factory.mktemp("clips") / "mn.ogg")


def _silence(seconds: int, path: Path) -> bytes:
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "anullsrc=r=16000:cl=mono", "-t", str(seconds), "-c:a", "libopus", "-b:a", "8k", str(path)],
                   check=True)
    return path.read_bytes()


@pytest.fixture
def voice_bot(bot_factory, tmp_path: Path):
    def start(**env: str):
        # A voice cache of its own: a clip cached by an earlier run would hide the engines.
        return bot_factory(**{"VOLUNTEER_IDS": str(VOLUNTEER), "VOLUNTEER_CHAT_ID": str(GROUP),
                              "VOLUNTEER_LANGUAGE": "en", "KHOTOCH_VOICE_ONLINE": "0",
                              "KHOTOCH_VOICE_CACHE_DIR": str(tmp_path / "voice"), **env})
    return start


def ask_consent(standin: BotApiStandIn, citizen: int, recording: bytes):
    """Sends a Mongolian recording; returns the consent question, checked."""
    mark = standin.mark()
    standin.send_recording(citizen, recording, seconds=5)
    consent = standin.wait_for(citizen, after=mark, timeout=LISTEN_WAIT)[0]
    assert "сайн дурын ажилтан" in consent.text  # in Mongolian, the default language
    assert [b["callback_data"] for b in consent.buttons] == ["vq:yes", "vq:no"]
    assert not standin.messages_to(GROUP), "nothing goes to volunteers before the citizen agrees"
    return consent


def test_english_voice_question_is_answered_with_the_right_entry_and_by_voice(
        voice_bot, standin: BotApiStandIn, english_question: bytes) -> None:
    voice_bot()
    citizen = 790001
    mark = standin.mark()
    standin.send_recording(citizen, english_question, seconds=4)
    heard, answer = standin.wait_for(citizen, count=2, after=mark, timeout=LISTEN_WAIT)[:2]
    assert heard.text.startswith("I heard:") and "bank card" in heard.text.lower()
    # Answered as if typed: the same words typed by another user get the same reply.
    said = heard.text.split('"')[1]
    typed_mark = standin.mark()
    standin.send_text(790011, said)
    typed = standin.wait_for(790011, after=typed_mark, timeout=LISTEN_WAIT)[0]
    assert (answer.text, answer.buttons) == (typed.text, typed.buttons)
    # The block_card entry, in English: answered, or first among "Did you mean" when
    # the search is unsure (how sure it is belongs to `faq eval`, not to this test).
    assert "Block the card at once" in answer.text or "block_card" in answer.buttons[0]["callback_data"]
    # A first message by voice turns voice replies on without asking.
    voice = standin.wait_for(citizen, after=mark, method="sendVoice", timeout=30)[0]
    assert voice.files["voice"][:4] == b"OggS"


def test_mongolian_voice_message_becomes_a_ticket_carrying_the_audio(
        voice_bot, standin: BotApiStandIn, mongolian_question: bytes) -> None:
    voice_bot()
    citizen = 790002
    consent = ask_consent(standin, citizen, mongolian_question)

    mark = standin.mark()
    standin.press(citizen, consent, "vq:yes")
    created = standin.wait_for(citizen, after=mark, contains="дугаар")[0]
    post = standin.wait_for(GROUP, after=mark, contains="Voice message")[0]
    recording = standin.wait_for(GROUP, after=mark, method="sendVoice")[0]
    file_id = recording.params["voice"]
    assert standin.files[file_id] == mongolian_question  # the citizen's own recording, unchanged
    assert recording.params["reply_parameters"]["message_id"] == post.message["message_id"]
    assert str(citizen) not in post.text and "Dorj" not in post.text
    assert created.buttons  # the citizen can close the question

    # The volunteer answers by voice, replying to the recording; it reaches the citizen as it is.
    mark = standin.mark()
    reply = standin.send_recording(VOLUNTEER, b"OggS volunteer voice", seconds=3, chat_id=GROUP,
                                   chat_type="supergroup", reply_to=recording.message)
    intro = standin.wait_for(citizen, after=mark, contains="сайн дурын ажилт")[0]
    assert intro.text
    relayed = wait_until(lambda: [s for s in standin.messages_to(citizen, "sendVoice")
                                  if s.params.get("voice") == reply["voice"]["file_id"]])
    assert relayed, "the volunteer's own voice message reaches the citizen"
    assert standin.wait_for(GROUP, after=mark, contains="Sent to the person")

    # /forget removes the recording from the volunteer group.
    mark = standin.mark()
    standin.send_text(citizen, "/forget")
    standin.wait_for(citizen, after=mark)
    # /forget deletes the ticket's posts one by one: wait for the recording's, not just the first.
    deleted = wait_until(lambda: [s for s in standin.messages_to(GROUP, "deleteMessage")[-5:]
                                  if int(s.params["message_id"]) == recording.message["message_id"]])
    assert deleted, "the recording is deleted from the volunteer group"


def test_without_consent_the_citizen_learns_how_to_type_or_dictate(
        voice_bot, standin: BotApiStandIn, mongolian_question: bytes) -> None:
    voice_bot()
    citizen = 790003
    consent = ask_consent(standin, citizen, mongolian_question)
    mark = standin.mark()
    standin.press(citizen, consent, "vq:no")
    answer = standin.wait_for(citizen, after=mark)[0]
    assert "микрофон" in answer.text
    assert not standin.messages_to(GROUP)


def test_corrupt_and_over_long_recordings_get_clear_replies(
        voice_bot, standin: BotApiStandIn, tmp_path: Path) -> None:
    voice_bot()
    citizen = 790004
    mark = standin.mark()
    standin.send_recording(citizen, b"OggS" + bytes(range(256)) * 40, seconds=3)
    broken = standin.wait_for(citizen, after=mark, timeout=LISTEN_WAIT)[0]
    assert "could not play" in broken.text or "тоглуулж чадсангүй" in broken.text

    long_clip = _silence(130, tmp_path / "long.ogg")
    for declared in (130, 10):  # as Telegram reports it, and a file that understates its length
        mark = standin.mark()
        standin.send_recording(citizen, long_clip, seconds=declared, kind="audio")
        too_long = standin.wait_for(citizen, after=mark, timeout=LISTEN_WAIT)[0]
        assert "2 minutes" in too_long.text or "2 минут" in too_long.text
    # The bot is still there.
    mark = standin.mark()
    standin.send_text(citizen, "/menu")
    assert standin.wait_for(citizen, after=mark)[0].buttons


def test_mongolian_voice_replies_come_from_tsetsen_and_from_espeak_when_it_is_down(
        voice_bot, standin: BotApiStandIn) -> None:
    from tests.tsetsen_standin import TsetsenStandIn

    service = TsetsenStandIn().start()
    try:
        bot = voice_bot(TSETSEN_API_KEY="tsetsen-development-e2e-key", TSETSEN_API_ENDPOINT=service.endpoint,
                        TSETSEN_INSECURE="1", KHOTOCH_VOICE_ONLINE="1")
        citizen = 790005
        mark = standin.mark()
        standin.send_text(citizen, "/voice")
        standin.wait_for(citizen, after=mark)
        mark = standin.mark()
        standin.send_text(citizen, "Картаа алдчихлаа, яах вэ?")
        voice = standin.wait_for(citizen, after=mark, method="sendVoice", timeout=30)[0]
        spoken = [text for method, text, _ in service.requests if method == "StreamSpeech"]
        assert spoken and int(voice.params["duration"]) == 1  # the stand-in's 0.6 s clip
        settle(standin, citizen)  # the answer's other clips (the rest, the choices) have gone out

        service.stop()  # the service goes down: espeak-ng mn answers, in time
        mark = standin.mark()
        standin.send_text(citizen, "Э-Монгол руу яаж нэвтрэх вэ?")
        answer = standin.wait_for(citizen, after=mark)[0]
        voice = standin.wait_for(citizen, after=mark, method="sendVoice", timeout=30)[0]
        assert int(voice.params["duration"]) > 2 and answer.text
        mark = standin.mark()
        standin.send_text(citizen, "Луйврын мессежийг яаж таних вэ?")
        standin.wait_for(citizen, after=mark, method="sendVoice", timeout=30)
        assert bot.output().count("voice engine tsetsen failed") == 1
    finally:
        service.stop()
