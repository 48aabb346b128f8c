"""espeak-ng: the offline engine, for both languages.

It is small, fast (a 60-word answer in well under a second on one core),
has a rate setting in words per minute, and is a Debian package. Its voice
is robotic, but it always works, which matters more to someone who cannot
read the screen than a nicer voice that needs Google.
"""

from __future__ import annotations

import logging
import struct
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from bot.speech.config import ESPEAK_VOICES, SUBPROCESS_TIMEOUT_S
from bot.speech.engines.base import EngineError, RawAudio
from bot.speech.espeak_data import espeak_binary, locate_voice_data

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class EspeakVoice:
    name: str  # espeak-ng voice name, e.g. "mn", "en-us"
    data_parent: Path | None  # --path value; None for the system data


def _fix_wav_sizes(data: bytes) -> bytes:
    """espeak-ng writing to stdout cannot seek back to fill in the WAV sizes.

    It leaves 0x7ffff000 placeholders; real sizes make the audio valid for
    any reader, not only ffmpeg.
    """
    if len(data) < 44 or data[:4] != b"RIFF" or data[36:40] != b"data":
        return data
    return data[:4] + struct.pack("<I", len(data) - 8) + data[8:40] + struct.pack("<I", len(data) - 44) + data[44:]


class EspeakEngine:
    name = "espeak-ng"
    cooldown_s = 0.0  # a local failure is not cured by waiting

    def __init__(self, binary: str, voices: Mapping[str, EspeakVoice]) -> None:
        self.binary = binary
        self.voices = dict(voices)

    @classmethod
    def detect(cls, wanted: Mapping[str, str] = ESPEAK_VOICES) -> EspeakEngine | None:
        """The engine with every wanted voice that is really installed.

        None when espeak-ng itself is missing. A language whose voice is
        missing is left out (logged), never given another language's voice.
        """
        binary = espeak_binary()
        if binary is None:
            log.warning("espeak-ng is not installed; no offline voice (apt-get install espeak-ng)")
            return None
        voices: dict[str, EspeakVoice] = {}
        for lang, voice in wanted.items():
            found, parent = locate_voice_data(binary, voice)
            if found:
                voices[lang] = EspeakVoice(voice, parent)
                log.info("espeak-ng voice %s for %s, data: %s", voice, lang, parent or "system")
            else:
                log.warning(
                    "espeak-ng has no %r voice for %s; install piper-tts==1.8.0 (its data has it)",
                    voice,
                    lang,
                )
        return cls(binary, voices)

    def voice_for(self, lang: str) -> str | None:
        voice = self.voices.get(lang)
        return voice.name if voice else None

    def _voice(self, name: str) -> EspeakVoice:
        for voice in self.voices.values():
            if voice.name == name:
                return voice
        raise EngineError(f"espeak-ng voice {name!r} is not set up")

    def command(self, voice: str, rate: int, *extra: str) -> list[str]:
        """The espeak-ng command line; text goes to stdin so it is never read as options."""
        setup = self._voice(voice)
        cmd = [self.binary]
        if setup.data_parent is not None:
            cmd.append(f"--path={setup.data_parent}")
        cmd += ["-v", setup.name, "-s", str(int(rate)), "-b", "1", *extra]
        return cmd

    def _run(self, cmd: list[str], text: str) -> bytes:
        try:
            done = subprocess.run(
                cmd,
                input=text.encode("utf-8"),
                capture_output=True,
                timeout=SUBPROCESS_TIMEOUT_S,
                check=False,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            raise EngineError(f"espeak-ng did not run: {exc}") from exc
        if done.returncode != 0:
            raise EngineError(f"espeak-ng failed: {done.stderr.decode(errors='replace').strip()}")
        return done.stdout

    def synthesize(self, text: str, voice: str, rate: int) -> RawAudio:
        data = self._run(self.command(voice, rate, "--stdout"), text)
        if len(data) <= 44:
            raise EngineError("espeak-ng produced no audio")
        return RawAudio(_fix_wav_sizes(data), "wav")

    def phonemes(self, text: str, voice: str) -> str:
        """What the voice will pronounce, in IPA; lets tests and maintainers
        check pronunciation without listening."""
        return self._run(self.command(voice, 160, "-q", "--ipa"), text).decode("utf-8").strip()
