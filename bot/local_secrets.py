"""Shared secrets the bot's own processes agree on: Rasa's token, the webhook secret.

Each comes from the environment when the deployment sets it (compose, a
secrets manager); otherwise it is generated once and kept in the state
folder, readable by its owner only (0600), so a local `make run` is closed
without any set-up and a restart keeps the same value. Values are never
printed or logged: callers get the string, and errors name only the file.

Standard library and core/ only: rasa_side/server.py, which runs in Rasa's own
virtualenv and image, does not import this; it receives the token in its
environment from bot/services.py or the compose file.
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path

from core.settings import RASA_TOKEN_ENV as RASA_TOKEN_ENV
from core.settings import WEBHOOK_SECRET_ENV as WEBHOOK_SECRET_ENV
from core.settings import secret

RASA_TOKEN_FILE = "rasa_auth_token"
WEBHOOK_SECRET_FILE = "webhook_secret"
# Telegram's rule for a webhook secret_token (1-256 of A-Z, a-z, 0-9, _ and -);
# the Rasa token keeps to it too, so it is safe in any HTTP header.
SECRET_FORM = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
GENERATED_BYTES = 32


class SecretError(RuntimeError):
    """A secret was set in a form that cannot be used (the message never holds it)."""


def load_or_create(env_name: str, file_name: str, state_dir: Path,
                   environ: Mapping[str, str] | None = None) -> str:
    """The secret from `env_name`, else from the state folder, made there on first use.

    Creation is atomic (written to a private temporary file, then linked in
    place), so two processes starting together agree on one value.
    """
    value = secret(env_name) if environ is None else (environ.get(env_name) or "").strip()
    if value:
        if not SECRET_FORM.match(value):
            raise SecretError(f"{env_name} must be 1-256 characters of A-Z, a-z, 0-9, _ and -")
        return value
    path = Path(state_dir) / file_name
    existing = _read(path)
    if existing:
        return existing
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{file_name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_urlsafe(GENERATED_BYTES))
        try:
            os.link(tmp, path)
        except FileExistsError:
            pass  # another process was first: use its value
    finally:
        tmp.unlink(missing_ok=True)
    value = _read(path)
    if not value:
        raise SecretError(f"could not keep a secret in {path}")
    return value


def _read(path: Path) -> str | None:
    try:
        value = path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise SecretError(f"cannot read {path}: {type(exc).__name__}") from None
    if value and not SECRET_FORM.match(value):
        raise SecretError(f"{path} does not hold a usable secret; delete it to make a new one")
    if value and path.stat().st_mode & 0o077:
        os.chmod(path, 0o600)  # a copied state folder may have lost the mode
    return value or None


def rasa_token(state_dir: Path) -> str:
    return load_or_create(RASA_TOKEN_ENV, RASA_TOKEN_FILE, state_dir)


def webhook_secret(state_dir: Path) -> str:
    return load_or_create(WEBHOOK_SECRET_ENV, WEBHOOK_SECRET_FILE, state_dir)


def auth_headers(token: str | None) -> dict[str, str]:
    """How the bot proves itself to Rasa (checked by rasa_side/server.py)."""
    return {"Authorization": f"Bearer {token}"} if token else {}
