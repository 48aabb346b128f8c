"""The bot's settings, with the secrets kept in the state folder when not set.

Every value is read from the environment by `core.settings.BotSettings`;
this adds Rasa's token and the webhook secret, which, when the environment
does not set them, are made once and kept in the state folder
(bot/local_secrets.py). Secrets are hidden from repr and never printed.
"""

from __future__ import annotations

from pathlib import Path

from bot import local_secrets
from core.settings import BotSettings


class Config(BotSettings):
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
