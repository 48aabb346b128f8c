"""Command line: `python -m bot run|chat|ask|speak|faq|scam|stats|bench|retention|services|cluster`."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from collections.abc import Callable

from bot.config import Config
from core.settings import CHAT_USER_ID


def stop_on_sigterm() -> None:
    """Treat SIGTERM (systemd, docker stop, kill) like Ctrl-C.

    Rasa and the action server run in their own sessions so that a terminal's
    Ctrl-C reaches only the bot, which then stops them; a bare SIGTERM would
    end the bot without its `finally` and leave both running.
    """

    def interrupt(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, interrupt)


def _speaker():
    try:
        from bot.speech import Speaker

        return Speaker.default()
    except Exception as exc:  # noqa: BLE001 - the bot works without voice
        print(f"[khotoch] voice output unavailable: {exc}", file=sys.stderr)
        return None


def _stack(config: Config):
    from bot.services import Stack

    stack = Stack(config.rasa_url, config.actions_url, token=config.rasa_auth_token())
    stack.ensure()
    return stack


def _supervise(stack):
    """Restarts Rasa or the action server when one dies or hangs (bot/supervisor.py)."""
    from bot.supervisor import Supervisor

    return Supervisor(stack).start()


def build(config: Config, dry_run: bool = False):
    from bot.assistant import Assistant
    from bot.handoff.desk import Desk
    from bot.rasa_client import RasaClient
    from bot.rasa_store import RasaStore
    from bot.storage import Database
    from core.strings import load_all

    load_all()  # the texts, before the first message rather than during it
    db = Database(config.database_url)
    desk = None if dry_run else Desk(config, db)
    rasa = RasaClient(config.rasa_url, config.rasa_timeout, token=config.rasa_auth_token(),
                      in_flight=config.rasa_concurrency)
    assistant = Assistant(config, db, rasa, desk, dry_run, conversations=RasaStore(config.rasa_tracker_url))
    return assistant, desk


def cmd_run(args: argparse.Namespace, config: Config) -> int:
    from bot import logs

    logs.setup()
    stack = _stack(config) if not args.no_services else None
    supervisor = _supervise(stack) if stack else None
    try:
        if config.token:
            from bot import telegram_app

            assistant, desk = build(config)
            telegram_app.run(config, assistant, _speaker(), desk, webhook=args.webhook)
        else:
            print("[khotoch] TELEGRAM_BOT_TOKEN is not set: opening the terminal chat.", file=sys.stderr)
            return cmd_chat(args, config, started=True)
    except KeyboardInterrupt:
        pass
    finally:
        if supervisor:
            supervisor.stop()
        if stack:
            stack.stop()
    return 0


def cmd_chat(args: argparse.Namespace, config: Config, started: bool = False) -> int:
    from bot import logs
    from bot.terminal import chat_loop

    if not started:
        logs.setup("WARNING")
    stack = None if started or args.no_services else _stack(config)
    assistant, desk = build(config)
    if desk is not None:
        desk.notifier = None  # no volunteer group in a terminal

    async def chat(speaker: object) -> None:
        try:
            await chat_loop(assistant, speaker, user_id=CHAT_USER_ID,
                            retry_interval=config.retry_interval)
        finally:
            await assistant.rasa.close()

    try:
        asyncio.run(chat(_speaker()))
    except KeyboardInterrupt:
        pass
    finally:
        if stack:
            stack.stop()
    return 0


def cmd_ask(args: argparse.Namespace, config: Config) -> int:
    from bot import ask, logs

    logs.setup("WARNING")
    stack = None if args.no_services else _stack(config)
    try:
        return ask.main(args, config)
    finally:
        if stack:
            stack.stop()


def cmd_services(args: argparse.Namespace, config: Config) -> int:
    from bot import logs

    logs.setup()
    stack = _stack(config)
    supervisor = _supervise(stack)
    print("Rasa server and action server are running (restarted if they stop); "
          "press Ctrl-C to stop them.", file=sys.stderr)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        supervisor.stop()
        stack.stop()
    return 0


def _delegate(target: str) -> Callable[[list[str]], int]:
    module, func = target.split(":")

    def run(argv: list[str]) -> int:
        import importlib

        return int(getattr(importlib.import_module(module), func)(argv) or 0)

    return run


DELEGATES = {
    ("speak",): "bot.speech.cli:speak_main",
    ("bench", "voice"): "bot.speech.cli:bench_main",
    ("bench", "layers"): "bot.bench_layers:main",
    ("bench", "engines"): "bot.bench_engines:main",
    ("faq", "voices"): "bot.speech.cli:voices_main",
    ("faq", "candidates"): "bot.candidates:candidates_main",
    ("faq",): "bot.maintain.faq_tools:main",
    ("scam", "eval"): "bot.maintain.scam_eval:main",
    ("translit", "eval"): "bot.maintain.translit_eval:main",
    ("nlu", "eval"): "bot.nlu_eval:main",
    ("nlu", "from-faq"): "bot.maintain.faq_nlu:main",
    ("nlu", "from-strings"): "bot.maintain.domain_texts:main",
    ("stats",): "bot.stats:stats_main",
    ("alerts",): "bot.alerts:main",
    ("bench",): "bot.bench:main",
    ("retention",): "bot.retention:main",
    ("cluster",): "bot.cluster.cli:main",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    for key in sorted(DELEGATES, key=len, reverse=True):
        if tuple(argv[: len(key)]) == key:
            return _delegate(DELEGATES[key])(argv[len(key):])
    parser = argparse.ArgumentParser(prog="python -m bot", description="Khotoch bot")
    sub = parser.add_subparsers(dest="cmd", required=True)
    run = sub.add_parser("run", help="the bot: Telegram with TELEGRAM_BOT_TOKEN, else a terminal chat")
    run.add_argument("--webhook", action="store_true", help="receive updates by webhook (WEBHOOK_URL)")
    run.add_argument("--no-services", action="store_true", help="use already running Rasa and actions")
    chat = sub.add_parser("chat", help="terminal chat through the full pipeline")
    chat.add_argument("--no-services", action="store_true")
    ask = sub.add_parser("ask", help="print what the bot answers, as JSON")
    ask.add_argument("text", nargs="*")
    ask.add_argument("--forwarded", action="store_true", help="treat the text as a forwarded message")
    ask.add_argument("--lang", choices=("en", "mn"), help="as if the user had chosen this language")
    ask.add_argument("--jsonl", action="store_true",
                     help="read one text per line (or JSON lines with text, forwarded) from stdin")
    ask.add_argument("--no-services", action="store_true")
    sub.add_parser("services", help="start Rasa and the action server and keep them running")
    sub.add_parser("speak", help="python -m bot speak --lang mn|en [--rate N] TEXT --out FILE.ogg")
    sub.add_parser("faq", help="validate | ask | eval | reload | voices | candidates")
    sub.add_parser("scam", help="eval")
    sub.add_parser("translit", help="eval: Latin-typed Mongolian read into Cyrillic, against training twins")
    sub.add_parser("nlu", help="eval: Rasa intent accuracy on the held-out set | from-faq: FAQ questions as examples"
                   " | from-strings: domain.yml responses from strings/")
    sub.add_parser("stats", help="questions, tickets and answer times")
    sub.add_parser("alerts", help="list | preview ID | send ID | corrections (docs/alerts.md)")
    sub.add_parser("bench", help="end-to-end latency and throughput benchmark | voice | layers | engines")
    sub.add_parser("retention", help="delete what is older than the retention period, in every store")
    sub.add_parser("cluster", help="up | down | status: the scale-out cluster on loopback (docs/deployment.md)")
    args = parser.parse_args(argv)
    config = Config.from_env()
    stop_on_sigterm()
    handlers = {"run": cmd_run, "chat": cmd_chat, "ask": cmd_ask, "services": cmd_services}
    return handlers[args.cmd](args, config)
