"""Scam alerts and answer corrections: campaigns, the command line, and /alert for maintainers.

- `python -m bot alerts list | preview ID | send ID | corrections`
- In Telegram, a maintainer (MAINTAINER_IDS) sends `/alert ID`, sees the text
  and the number of subscribers, and presses "Send it now"; one status
  message is updated while it goes out, then it shows the summary.
- `bot run` sends pending corrections and drops answer records past the
  retention period once a day, and resumes broadcasts a crash interrupted.

The sending itself is bot/broadcast.py; the content, bot/alert_content.py.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import logging
import re
import sys
from pathlib import Path
from typing import Any

from bot import alert_store as store
from bot.alert_content import Alert, Correction, load_alerts, load_corrections
from bot.broadcast import Broadcaster, Campaign, Progress, summary_line
from bot.config import Config
from bot.handoff.wording import wait_text
from bot.leases import HOUR_S, once
from bot.storage import Database, utcnow
from core.settings import DEFAULT_LANGUAGE, LANGUAGES
from core.strings import t

log = logging.getLogger(__name__)

ALERT_PREFIX = "alert:"
CONFIRM = re.compile(r"^alert:(send|cancel):([a-z0-9-]{1,50})$")
STATUS_EVERY_SECONDS = 3.0  # edits of the maintainer's status message (each is a Telegram call)


def alert_campaign(db: Database, alert: Alert) -> Campaign:
    key = ALERT_PREFIX + alert.id
    texts = {lang: t(lang, "alerts.message", text=alert.text[lang]).strip() for lang in LANGUAGES}
    return Campaign(key, texts, lambda after, limit: store.alert_recipients(db, key, after, limit))


def correction_campaign(db: Database, c: Correction, retention_days: int,
                        now: dt.datetime | None = None) -> Campaign:
    """Those who got the entry's answer within the retention period, up to the day it was corrected."""
    since = (now or utcnow()) - dt.timedelta(days=retention_days)
    until = dt.datetime(c.date.year, c.date.month, c.date.day)
    texts = {lang: t(lang, "alerts.correction", date=c.date.isoformat(), note=c.note[lang],
                     answer=c.answer.get(lang) or c.answer.get(DEFAULT_LANGUAGE, "")).strip()
             for lang in LANGUAGES}
    return Campaign(c.campaign, texts, lambda after, limit: store.correction_recipients(
        db, c.campaign, c.faq_id, since, until, after, limit))


def left_text(lang: str, seconds: float | None) -> str:
    if seconds is None:
        return "?"
    if seconds < 60:
        return t(lang, "alerts.seconds", n=max(1, int(round(seconds))))
    return wait_text(lang, seconds / 60.0)


def progress_text(lang: str, alert_id: str, p: Progress) -> str:
    return t(lang, "alerts.progress", id=alert_id, done=p.done, total=p.total, rate=f"{p.rate:.1f}",
             left=left_text(lang, p.left_seconds))


def summary_text(lang: str, alert_id: str, p: Progress) -> str:
    text = t(lang, "alerts.summary", id=alert_id, sent=p.sent, blocked=p.blocked, failed=p.failed, voice=p.voice)
    if p.uncertain:
        text += "\n" + t(lang, "alerts.uncertain", count=p.uncertain)
    return text


async def send_corrections(db: Database, bot: Any, config: Config, speaker: Any | None = None,
                           faq_dir: Path | None = None, report=None) -> list[tuple[Correction, Progress]]:
    """Every correction still owed to someone; each goes to each person once (its delivery rows)."""
    corrections, problems = load_corrections(faq_dir)
    for p in problems:
        log.warning("correction not sent: %s", p)
    done = []
    for c in corrections:
        campaign = correction_campaign(db, c, config.retention_days)
        progress = await Broadcaster(db, bot, config.alert_rate, speaker).run(campaign)
        if progress.done:
            log.info("correction of %s sent: %s", c.faq_id, summary_line(progress))
        if report is not None:
            report(c, progress)
        done.append((c, progress))
    return done


# --- command line ---------------------------------------------------------------------
def _bot(config: Config, workers: int):
    from telegram import Bot

    from bot.telegram_request import AiohttpRequest

    if not config.token:
        raise SystemExit("TELEGRAM_BOT_TOKEN is not set: nothing can be sent.")
    kwargs: dict[str, Any] = {}
    if config.api_url:
        kwargs = {"base_url": f"{config.api_url}/bot", "base_file_url": f"{config.api_url}/file/bot"}
    return Bot(config.token, request=AiohttpRequest(connection_pool_size=workers + 4), **kwargs)


def _speaker():
    from bot.cli import _speaker as speaker

    return speaker()


def _progress_line(alert_id: str, lang: str):
    def show(p: Progress) -> None:
        width = 30
        filled = int(width * p.done / p.total) if p.total else width
        bar = "#" * filled + "-" * (width - filled)
        end = "\n" if p.done >= p.total else ""
        print(f"\r[{bar}] {progress_text(lang, alert_id, p)}", end=end, file=sys.stderr, flush=True)

    return show


async def _send(config: Config, db: Database, alert: Alert, lang: str, voice: bool) -> Progress:
    from bot.broadcast import WORKERS

    bot = _bot(config, WORKERS)
    async with bot:
        broadcaster = Broadcaster(db, bot, config.alert_rate, _speaker() if voice else None,
                                  on_progress=_progress_line(alert.id, lang))
        return await broadcaster.run(alert_campaign(db, alert))


async def _corrections(config: Config, db: Database, lang: str, voice: bool) -> int:
    from bot.broadcast import WORKERS

    bot = _bot(config, WORKERS)

    def report(c: Correction, p: Progress) -> None:
        print(t(lang, "alerts.correction_done", faq_id=c.faq_id, date=c.date.isoformat(), sent=p.sent,
                blocked=p.blocked, failed=p.failed))

    async with bot:
        done = await send_corrections(db, bot, config, _speaker() if voice else None, report=report)
    if not done:
        print(t(lang, "alerts.corrections_none"))
    return 0


def main(argv: list[str] | None = None) -> int:
    """`python -m bot alerts list|preview ID|send ID|corrections`."""
    from bot import logs

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--lang", choices=LANGUAGES, default="en", help="language of the progress texts")
    common.add_argument("--database", help="database URL (default: DATABASE_URL or the local SQLite file)")
    parser = argparse.ArgumentParser(prog="python -m bot alerts", description="Scam alerts and corrections.")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("list", parents=[common], help="the valid alerts, and to how many each was sent")
    p = sub.add_parser("preview", parents=[common], help="print an alert as each language's subscribers get it")
    p.add_argument("id")
    p = sub.add_parser("send", parents=[common], help="send an alert to every subscriber (resumes a stopped run)")
    p.add_argument("id")
    p.add_argument("--no-voice", action="store_true", help="text only, even for voice users")
    p.add_argument("--resend-uncertain", action="store_true",
                   help="after a crash, send again to chats whose message may not have arrived (may duplicate)")
    p = sub.add_parser("corrections", parents=[common], help="send the corrections still owed to someone")
    p.add_argument("--no-voice", action="store_true")
    args = parser.parse_args(argv)
    logs.setup("WARNING")
    config = Config.from_env()
    db = store.ensure(Database(args.database or config.database_url))
    if args.cmd == "corrections":
        return asyncio.run(_corrections(config, db, args.lang, not args.no_voice))
    found = load_alerts()
    for problem in found.problems:
        print(problem, file=sys.stderr)
    if args.cmd == "list":
        for alert in found.alerts:
            state = "expired" if alert.expired() else f"expires {alert.expires}"
            sent = store.counts(db, ALERT_PREFIX + alert.id).get(store.SENT, 0)
            print(f"{alert.id}  ({alert.concerns[0]} {alert.concerns[1]}, {state}, sent to {sent})")
        return 0
    alert = found.get(args.id)
    if alert is None:
        print(t(args.lang, "alerts.unknown", id=args.id), file=sys.stderr)
        return 1
    campaign = alert_campaign(db, alert)
    if args.cmd == "preview":
        for lang in LANGUAGES:
            print(f"--- {lang} ---\n{campaign.texts[lang]}\n")
        print(f"concerns {alert.concerns[0]} {alert.concerns[1]}; expires {alert.expires}; sources: "
              f"{', '.join(alert.sources)}")
        print(f"subscribers not yet sent this alert: {len(campaign.recipients(0, 10**9))}")
        return 0
    if alert.expired():
        print(t(args.lang, "alerts.expired", id=alert.id, date=alert.expires.isoformat()), file=sys.stderr)
        return 1
    if args.resend_uncertain:
        print(f"{store.forget_uncertain(db, ALERT_PREFIX + alert.id)} chat(s) whose message may not have arrived "
              "will be sent it again", file=sys.stderr)
    progress = asyncio.run(_send(config, db, alert, args.lang, not args.no_voice))
    print(summary_text(args.lang, alert.id, progress))
    print(summary_line(progress))
    return 0


# --- Telegram: /alert ID for maintainers, jobs ------------------------------------------------
class AlertHandlers:
    """/alert ID + confirm for maintainers; the daily corrections and retention jobs; resuming."""

    def __init__(self, assistant: Any, config: Config, speaker: Any | None) -> None:
        self.assistant = assistant
        self.db = store.ensure(assistant.db)
        self.config = config
        self.speaker = speaker
        self._running: dict[str, asyncio.Task] = {}

    def lang(self, user_id: int) -> str:
        return self.assistant.language_of(user_id)

    async def on_alert(self, update: Any, context: Any) -> None:
        from telegram import InlineKeyboardButton, InlineKeyboardMarkup
        from telegram.ext import ApplicationHandlerStop

        user = update.effective_user
        message = update.effective_message
        lang = self.lang(user.id if user else message.chat_id)
        if user is None or user.id not in self.config.maintainer_ids:
            await message.reply_text(t(lang, "alerts.maintainers_only"))
            raise ApplicationHandlerStop
        if not context.args:
            await message.reply_text(t(lang, "alerts.usage"))
            raise ApplicationHandlerStop
        alert_id = context.args[0].strip().lower()
        alert = load_alerts().get(alert_id)
        if alert is None or not CONFIRM.match(f"alert:send:{alert_id}"):
            await message.reply_text(t(lang, "alerts.unknown", id=alert_id[:60]))
        elif alert.expired():
            await message.reply_text(t(lang, "alerts.expired", id=alert.id, date=alert.expires.isoformat()))
        else:
            count = len(alert_campaign(self.db, alert).recipients(0, 10**9))
            keyboard = InlineKeyboardMarkup([[InlineKeyboardButton(t(lang, "alerts.confirm_button"),
                                                                   callback_data=f"alert:send:{alert.id}")],
                                             [InlineKeyboardButton(t(lang, "alerts.cancel_button"),
                                                                   callback_data=f"alert:cancel:{alert.id}")]])
            await message.reply_text(t(lang, "alerts.confirm", id=alert.id, count=count, text=alert.text[lang]),
                                     reply_markup=keyboard)
        raise ApplicationHandlerStop

    async def on_confirm(self, update: Any, context: Any) -> None:
        from telegram.error import TelegramError
        from telegram.ext import ApplicationHandlerStop

        query = update.callback_query
        user = update.effective_user
        lang = self.lang(user.id if user else 0)
        m = CONFIRM.match(query.data or "")
        allowed = m is not None and user is not None and user.id in self.config.maintainer_ids
        try:
            # Refused to the presser alone (a pop-up), never in the maintainer's chat.
            await query.answer(None if allowed else t(lang, "alerts.maintainers_only"), show_alert=not allowed)
        except TelegramError:
            pass
        if not allowed:
            raise ApplicationHandlerStop
        action, alert_id = m.groups()
        alert = load_alerts().get(alert_id)
        if action == "cancel" or alert is None or alert.expired():
            await query.edit_message_text(t(lang, "alerts.cancelled", id=alert_id))
            raise ApplicationHandlerStop
        if alert_id in self._running:
            await context.bot.send_message(update.effective_chat.id, t(lang, "alerts.busy", id=alert_id))
            raise ApplicationHandlerStop
        # The confirmation message becomes the status message (no button left to press twice).
        await query.edit_message_text(t(lang, "alerts.progress", id=alert_id, done=0, total="?", rate="0",
                                        left="?"))
        self.start(context.bot, alert, update.effective_chat.id, query.message.message_id, lang)
        raise ApplicationHandlerStop

    def start(self, bot: Any, alert: Alert, chat_id: int | None, message_id: int | None, lang: str) -> None:
        """Runs the broadcast in the background; the status message is edited at most every few seconds."""
        from telegram.error import TelegramError

        last = [0.0]
        summarised = [False]

        async def status(p: Progress) -> None:
            if chat_id is None:
                return
            finished = p.done >= p.total
            if summarised[0]:
                return
            summarised[0] = finished
            if message_id is None:
                # Resumed after a restart: the old status message is not known, so the summary comes new.
                if finished:
                    try:
                        await bot.send_message(chat_id, summary_text(lang, alert.id, p))
                    except TelegramError as exc:
                        log.info("alert summary not sent: %s", exc)
                return
            now = asyncio.get_running_loop().time()
            if not finished and now - last[0] < STATUS_EVERY_SECONDS:
                return
            last[0] = now
            text = summary_text(lang, alert.id, p) if finished else progress_text(lang, alert.id, p)
            try:
                await bot.edit_message_text(text, chat_id=chat_id, message_id=message_id)
            except TelegramError as exc:
                log.info("alert status not updated: %s", exc)

        async def run() -> None:
            try:
                broadcaster = Broadcaster(self.db, bot, self.config.alert_rate, self.speaker, on_progress=status)
                progress = await broadcaster.run(alert_campaign(self.db, alert), started_by=chat_id)
                log.info("alert %s: %s", alert.id, summary_line(progress))
            except Exception:  # noqa: BLE001 - logged; the run resumes at the next start
                log.exception("alert %s stopped", alert.id)
            finally:
                self._running.pop(alert.id, None)

        self._running[alert.id] = asyncio.get_running_loop().create_task(run())

    async def resume(self, bot: Any) -> None:
        """At start-up: broadcasts a crash interrupted go on where they stopped."""
        alerts = load_alerts()
        for run in store.unfinished_runs(self.db):
            if run.campaign.startswith(ALERT_PREFIX):
                alert = alerts.get(run.campaign[len(ALERT_PREFIX):])
                if alert is not None and not alert.expired():
                    log.info("resuming alert %s", alert.id)
                    chat = run.started_by
                    self.start(bot, alert, chat, None, self.lang(chat) if chat else DEFAULT_LANGUAGE)

    async def daily_job(self, context: Any) -> None:
        """Corrections owed to someone go out (old answer records go with bot/retention.py's sweep)."""
        try:
            await send_corrections(self.db, context.bot, self.config, self.speaker)
        except Exception:  # noqa: BLE001 - tried again tomorrow, or by `python -m bot alerts corrections`
            log.exception("daily corrections failed")


def register(application: Any, assistant: Any, config: Config, speaker: Any | None) -> AlertHandlers:
    from telegram.ext import CallbackQueryHandler, CommandHandler

    handlers = AlertHandlers(assistant, config, speaker)
    application.add_handler(CommandHandler("alert", handlers.on_alert), -1)
    application.add_handler(CallbackQueryHandler(handlers.on_confirm, pattern=r"^alert:"), -1)
    if application.job_queue is not None:
        # One run at a time across bot replicas (bot/leases.py); an hour's lease lets
        # the run at start and the daily one both happen, each on one replica.
        corrections = once(handlers.db, "corrections", HOUR_S, handlers.daily_job)
        application.job_queue.run_daily(corrections, time=dt.time(3, 0, tzinfo=dt.UTC), name="corrections")
        # And once soon after start, so a correction made today does not wait a day.
        application.job_queue.run_once(corrections, when=60, name="corrections-at-start")
    return handlers
