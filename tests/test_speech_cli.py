"""`python -m bot speak`, `faq voices` and the benchmark, as a maintainer runs them."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.speech import cli, speaker
from tests.test_speech_support import ffprobe


@pytest.fixture(autouse=True)
def own_cache(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    cache = tmp_path / "voice-cache"
    monkeypatch.setattr(speaker, "VOICE_CACHE_DIR", cache)
    return cache


def test_speak_writes_a_voice_file(tmp_path: Path, capsys) -> None:
    out = tmp_path / "out" / "hello.ogg"
    code = cli.speak_main(["--lang", "mn", "--rate", "140", "--offline", "--out", str(out), "Сайн байна уу."])
    assert code == 0
    info = ffprobe(out)
    assert (info["codec"], info["channels"]) == ("opus", "1")
    assert "espeak-ng" in capsys.readouterr().out


def test_speak_rejects_a_rate_out_of_range(tmp_path: Path) -> None:
    with pytest.raises(SystemExit):
        cli.speak_main(["--lang", "en", "--rate", "5", "--out", str(tmp_path / "x.ogg"), "hi"])


FAQ = """\
topic: banking
entries:
  - id: block_card
    answer:
      en: |
        1. Block the card.
        2. Call 1800-1917.
      mn: |
        1. Картаа хаа.
        2. 1800-1917 дугаарт залга.
  - id: draft_one
    status: draft
    answer:
      en: Not yet.
      mn: Хараахан биш.
  - id: english_only_so_far
    answer:
      en: Being translated.
"""


def test_faq_voices_makes_every_published_answer_once(tmp_path: Path, own_cache: Path, capsys) -> None:
    faq = tmp_path / "faq"
    faq.mkdir()
    (faq / "banking.yml").write_text(FAQ, encoding="utf-8")
    (faq / "official_domains.yml").write_text("domains:\n  - e-mongolia.mn\n", encoding="utf-8")
    (faq / "scams.yml").write_text("entries: [unclosed\n", encoding="utf-8")  # mid-edit

    assert cli.voices_main(["--faq-dir", str(faq), "--offline"]) == 0
    out = capsys.readouterr().out
    assert "[3/3]" in out and "3 of 3 answers voiced" in out
    assert len(list(own_cache.glob("*.ogg"))) == 3

    # A second run finds them in the cache: nothing new is made.
    assert cli.voices_main(["--faq-dir", str(faq), "--offline"]) == 0
    assert len(list(own_cache.glob("*.ogg"))) == 3


def test_faq_voices_clip_is_the_one_the_bot_sends(tmp_path: Path, own_cache: Path) -> None:
    faq = tmp_path / "faq"
    faq.mkdir()
    (faq / "banking.yml").write_text(FAQ, encoding="utf-8")
    cli.voices_main(["--faq-dir", str(faq), "--offline"])
    made = set(own_cache.glob("*.ogg"))
    import asyncio

    answer = "1. Картаа хаа.\n2. 1800-1917 дугаарт залга.\n"
    clip = asyncio.run(speaker.Speaker.default(online=False).speak(answer, lang="mn"))
    assert clip is not None and clip.path in made


def test_faq_voices_without_faq_folder(tmp_path: Path, capsys) -> None:
    assert cli.voices_main(["--faq-dir", str(tmp_path / "missing"), "--offline"]) == 0
    assert "No FAQ answers" in capsys.readouterr().out


def test_faq_answers_reads_the_real_folder_schema() -> None:
    # Whatever the content team has written so far parses as (id, lang, text).
    for entry_id, lang, text in cli.faq_answers():
        assert entry_id and lang in ("en", "mn") and text.strip()


def test_bench_prints_every_engine_and_both_clips(capsys) -> None:
    cli.bench_main(["--runs", "1", "--no-bot"])  # the exit code reflects timing; not judged here
    out = capsys.readouterr().out
    for row in ("piper en uncached, first clip", "piper en uncached, whole (", "next clip ready before",
                "piper en cached",
                "espeak-ng mn uncached, first clip", "espeak-ng mn cached",
                "10 s clip", "60 s clip", "Peak memory"):
        assert row in out
