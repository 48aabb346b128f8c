"""Command-line entry points of the voice output.

    python -m bot speak --lang mn|en [--rate N] TEXT --out FILE.ogg
    python -m bot speak-bench            (bench_main: time to voice)
    python -m bot faq voices [--rate N]  (voices_main: pre-generate FAQ audio)

Each function takes the arguments after its command and returns an exit
code, so `bot/__main__.py` only dispatches.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import resource
import shutil
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import yaml

from actions.settings import FAQ_DIR, LANGUAGES
from bot.speech import rate as rates
from bot.speech.speaker import Speaker

log = logging.getLogger(__name__)


def _rate_arg(value: str) -> int:
    rate = int(value)
    if not rates.MIN_RATE <= rate <= rates.MAX_RATE:
        raise argparse.ArgumentTypeError(f"rate must be {rates.MIN_RATE}-{rates.MAX_RATE} words per minute")
    return rate


def speak_main(argv: list[str] | None = None) -> int:
    """Speak TEXT into an OGG/Opus file: what the bot would send as voice."""
    parser = argparse.ArgumentParser(prog="python -m bot speak", description=speak_main.__doc__)
    parser.add_argument("--lang", choices=LANGUAGES, required=True)
    parser.add_argument("--rate", type=_rate_arg, default=None, help=f"words per minute (default {rates.DEFAULT_RATE})")
    parser.add_argument("--out", type=Path, required=True, help="output .ogg file")
    parser.add_argument("--offline", action="store_true", help="do not try Google (gTTS)")
    parser.add_argument("text", nargs="+", help="text to speak")
    args = parser.parse_args(argv)

    speaker = Speaker.default(online=False) if args.offline else Speaker.default()
    clip = asyncio.run(speaker.speak(" ".join(args.text), lang=args.lang, rate=args.rate))
    if clip is None:
        print("No voice: no engine could speak this text (see the log above).", file=sys.stderr)
        return 1
    args.out.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(clip.path, args.out)
    print(f"{args.out}: {clip.duration:.1f} s, engine {clip.engine}")
    return 0


# About 60 words each: a typical FAQ answer, read aloud.
BENCH_TEXTS = {
    "mn": (
        "Картаа алдсан бол дараах алхмуудыг хийнэ үү.\n"
        "1. Картаа банкны аппликейшнээр эсвэл 1800-1917 дугаарт залгаж яаралтай хаалгаарай.\n"
        "2. Хэн нэгэнд ПИН код, нэг удаагийн кодоо хэзээ ч бүү хэлээрэй.\n"
        "3. Сэжигтэй гүйлгээ харвал банкандаа болон цагдаад нэн даруй мэдэгдээрэй.\n"
        "4. Шинэ карт авахдаа иргэний үнэмлэхээ аваад салбарт очно уу.\n"
        "Дэлгэрэнгүйг https://www.khanbank.com хаягаас үзнэ үү."
    ),
    "en": (
        "If you lost your card, do this now.\n"
        "1. Block the card in your banking app or by calling 1800-1917.\n"
        "2. Never tell anyone your PIN or a one-time code, not even bank staff.\n"
        "3. If you see a payment you did not make, tell your bank and the police.\n"
        "4. For a new card, bring your ID card to a branch.\n"
        "More at https://www.khanbank.com."
    ),
}
BENCH_TARGET_CACHED_MS = 50
BENCH_TARGET_UNCACHED_MS = 1000


def _cpu_s() -> float:
    """CPU seconds of this process and its finished children (espeak-ng, ffmpeg).

    Shown beside wall time: on a busy machine wall time measures the
    neighbours, CPU time measures the work.
    """
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def _timed(speaker: Speaker, text: str, lang: str) -> tuple[float, float, str]:
    start, cpu = time.perf_counter(), _cpu_s()
    clip = asyncio.run(speaker.speak(text, lang=lang))
    elapsed = (time.perf_counter() - start) * 1000
    cpu_ms = (_cpu_s() - cpu) * 1000
    if clip is None:
        raise SystemExit(f"no voice for {lang}: is espeak-ng (and piper-tts for mn) installed?")
    return elapsed, cpu_ms, clip.engine


def bench_main(argv: list[str] | None = None) -> int:
    """Time to voice for a ~60-word answer: cached, and uncached offline per language."""
    parser = argparse.ArgumentParser(prog="python -m bot speak-bench", description=bench_main.__doc__)
    parser.add_argument("--runs", type=int, default=5, help="uncached runs per language (default 5)")
    args = parser.parse_args(argv)

    words = {lang: len(text.split()) for lang, text in BENCH_TEXTS.items()}
    print(f"cores: {os.cpu_count()}; answer length: {words['mn']} words mn, {words['en']} words en; engines offline")
    rows: list[tuple[str, list[tuple[float, float, str]], int]] = []
    with tempfile.TemporaryDirectory(prefix="khotoch-bench-") as tmp:
        for lang in ("mn", "en"):
            runs = []
            for run in range(args.runs):
                # A fresh cache per run, so every run really synthesises.
                speaker = Speaker.default(cache_dir=Path(tmp) / f"{lang}-{run}", online=False)
                runs.append(_timed(speaker, BENCH_TEXTS[lang], lang))
            rows.append((f"uncached offline {lang}", runs, BENCH_TARGET_UNCACHED_MS))
        speaker = Speaker.default(cache_dir=Path(tmp) / "cached", online=False)
        _timed(speaker, BENCH_TEXTS["mn"], "mn")
        rows.append(("cached", [_timed(speaker, BENCH_TEXTS["mn"], "mn") for _ in range(20)], BENCH_TARGET_CACHED_MS))

    all_ok = True
    for name, runs, target in rows:
        wall = [r[0] for r in runs]
        cpu = [r[1] for r in runs]
        median = statistics.median(wall)
        ok = median <= target
        all_ok &= ok
        print(
            f"{name:<22} median {median:7.1f} ms  max {max(wall):7.1f} ms  cpu {statistics.median(cpu):6.1f} ms  "
            f"target <= {target} ms {'ok' if ok else 'OVER'}  ({runs[-1][2]}, {len(runs)} runs)"
        )
    load = os.getloadavg()[0]
    if load > (os.cpu_count() or 1):
        print(f"note: load average {load:.1f} on {os.cpu_count()} cores; other work slowed these figures")
    return 0 if all_ok else 1


def faq_answers(faq_dir: Path = FAQ_DIR) -> Iterator[tuple[str, str, str]]:
    """(entry id, language, answer text) of every published FAQ answer.

    Tolerates a missing folder, files being written, and files of other
    schemas (official_domains.yml has no entries with answers).
    """
    if not faq_dir.is_dir():
        return
    for path in sorted(faq_dir.glob("*.yml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except (OSError, yaml.YAMLError) as exc:
            log.warning("skipping %s: %s", path.name, exc)
            continue
        entries = data.get("entries") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            continue
        for entry in entries:
            if not isinstance(entry, dict) or entry.get("status", "published") != "published":
                continue
            answer = entry.get("answer")
            if not isinstance(answer, dict):
                continue
            for lang in LANGUAGES:
                text = answer.get(lang)
                if isinstance(text, str) and text.strip():
                    yield str(entry.get("id", path.stem)), lang, text.strip()


def voices_main(argv: list[str] | None = None) -> int:
    """Pre-generate the voice of every FAQ answer in both languages."""
    parser = argparse.ArgumentParser(prog="python -m bot faq voices", description=voices_main.__doc__)
    parser.add_argument("--faq-dir", type=Path, default=FAQ_DIR)
    parser.add_argument("--rate", type=_rate_arg, default=None, help=f"words per minute (default {rates.DEFAULT_RATE})")
    parser.add_argument("--cache-dir", type=Path, default=None, help="voice cache (default: the bot's)")
    parser.add_argument("--offline", action="store_true", help="do not try Google (gTTS)")
    args = parser.parse_args(argv)

    answers = list(faq_answers(args.faq_dir))
    if not answers:
        print(f"No FAQ answers found in {args.faq_dir}; nothing to do.")
        return 0
    speaker = Speaker.default(cache_dir=args.cache_dir, online=not args.offline)
    failed: list[str] = []
    seconds = 0.0
    interactive = sys.stdout.isatty()
    start = time.perf_counter()

    async def run() -> None:
        nonlocal seconds
        for done, (entry_id, lang, text) in enumerate(answers, 1):
            clip = await speaker.speak(text, lang=lang, rate=args.rate)
            if clip is None:
                failed.append(f"{entry_id}/{lang}")
                status = "FAILED"
            else:
                seconds += clip.duration
                status = f"{clip.duration:5.1f} s {clip.engine}"
            line = f"[{done}/{len(answers)}] {entry_id} {lang}: {status}"
            print(f"\r{line:<78}" if interactive else line, end="" if interactive else "\n", flush=True)

    asyncio.run(run())
    if interactive:
        print()
    print(
        f"{len(answers) - len(failed)} of {len(answers)} answers voiced "
        f"({seconds / 60:.1f} min of audio) in {time.perf_counter() - start:.1f} s"
    )
    if failed:
        print("No voice for: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0
