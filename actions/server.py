"""Starts the rasa-sdk action server on uvloop: `python -m actions.server`.

Takes rasa-sdk's own arguments (`--actions actions --port 5055`). rasa-sdk
runs Sanic in its legacy mode, which never switches to uvloop even when it
is installed, so requests were parsed and answered on the pure-Python
asyncio loop. Setting the policy before Sanic makes its loop is all this
adds; `python -m rasa_sdk` still works, only slower (and listens on every
interface). Here the server listens on SERVICE_INTERFACE, loopback unless set.
"""

from __future__ import annotations

import asyncio


def use_uvloop() -> None:
    """Event loops made from now on are uvloop's, when it is installed.

    The bot uses it too (bot/telegram_app.py): every message is several HTTP
    round trips on one loop, and uvloop runs sockets and callbacks in C.
    """
    from core.settings import SPEED_LAYERS

    if not SPEED_LAYERS:
        return  # asyncio's own loop, as rasa-sdk and python-telegram-bot start
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def main() -> None:
    import os

    from core.settings import SERVICE_INTERFACE

    # rasa-sdk binds to SANIC_HOST, 0.0.0.0 when unset: every interface.
    os.environ.setdefault("SANIC_HOST", SERVICE_INTERFACE)
    use_uvloop()
    from rasa_sdk.__main__ import main as rasa_sdk_main

    rasa_sdk_main()


if __name__ == "__main__":
    main()
