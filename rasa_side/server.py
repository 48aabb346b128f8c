"""Starts Rasa (in .venv-rasa): `python -m rasa_side.server run ...` with `rasa`'s own arguments.

bot/services.py, deploy/rasa.Dockerfile and the compose file start Rasa
this way. It is Rasa's own command with three things around it:

- the speed layers of rasa_side/speed.py (what each saves:
  docs/performance.md), unless KHOTOCH_SPEED_LAYERS=off, which starts Rasa
  exactly as installed; answers are the same either way;
- `run` listens on SERVICE_INTERFACE (127.0.0.1 unless set) when no
  --interface is given (docs/security.md);
- with RASA_AUTH_TOKEN set, every route but "/" needs that token.
"""

from __future__ import annotations

import sys
from typing import Any

from core.settings import RASA_TOKEN_ENV, secret

# The header bot/local_secrets.py's auth_headers() sends; the token comes
# from this environment variable (bot/services.py, docker-compose.yml).
TOKEN_ENV = RASA_TOKEN_ENV
# The one route left open: Rasa's "Hello from Rasa", which tells nothing.
OPEN_PATHS = frozenset({"/"})


def token_refusal(path: str, authorization: str | None, token: str) -> int | None:
    """401 unless the request carries the token; None lets it through.

    Rasa's own --auth-token guards only the HTTP API, not channel routes
    such as the REST channel's /webhooks/rest/webhook (registered without
    `requires_auth` in Rasa 3.6), and it reads the token from the query
    string, where it ends up in URLs of error messages and access logs.
    One check in front of every route, on a header, closes both.
    """
    import hmac

    if path in OPEN_PATHS:
        return None
    scheme, _, given = (authorization or "").partition(" ")
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
        return None
    return 401


def _require_token(token: str) -> None:
    """Every Sanic app `rasa run` builds refuses requests without the token."""
    import rasa.core.run
    from sanic import response

    configure_app = rasa.core.run.configure_app

    def configure_app_with_token(*args: Any, **kwargs: Any) -> Any:
        app = configure_app(*args, **kwargs)

        async def check_token(request: Any) -> Any:
            status = token_refusal(request.path, request.headers.get("Authorization"), token)
            if status is not None:
                return response.json({"status": "failure", "reason": "NotAuthenticated",
                                      "message": "This Rasa server needs its token.", "code": status},
                                     status=status)
            return None

        app.register_middleware(check_token, "request")
        return app

    rasa.core.run.configure_app = configure_app_with_token


def _serving_arguments(argv: list[str]) -> list[str]:
    """`rasa run` listens on SERVICE_INTERFACE (loopback unless set) when no --interface is given."""
    if argv[:1] != ["run"] or argv[1:2] == ["actions"]:  # `rasa run actions` is rasa-sdk's
        return argv
    if any(a in ("-i", "--interface") or a.startswith("--interface=") for a in argv):
        return argv
    from core.settings import SERVICE_INTERFACE

    return [*argv, "--interface", SERVICE_INTERFACE]


def main() -> int:
    from rasa.__main__ import main as rasa_main

    from core.settings import SPEED_LAYERS, SPEED_LAYERS_ENV
    from rasa_side import speed

    if SPEED_LAYERS:
        speed.apply()
    else:
        print(f"rasa_side.server: {SPEED_LAYERS_ENV}=off: Rasa runs as installed, without its speed layers",
              file=sys.stderr)
    sys.argv[1:] = _serving_arguments(sys.argv[1:])
    if sys.argv[1:2] == ["run"] and sys.argv[2:3] != ["actions"]:
        token = secret(TOKEN_ENV)
        if token:
            _require_token(token)
        else:
            print(f"rasa_side.server: {TOKEN_ENV} is not set: Rasa's HTTP API and REST channel answer "
                  "anyone who can reach its port", file=sys.stderr)
    sys.argv[0] = "rasa"
    return rasa_main()


if __name__ == "__main__":
    sys.exit(main())
