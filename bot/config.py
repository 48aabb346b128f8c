"""Bot settings read from the environment, in one place.

The bot token is a secret: it is read here, handed to python-telegram-bot,
and never printed (the dataclass hides it from repr). So are Rasa's token
and the webhook secret (bot/local_secrets.py): from the environment, else
kept in the state folder.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from bot import local_secrets
from core.settings import STATE_DIR


def _ids(value: str | None) -> frozenset[int]:
    out: set[int] = set()
    for part in (value or "").replace(";", ",").split(","):
        part = part.strip()
        if part.lstrip("-").isdigit():
            out.add(int(part))
    return frozenset(out)


def _float(name: str, default: float) -> float:
    try:
        return float(os.environ.get(name, default))
    except ValueError:
        return default


@dataclass(frozen=True)
class Config:
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
    # Set from the environment; when unset, the state folder's (see the methods).
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
    def from_env(cls) -> Config:
        env = os.environ
        chat = env.get("VOLUNTEER_CHAT_ID", "").strip()
        return cls(
            token=env.get("TELEGRAM_BOT_TOKEN") or None,
            api_url=(env.get("TELEGRAM_API_URL") or "").rstrip("/") or None,
            rasa_url=env.get("RASA_URL", cls.rasa_url).rstrip("/"),
            actions_url=env.get("ACTIONS_URL", cls.actions_url).rstrip("/"),
            database_url=env.get("DATABASE_URL", cls.database_url),
            rasa_timeout=_float("RASA_TIMEOUT", cls.rasa_timeout),
            retry_interval=_float("PENDING_RETRY_SECONDS", cls.retry_interval),
            volunteer_ids=_ids(env.get("VOLUNTEER_IDS")),
            maintainer_ids=_ids(env.get("MAINTAINER_IDS")),
            volunteer_chat_id=int(chat) if chat.lstrip("-").isdigit() else None,
            webhook_url=env.get("WEBHOOK_URL") or None,
            webhook_listen=env.get("WEBHOOK_LISTEN", cls.webhook_listen),
            webhook_port=int(env.get("WEBHOOK_PORT", cls.webhook_port)),
            voice_timeout=_float("VOICE_TIMEOUT", cls.voice_timeout),
            typing_after=_float("TYPING_AFTER_SECONDS", cls.typing_after),
            rasa_tracker_url=env.get("RASA_TRACKER_URL") or None,
            retention_days=max(1, int(_float("RETENTION_DAYS", cls.retention_days))),
            rasa_token=env.get(local_secrets.RASA_TOKEN_ENV) or None,
            webhook_secret=env.get(local_secrets.WEBHOOK_SECRET_ENV) or None,
            state_dir=str(STATE_DIR),
            user_messages_per_minute=int(_float("USER_MESSAGES_PER_MINUTE", cls.user_messages_per_minute)),
            rasa_concurrency=int(_float("RASA_CONCURRENCY", cls.rasa_concurrency)),
            delivery_retry_first=_float("DELIVERY_RETRY_FIRST_SECONDS", cls.delivery_retry_first),
            delivery_retry_max=_float("DELIVERY_RETRY_MAX_SECONDS", cls.delivery_retry_max),
            health_port=int(_float("HEALTH_PORT", cls.health_port)),
            alert_rate=max(0.1, _float("ALERT_MESSAGES_PER_SECOND", cls.alert_rate)),
        )

    def rasa_auth_token(self) -> str:
        """The token the bot sends to Rasa; made and kept in the state folder if not set."""
        return local_secrets.load_or_create(local_secrets.RASA_TOKEN_ENV, local_secrets.RASA_TOKEN_FILE,
                                            Path(self.state_dir),
                                            {local_secrets.RASA_TOKEN_ENV: self.rasa_token or ""})

    def webhook_secret_token(self) -> str:
        """Telegram's secret_token for webhook mode; made and kept in the state folder if not set."""
        return local_secrets.load_or_create(local_secrets.WEBHOOK_SECRET_ENV, local_secrets.WEBHOOK_SECRET_FILE,
                                            Path(self.state_dir),
                                            {local_secrets.WEBHOOK_SECRET_ENV: self.webhook_secret or ""})
