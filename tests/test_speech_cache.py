"""The voice cache: keyed by what is heard, bounded, safe for parallel writers."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from bot.speech.cache import VoiceCache


def _write(content: bytes):
    def write(tmp: Path) -> None:
        tmp.write_bytes(content)

    return write


def test_key_depends_on_engine_voice_rate_and_text() -> None:
    base = VoiceCache.key("espeak-ng", "mn", 160, "Сайн байна уу.")
    assert base == VoiceCache.key("espeak-ng", "mn", 160, "Сайн байна уу.")
    others = {
        VoiceCache.key("gtts", "mn", 160, "Сайн байна уу."),
        VoiceCache.key("espeak-ng", "en-us", 160, "Сайн байна уу."),
        VoiceCache.key("espeak-ng", "mn", 180, "Сайн байна уу."),
        VoiceCache.key("espeak-ng", "mn", 160, "Сайн байна уу!"),
    }
    assert base not in others and len(others) == 4


def test_put_then_get(tmp_path: Path) -> None:
    cache = VoiceCache(tmp_path / "voice", 10_000)
    key = VoiceCache.key("e", "v", 160, "t")
    assert cache.get(key) is None
    path = cache.put(key, _write(b"x" * 100))
    assert cache.get(key) == path and path.read_bytes() == b"x" * 100


def test_least_recently_used_clips_go_first(tmp_path: Path) -> None:
    cache = VoiceCache(tmp_path, 1000)
    keys = [VoiceCache.key("e", "v", 160, str(i)) for i in range(3)]
    now = time.time()
    for age, key in zip((300, 200, 100), keys, strict=True):
        path = cache.put(key, _write(b"x" * 300))
        os.utime(path, (now - age, now - age))
    # The oldest clip was just heard again, so it is kept.
    assert cache.get(keys[0]) is not None
    cache.put(VoiceCache.key("e", "v", 160, "new"), _write(b"x" * 300))
    assert cache.size_bytes() <= 1000
    assert cache.get(keys[0]) is not None
    assert cache.get(keys[1]) is None  # least recently used
    assert cache.get(keys[2]) is not None
    assert cache.get(VoiceCache.key("e", "v", 160, "new")) is not None


def test_failed_write_leaves_nothing(tmp_path: Path) -> None:
    cache = VoiceCache(tmp_path, 10_000)
    key = VoiceCache.key("e", "v", 160, "t")

    def broken(tmp: Path) -> None:
        tmp.write_bytes(b"half")
        raise RuntimeError("encoder died")

    try:
        cache.put(key, broken)
    except RuntimeError:
        pass
    assert cache.get(key) is None
    assert list(tmp_path.iterdir()) == []


def test_parallel_writers_of_one_clip(tmp_path: Path) -> None:
    # Two bot processes voicing the same answer: readers see a whole clip.
    cache = VoiceCache(tmp_path, 10_000_000)
    key = VoiceCache.key("e", "v", 160, "t")
    content = os.urandom(200_000)

    def slow_write(tmp: Path) -> None:
        with open(tmp, "wb") as fh:
            for i in range(0, len(content), 10_000):
                fh.write(content[i : i + 10_000])
                time.sleep(0.001)

    threads = [threading.Thread(target=cache.put, args=(key, slow_write)) for _ in range(6)]
    seen: list[bytes] = []
    for t in threads:
        t.start()
    while any(t.is_alive() for t in threads):
        path = cache.get(key)
        if path is not None:
            seen.append(path.read_bytes())
    for t in threads:
        t.join()
    assert all(s == content for s in seen)
    assert cache.path(key).read_bytes() == content
    assert [p.name for p in tmp_path.iterdir()] == [cache.path(key).name]


def test_stale_temporary_files_are_removed(tmp_path: Path) -> None:
    stale = tmp_path / ".abc.123.tmp"
    stale.write_bytes(b"left by a crash")
    os.utime(stale, (time.time() - 7200, time.time() - 7200))
    fresh = tmp_path / ".def.456.tmp"
    fresh.write_bytes(b"being written now")
    VoiceCache(tmp_path, 10_000).size_bytes()
    assert not stale.exists() and fresh.exists()
