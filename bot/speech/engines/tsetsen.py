"""Tsetsen AI: natural Mongolian voices, for deployments with an API key.

A gRPC web service (SDK: the `tsetsen` package; see tsetsen_sdk.py for how
it is imported next to protobuf 4). Its streaming call returns 24 kHz PCM,
wrapped here into WAV for the encoder. Like gTTS it can be slow or down:
one deadline covers the whole call, every failure becomes EngineError,
and the speaker then skips it for the cool-down and uses espeak-ng `mn`.
"""

from __future__ import annotations

import io
import logging
import threading
import wave

from bot.speech.config import (
    ENGINE_COOLDOWN_S,
    TSETSEN_ENDPOINT,
    TSETSEN_INSECURE,
    TSETSEN_KEY_ENV,
    TSETSEN_SAMPLE_RATE,
    TSETSEN_TIMEOUT_S,
    TSETSEN_VOICE_ID,
)
from bot.speech.engines.base import EngineError, RawAudio
from bot.speech.rate import DEFAULT_RATE
from core.settings import secret

log = logging.getLogger(__name__)

# Voice models of the service; streaming works with this one only.
STREAM_VERSION = "beta-v0.2"
# The cache key's voice name when the service picks the voice.
AUTO_VOICE = "first"


def pcm_to_wav(pcm: bytes, rate: int = TSETSEN_SAMPLE_RATE) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(pcm)
    return buf.getvalue()


class TsetsenEngine:
    name = "tsetsen"
    cooldown_s = ENGINE_COOLDOWN_S

    def __init__(self, api_key: str, endpoint: str | None = TSETSEN_ENDPOINT, insecure: bool = TSETSEN_INSECURE,
                 voice_id: str | None = TSETSEN_VOICE_ID, timeout_s: float = TSETSEN_TIMEOUT_S,
                 cooldown_s: float | None = None) -> None:
        self._api_key = api_key  # a secret: never logged
        self.endpoint = endpoint
        self.insecure = insecure
        self.voice_id = voice_id
        self.timeout_s = timeout_s
        if cooldown_s is not None:
            self.cooldown_s = cooldown_s
        self._client = None
        self._resolved_voice: str | None = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"TsetsenEngine(endpoint={self.endpoint!r}, voice={self.voice_id!r})"

    @classmethod
    def from_env(cls) -> TsetsenEngine | None:
        """The engine when a key is configured and the SDK is installed, else None."""
        key = secret(TSETSEN_KEY_ENV)
        if not key:
            return None
        try:
            from bot.speech.engines import tsetsen_sdk

            tsetsen_sdk.load()
        except ImportError as exc:
            log.warning("%s is set but the tsetsen SDK is missing (%s); Mongolian uses espeak-ng",
                        TSETSEN_KEY_ENV, exc)
            return None
        return cls(key)

    def voice_for(self, lang: str) -> str | None:
        return (self.voice_id or AUTO_VOICE) if lang == "mn" else None

    def client(self):  # noqa: ANN201 - tsetsen.Client, imported lazily
        if self._client is None:
            from bot.speech.engines import tsetsen_sdk

            tsetsen = tsetsen_sdk.load()
            try:
                self._client = tsetsen.Client(api_key=self._api_key, endpoint=self.endpoint,
                                              timeout=self.timeout_s, secure=not self.insecure, max_retries=0)
            except tsetsen.TsetsenError as exc:  # e.g. a key of the wrong form
                raise EngineError(f"Tsetsen client: {exc.message if hasattr(exc, 'message') else exc}") from exc
        return self._client

    def _voice(self, voice: str) -> str:
        if voice != AUTO_VOICE:
            return voice
        if self._resolved_voice is None:
            # The SDK wraps list_voices in 3 retries with back-off whatever
            # the client's max_retries; the undecorated call keeps the deadline.
            client = self.client()
            voices = type(client).list_voices.__wrapped__(client, version=STREAM_VERSION).voices
            if not voices:
                raise EngineError("Tsetsen lists no voices")
            self._resolved_voice = voices[0].id
            log.info("Tsetsen voice %s (set TSETSEN_VOICE_ID to choose)", self._resolved_voice)
        return self._resolved_voice

    def synthesize(self, text: str, voice: str, rate: int) -> RawAudio:
        import grpc

        from bot.speech.engines import tsetsen_sdk

        tsetsen = tsetsen_sdk.load()
        pcm = io.BytesIO()
        try:
            with self._lock:
                client = self.client()
                voice_id = self._voice(voice)
            for chunk in client.stream_speech(text=text, voice_id=voice_id, speed=rate / DEFAULT_RATE):
                pcm.write(chunk)
        except EngineError:
            raise
        except tsetsen.TsetsenError as exc:
            raise EngineError(f"Tsetsen failed: {getattr(exc, 'message', exc)}") from exc
        except grpc.RpcError as exc:
            raise EngineError(f"Tsetsen failed: {exc.code().name}") from exc
        except (OSError, ValueError) as exc:
            raise EngineError(f"Tsetsen failed: {exc}") from exc
        if pcm.tell() < 2:
            raise EngineError("Tsetsen returned no audio")
        return RawAudio(pcm_to_wav(pcm.getvalue()), "wav")
