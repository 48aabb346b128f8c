"""Command-line entry points of the voice output.

    python -m bot speak --lang mn|en [--rate N] TEXT --out FILE.ogg
    python -m bot bench voice            (bench_main: time to voice, to understand)
    python -m bot faq voices [--rate N]  (voices_main: pre-generate FAQ audio)

Each function takes the arguments after its command and returns an exit
code, so `bot/__main__.py` only dispatches.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import yaml

from bot.speech import rate as rates
from bot.speech.parts import voice_parts
from bot.speech.speaker import Speaker
from core.settings import FAQ_DIR, LANGUAGES

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


def bench_main(argv: list[str] | None = None) -> int:
    """`python -m bot bench voice` (bot/speech/bench.py)."""
    from bot.speech.bench import main

    return main(argv)


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
            # The same parts the bot sends, so that its look-ups hit these clips.
            clips = [await speaker.speak(part, lang=lang, rate=args.rate) for part in voice_parts(text)]
            if not clips or None in clips:
                failed.append(f"{entry_id}/{lang}")
                status = "FAILED"
            else:
                length = sum(clip.duration for clip in clips)
                seconds += length
                status = f"{length:5.1f} s {clips[-1].engine}"
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
